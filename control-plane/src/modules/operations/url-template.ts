/**
 * URL templates as in OpenAPI and Azure: `/users/{id}/orders/{orderId}`. Parsed once when an
 * operation is written, so the gateway's router gets templates it can trust.
 */
export interface ParsedTemplate {
  parameters: string[];
  /** The template with parameter names erased: two operations with the same method and shape are ambiguous. */
  shape: string;
}

const SEGMENT_LITERAL = /^[A-Za-z0-9._~!$&'()*+,;=:@%-]*$/;
const PARAMETER = /\{([^{}]*)\}/g;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseUrlTemplate(template: string): { ok: true; value: ParsedTemplate } | { ok: false; message: string } {
  if (!template.startsWith('/')) return { ok: false, message: 'Must start with "/"' };
  if (template.includes('?') || template.includes('#'))
    return { ok: false, message: 'Only the path: no query string or fragment' };
  if (template.length > 1 && template.endsWith('/')) return { ok: false, message: 'Must not end with "/"' };
  if (template.includes('//')) return { ok: false, message: 'Empty path segment ("//")' };
  const parameters: string[] = [];
  const segments = template.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    // Azure's wildcard: a last segment `*` matches the rest of the path (a catch-all operation).
    if (segment === '*' && index === segments.length - 1) continue;
    if (segment.includes('*') && segment.startsWith('{'))
      return { ok: false, message: `Use a last segment "*" for a wildcard, not "${segment}"` };
    const literal = segment.replace(PARAMETER, (_, name: string) => {
      parameters.push(name);
      return '';
    });
    if (literal.includes('{') || literal.includes('}')) return { ok: false, message: `Unbalanced braces in "${segment}"` };
    if (!SEGMENT_LITERAL.test(literal)) return { ok: false, message: `Characters not allowed in a URL path: "${segment}"` };
  }
  const bad = parameters.find((name) => !PARAMETER_NAME.test(name));
  if (bad !== undefined)
    return {
      ok: false,
      message: `Parameter name "{${bad}}" must start with a letter or "_" and use letters, digits, "_", "." or "-"`,
    };
  const duplicate = parameters.find((name, i) => parameters.indexOf(name) !== i);
  if (duplicate) return { ok: false, message: `Parameter "{${duplicate}}" appears twice` };
  return { ok: true, value: { parameters, shape: template.replace(PARAMETER, '{}') } };
}
