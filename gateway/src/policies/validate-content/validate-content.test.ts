import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { validateContentExample } from './example.js';

describe('validate-content', () => {
  it('accepts the example', () => {
    expect(configErrors('validate-content', validateContentExample)).toEqual([]);
  });

  it('requires the actions and the size limit', () => {
    expect(configErrors('validate-content', {}).map((error) => error.path)).toEqual([
      'unspecified-content-type-action',
      'max-size',
      'size-exceeded-action',
    ]);
  });

  it('refuses a size above 4 MiB and an unknown engine', () => {
    expect(
      configErrors('validate-content', {
        'unspecified-content-type-action': 'ignore',
        'max-size': 5_000_000,
        'size-exceeded-action': 'prevent',
        content: [{ 'validate-as': 'yaml', action: 'prevent' }],
      }),
    ).toEqual([
      { path: 'max-size', message: containing('<=4194304') },
      { path: 'content[0].validate-as', message: containing('"json"|"xml"|"soap"') },
    ]);
  });

  it('needs exactly one of from and when in a type mapping', () => {
    expect(
      configErrors('validate-content', {
        'unspecified-content-type-action': 'ignore',
        'max-size': 1024,
        'size-exceeded-action': 'prevent',
        'content-type-map': { type: [{ to: 'application/json' }] },
      }),
    ).toEqual([{ path: 'content-type-map.type[0]', message: "set exactly one of 'from', 'when'" }]);
  });

  it('refuses what the gateway cannot validate instead of letting bodies through unchecked', () => {
    expect(
      configErrors('validate-content', {
        'unspecified-content-type-action': 'ignore',
        'max-size': 1024,
        'size-exceeded-action': 'prevent',
        content: [
          { type: 'text/xml', 'validate-as': 'soap', action: 'prevent' },
          { type: 'application/xml', 'validate-as': 'xml', action: 'ignore' },
          { 'validate-as': 'json', 'schema-id': 'orders', 'schema-ref': '#/components/schemas/order', action: 'detect' },
        ],
      }),
    ).toEqual([
      { path: 'content[0].validate-as', message: containing('XML and SOAP schema validation is not supported') },
      { path: 'content[2].schema-id', message: containing('uploaded to the service are not supported') },
      { path: 'content[2].schema-ref', message: containing('schema-id') },
    ]);
  });
});
