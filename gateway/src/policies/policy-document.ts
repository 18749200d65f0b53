import type { z } from 'zod';
import { statementLists } from './catalogue.js';
import { configObject } from './fields.js';
import { PolicySection } from './sections.js';

function section(name: PolicySection, what: string) {
  return statementLists.list(name, false).optional().describe(what);
}

/**
 * A policy document: up to four sections, each a list of statements `{ "<policy>": { … } }`.
 * Statements are checked against their policy's schema and the section's rules, and every
 * `@( … )` expression is parsed and type-checked.
 *
 * @example { "inbound": [{ "base": {} }, { "rate-limit": { "calls": 100, "renewal-period": 60 } }], "backend": [{ "forward-request": {} }] }
 */
export const policyDocumentSchema = configObject(
  {
    [PolicySection.inbound]: section(PolicySection.inbound, 'Runs on the request, before the backend is called.'),
    [PolicySection.backend]: section(PolicySection.backend, 'Runs around the call to the backend.'),
    [PolicySection.outbound]: section(PolicySection.outbound, 'Runs on the response, before it returns to the caller.'),
    [PolicySection.onError]: section(PolicySection.onError, 'Runs when a statement of another section fails.'),
  },
  'section',
).meta({ description: 'A policy document: inbound, backend, outbound and on-error statement lists.' });

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
