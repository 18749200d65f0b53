import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, headerName, httpStatusCode } from '../fields.js';

/**
 * check-header: rejects a request whose header is missing or, when values are listed, holds
 * none of them.
 *
 * @example { "check-header": { "name": "x-client", "failed-check-httpcode": 403, "failed-check-error-message": "Unknown client", "value": ["portal"] } }
 */
export const checkHeaderSchema = configObject({
  name: headerName.describe('Header to check (names compare case-insensitively).'),
  'failed-check-httpcode': httpStatusCode.describe('Status returned when the check fails.'),
  'failed-check-error-message': orExpression(z.string(), 'string').describe(
    'Message returned in the error body when the check fails.',
  ),
  'ignore-case': orExpression(z.boolean(), 'bool').default(false).describe('Compare header values case-insensitively.'),
  value: z
    .array(orExpression(z.string(), 'string'))
    .min(1)
    .optional()
    .describe('Accepted values; when omitted, only the presence of the header is checked.'),
}).meta({ description: 'Rejects the request unless a header is present and, when values are listed, equal to one of them.' });

export type CheckHeaderConfig = z.infer<typeof checkHeaderSchema>;
