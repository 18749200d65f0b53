import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

/**
 * A strict object: an unknown key is an error, because a misspelt optional attribute would
 * otherwise be dropped without a word. Its message names the closest known key, one line per
 * unknown key in `keys` order — issue-errors.ts relies on that to report each key at its own
 * path and line.
 */
export function configObject<Shape extends z.ZodRawShape>(shape: Shape, noun = 'attribute') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => `unknown ${noun} '${key}'${didYouMean(key, known)}`).join('\n')
        : undefined,
  });
}

/** Fails with `message` when more than one of `keys` is present (and, if `required`, when none is). */
export function oneOf<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[], required: boolean) {
  const listed = keys.map((key) => `'${key}'`).join(', ');
  return (payload: z.core.ParsePayload<T>): void => {
    const present = keys.filter((key) => payload.value[key] !== undefined);
    if (present.length > 1 || (required && present.length === 0)) {
      payload.issues.push({
        code: 'custom',
        message: required ? `set exactly one of ${listed}` : `set at most one of ${listed}`,
        input: payload.value,
      });
    }
  };
}

// RFC 9110 §5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const headerName = z
  .string()
  .max(256)
  .regex(TOKEN, { error: "expected an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" });

export const queryParameterName = z.string().min(1).max(256);

export const httpStatusCode = z.number().int().min(100).max(599);

// Methods are case-sensitive (RFC 9110 §9.1); a lowercase "get" is a different, unknown method.
export const httpMethod = z
  .string()
  .max(32)
  .regex(/^[A-Z][A-Z-]*$/, { error: 'expected an HTTP method in uppercase, such as GET or POST' });

export const mediaType = z
  .string()
  .regex(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/, { error: 'expected a media type such as application/json' });

export const positiveInteger = z.number().int().positive();

export const seconds = z.number().int().nonnegative();

// Usable as variables.name in expressions; '-' is allowed for Azure compatibility (variables["a-b"]).
export const variableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, { error: 'expected a variable name: a letter or _, then letters, digits, _ or -' });

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http:// or https:// URL' });

export const httpsUrl = z.url({ protocol: /^https$/, error: 'expected an absolute https:// URL' });

export const cachingType = z
  .enum(['internal', 'external', 'prefer-external'])
  .default('prefer-external')
  .describe("Which cache: the gateway's own, the external one configured for the gateway, or external when configured.");

export const existsAction = z
  .enum(['override', 'skip', 'append', 'delete'])
  .default('override')
  .describe('What to do when the item already exists: replace it, keep it, add the values, or remove it.');
