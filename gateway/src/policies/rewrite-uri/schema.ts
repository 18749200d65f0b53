import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';

/**
 * rewrite-uri: replaces the path (and query) sent to the backend; `{name}` template variables take
 * the values bound by the operation's URL template.
 *
 * @example { "rewrite-uri": { "template": "/v2/orders/{id}", "copy-unmatched-params": false } }
 */
export const rewriteUriSchema = configObject({
  template: orExpression(z.string().startsWith('/', { error: "expected a path template starting with '/'" }), 'string').describe(
    'New path and query, relative to the backend URL, e.g. /v2/orders/{id}?expand=items.',
  ),
  'copy-unmatched-params': z.boolean().default(true).describe('Also pass the query parameters the template does not mention.'),
}).meta({ description: 'Rewrites the URL path (and query) of the backend request.' });

export type RewriteUriConfig = z.infer<typeof rewriteUriSchema>;
