import { describe, expect, it } from 'vitest';
import { policyCatalogue } from './catalogue.js';
import type { PolicyName } from './policy-statement.js';
import { policySections } from './sections.js';
import { validatePolicyDocument } from './validate-policy-document.js';
import { containing } from './testing.js';

// The catalogue of DESIGN.md §7, in its order, plus `base`.
const designCatalogue = [
  'check-header',
  'ip-filter',
  'cors',
  'rate-limit',
  'rate-limit-by-key',
  'quota',
  'quota-by-key',
  'validate-jwt',
  'validate-content',
  'set-header',
  'set-query-parameter',
  'rewrite-uri',
  'set-backend-service',
  'set-body',
  'find-and-replace',
  'json-to-xml',
  'xml-to-json',
  'mock-response',
  'return-response',
  'set-variable',
  'choose',
  'retry',
  'forward-request',
  'cache-lookup',
  'cache-store',
  'limit-concurrency',
  'set-status',
  'set-method',
  'cache-lookup-value',
  'cache-store-value',
  'cache-remove-value',
  'authentication-basic',
  'trace',
  'emit-metric',
  'validate-graphql-request',
  'send-request',
  'include-fragment',
  'base',
];

const entries = Object.entries(policyCatalogue) as [PolicyName, (typeof policyCatalogue)[PolicyName]][];

describe('policyCatalogue', () => {
  it('holds exactly the policies of DESIGN §7', () => {
    expect(Object.keys(policyCatalogue).sort()).toEqual([...designCatalogue].sort());
  });

  it.each(entries)('%s has a description and known sections', (_name, definition) => {
    expect(definition.description.length).toBeGreaterThan(20);
    expect(definition.sections.length).toBeGreaterThan(0);
    for (const section of definition.sections) expect(policySections).toContain(section);
  });

  it.each(entries)('%s accepts its example on its own and in one of its sections', (name, definition) => {
    expect(definition.schema.safeParse(definition.example).error?.issues).toBeUndefined();
    const accepted = definition.sections.filter(
      (section) => validatePolicyDocument({ [section]: [{ [name]: definition.example }] }).ok,
    );
    expect(accepted.length).toBeGreaterThan(0);
  });

  it.each(entries.filter(([, definition]) => definition.sections.length < policySections.length))(
    '%s is refused in the sections Azure does not allow it in',
    (name, definition) => {
      for (const section of policySections.filter((s) => !definition.sections.includes(s))) {
        const result = validatePolicyDocument({ [section]: [{ [name]: definition.example }] });
        expect(result.ok ? [] : result.errors).toContainEqual({
          path: `${section}[0].${name}`,
          message: containing(`not allowed in ${section}`),
        });
      }
    },
  );

  it('follows Azure on where the section-bound policies go', () => {
    expect(policyCatalogue['forward-request'].sections).toEqual(['backend']);
    expect(policyCatalogue['cache-store'].sections).toEqual(['outbound']);
    expect(policyCatalogue['validate-jwt'].sections).toEqual(['inbound']);
    expect(policyCatalogue['set-method'].sections).toEqual(['inbound', 'on-error']);
    expect(policyCatalogue['choose'].sections).toEqual(policySections);
  });
});
