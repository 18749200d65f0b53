import type { z } from 'zod';
import type { jsonToXmlSchema } from './schema.js';

/** A realistic json-to-xml config: documentation for authors, a fixture for the tests. */
export const jsonToXmlExample = {
  apply: 'content-type-json',
  'consider-accept-header': true,
  'parse-date': false,
} satisfies z.input<typeof jsonToXmlSchema>;
