import { z } from 'zod';
import { configObject, httpStatusCode, mediaType } from '../fields.js';

/**
 * mock-response: answers with the example the operation declares for a status and content
 * type, without calling the backend.
 *
 * @example { "mock-response": { "status-code": 200, "content-type": "application/json" } }
 */
export const mockResponseSchema = configObject({
  'status-code': httpStatusCode.default(200).describe('Status of the mocked response (and of the example to use).'),
  'content-type': mediaType
    .optional()
    .describe("Content type of the example to use, and of the response; the operation's first declared one when not set."),
}).meta({ description: "Answers with the operation's declared example response instead of calling the backend." });

export type MockResponseConfig = z.infer<typeof mockResponseSchema>;
