/**
 * One segment of a URL template: literal text, a `{name}` parameter, text mixed with
 * parameters (`{name}.{ext}`, matched by a regular expression built here, once), or a
 * trailing wildcard (`*` as in Azure, or `{*name}`).
 */
export type TemplateSegment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'pattern'; readonly source: string; readonly regex: RegExp; readonly names: readonly string[] }
  | { readonly kind: 'wildcard'; readonly name: string };

export type TemplateParse = { ok: true; segments: TemplateSegment[] } | { ok: false; reason: string };

const PARAM_NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * Parses an operation's URL template, e.g. `/users/{id}`, `/files/{*path}` or `/search?q={q}`
 * (the query part is documentation: matching uses the path only). `/` is the API's root.
 */
export function parseUrlTemplate(template: string): TemplateParse {
  const question = template.indexOf('?');
  const path = question === -1 ? template : template.slice(0, question);
  if (!path.startsWith('/')) return { ok: false, reason: `must start with '/'` };
  const parts = path.slice(1).split('/');
  // A trailing slash names the same resource as none (`/users/` ≡ `/users`).
  if (parts[parts.length - 1] === '') parts.pop();
  const segments: TemplateSegment[] = [];
  const names = new Set<string>();
  for (const [index, part] of parts.entries()) {
    if (part === '') return { ok: false, reason: 'has an empty segment (//)' };
    if (part === '*' && index === parts.length - 1) {
      segments.push({ kind: 'wildcard', name: '*' });
      continue;
    }
    if (!part.includes('{') && !part.includes('}')) {
      if (part === '.' || part === '..') return { ok: false, reason: `has a '${part}' segment` };
      segments.push({ kind: 'literal', text: part });
      continue;
    }
    if (!part.startsWith('{') || !part.endsWith('}') || part.indexOf('{', 1) !== -1 || part.indexOf('}') !== part.length - 1) {
      const pattern = parseMixedSegment(part, names);
      if (!pattern.ok) return pattern;
      segments.push(pattern.segment);
      continue;
    }
    const wildcard = part.startsWith('{*');
    const name = part.slice(wildcard ? 2 : 1, -1);
    if (!PARAM_NAME.test(name)) return { ok: false, reason: `parameter '${part}' has an invalid name` };
    if (names.has(name)) return { ok: false, reason: `parameter '${name}' appears twice` };
    names.add(name);
    if (wildcard && index !== parts.length - 1) return { ok: false, reason: `wildcard '${part}' must be the last segment` };
    segments.push(wildcard ? { kind: 'wildcard', name } : { kind: 'param', name });
  }
  return { ok: true, segments };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `{name}.{ext}` or `v{major}`: literal text around parameters, each parameter at least one character. */
function parseMixedSegment(
  part: string,
  names: Set<string>,
): { ok: true; segment: TemplateSegment } | { ok: false; reason: string } {
  const params: string[] = [];
  let source = '';
  let rest = part;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open === -1) {
      if (rest.includes('}')) return { ok: false, reason: `segment '${part}' has unbalanced braces` };
      source += escapeRegex(rest);
      break;
    }
    const close = rest.indexOf('}', open);
    const literal = rest.slice(0, open);
    if (close === -1 || literal.includes('}')) return { ok: false, reason: `segment '${part}' has unbalanced braces` };
    const name = rest.slice(open + 1, close);
    if (!PARAM_NAME.test(name)) return { ok: false, reason: `parameter '{${name}}' has an invalid name` };
    if (names.has(name)) return { ok: false, reason: `parameter '${name}' appears twice` };
    names.add(name);
    params.push(name);
    source += `${escapeRegex(literal)}([^/]+?)`;
    rest = rest.slice(close + 1);
  }
  return { ok: true, segment: { kind: 'pattern', source: part, regex: new RegExp(`^${source}$`), names: params } };
}

/** A template's shape for duplicate detection: `/users/{id}` and `/users/{userId}` are the same route. */
export function templateShape(segments: readonly TemplateSegment[]): string {
  return segments
    .map((s) =>
      s.kind === 'literal'
        ? s.text
        : s.kind === 'param'
          ? '{}'
          : s.kind === 'pattern'
            ? s.source.replace(/\{[^}]*\}/g, '{}')
            : '{*}',
    )
    .join('/');
}

function decodeParam(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The values a request path binds to a matched operation's template, percent-decoded, from index
 * `start` (where the operation part begins). Run only for requests whose pipeline has statements.
 */
export function bindTemplateParams(segments: readonly TemplateSegment[], path: string, start: number): Map<string, string> {
  const params = new Map<string, string>();
  let at = start;
  for (const segment of segments) {
    if (at >= path.length) break;
    let end = path.indexOf('/', at + 1);
    if (end === -1) end = path.length;
    const text = path.slice(at + 1, end);
    if (segment.kind === 'param') params.set(segment.name, decodeParam(text));
    else if (segment.kind === 'pattern') {
      const match = segment.regex.exec(text);
      if (match) for (let i = 0; i < segment.names.length; i++) params.set(segment.names[i]!, decodeParam(match[i + 1] ?? ''));
    } else if (segment.kind === 'wildcard') {
      params.set(segment.name, decodeParam(path.slice(at + 1)));
      break;
    }
    at = end;
  }
  return params;
}
