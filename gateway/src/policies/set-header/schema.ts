import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject, existsAction, headerName } from '../fields.js';

/** Values are needed unless the header is being deleted; shared with set-query-parameter. */
export function requireValuesUnlessDelete(
  payload: z.core.ParsePayload<{ 'exists-action': string; value?: unknown[] | undefined }>,
): void {
  const { 'exists-action': action, value } = payload.value;
  if (action !== 'delete' && !value?.length) {
    payload.issues.push({
      code: 'custom',
      message: `'value' is required unless exists-action is 'delete'`,
      input: payload.value,
    });
  }
}

/**
 * set-header: adds, replaces, appends to or deletes a request header (inbound, backend) or a
 * response header (outbound, on-error).
 *
 * @example { "set-header": { "name": "x-request-id", "exists-action": "skip", "value": ["@(request.headers[?\"x-correlation-id\"].orValue(\"none\"))"] } }
 */
export const setHeaderSchema = configObject({
  name: headerName.describe('Header to set.'),
  'exists-action': existsAction,
  value: z
    .array(orExpression(z.string(), 'string'))
    .optional()
    .describe('Values; several values give several header lines (or one comma-joined line).'),
})
  .check(requireValuesUnlessDelete)
  .meta({ description: 'Adds, replaces, appends to or deletes an HTTP header of the request or the response.' });

export type SetHeaderConfig = z.infer<typeof setHeaderSchema>;
