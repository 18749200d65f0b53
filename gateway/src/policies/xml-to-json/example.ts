import type { z } from 'zod';
import type { xmlToJsonSchema } from './schema.js';

/** A realistic xml-to-json config: documentation for authors, a fixture for the tests. */
export const xmlToJsonExample = {
  kind: 'javascript-friendly',
  apply: 'content-type-xml',
  'consider-accept-header': false,
} satisfies z.input<typeof xmlToJsonSchema>;
