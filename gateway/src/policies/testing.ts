import { expect } from 'vitest';
import { policyCatalogue } from './catalogue.js';
import type { PolicyName } from './policy-statement.js';
import type { PolicySection } from './sections.js';
import { validatePolicyDocument } from './validate-policy-document.js';

/**
 * For policy tests: the errors of one config, validated as the only statement of a document in
 * `section` (by default the first the policy may be used in), with paths relative to the config
 * ('' for the config itself).
 */
export function configErrors(
  name: PolicyName,
  config: unknown,
  section: PolicySection = policyCatalogue[name].sections[0] ?? 'inbound',
): { path: string; message: string }[] {
  const result = validatePolicyDocument({ [section]: [{ [name]: config }] });
  if (result.ok) return [];
  const prefix = `${section}[0].${name}`;
  return result.errors.map(({ path, message }) => {
    if (path === prefix) return { path: '', message };
    if (path.startsWith(`${prefix}.`)) return { path: path.slice(prefix.length + 1), message };
    return { path: path.startsWith(`${prefix}[`) ? path.slice(prefix.length) : path, message };
  });
}

/** `expect.stringContaining`, typed as the string it stands for. */
export function containing(text: string): string {
  return expect.stringContaining(text) as string;
}
