import { z } from 'zod';
import { configObject, variableName } from '../fields.js';
import { setBodySchema } from '../set-body/schema.js';
import { setHeaderSchema } from '../set-header/schema.js';
import { setStatusSchema } from '../set-status/schema.js';

/**
 * return-response: stops the pipeline and answers the caller, from a response variable
 * (e.g. one send-request filled) and/or the status, headers and body given here.
 *
 * @example { "return-response": { "set-status": { "code": 403, "reason": "Forbidden" }, "set-body": { "value": "{\"error\":\"forbidden\"}" } } }
 */
export const returnResponseSchema = configObject({
  'response-variable-name': variableName.optional().describe('Variable holding a response to start from.'),
  'set-status': setStatusSchema.optional().describe('Status of the response.'),
  'set-header': z.array(setHeaderSchema).optional().describe('Headers of the response.'),
  'set-body': setBodySchema.optional().describe('Body of the response.'),
}).meta({ description: 'Stops processing and answers the caller with the given (or a stored) response.' });

export type ReturnResponseConfig = z.infer<typeof returnResponseSchema>;
