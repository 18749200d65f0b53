import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { validateGraphqlRequestExample } from './example.js';

describe('validate-graphql-request', () => {
  it('accepts the example', () => {
    expect(configErrors('validate-graphql-request', validateGraphqlRequestExample)).toEqual([]);
  });

  it('requires max-size and caps it at 100 KB', () => {
    expect(configErrors('validate-graphql-request', {}).map((error) => error.path)).toEqual(['max-size']);
    expect(configErrors('validate-graphql-request', { 'max-size': 200_000 })).toEqual([
      { path: 'max-size', message: containing('<=102400') },
    ]);
  });

  it('refuses malformed rule paths and actions', () => {
    expect(
      configErrors('validate-graphql-request', { 'max-size': 1000, authorize: [{ path: 'Query.users', action: 'deny' }] }),
    ).toEqual([
      { path: 'authorize[0].path', message: containing('/Query/users') },
      { path: 'authorize[0].action', message: containing('"allow"|"remove"|"reject"|"ignore"') },
    ]);
  });

  it('refuses rule paths deeper than /type/field', () => {
    expect(
      configErrors('validate-graphql-request', {
        'max-size': 1000,
        authorize: [{ path: '/Query/users/name' }, { path: '/__*/x' }],
      }),
    ).toEqual([
      { path: 'authorize[0].path', message: containing('/Query/users') },
      { path: 'authorize[1].path', message: containing('/__*') },
    ]);
  });
});
