import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { chooseExample } from './example.js';

describe('choose', () => {
  it('accepts the example', () => {
    expect(configErrors('choose', chooseExample)).toEqual([]);
  });

  it('requires at least one branch with a boolean condition', () => {
    expect(configErrors('choose', { when: [] })).toEqual([{ path: 'when', message: containing('>=1') }]);
    expect(configErrors('choose', { when: [{ condition: '@(request.method)', statements: [] }] })).toEqual([
      { path: 'when[0].condition', message: 'invalid expression: the expression returns string, expected bool' },
    ]);
  });

  it('requires the condition to be an expression', () => {
    expect(configErrors('choose', { when: [{ condition: true, statements: [] }] })).toEqual([
      { path: 'when[0].condition', message: containing('expected an expression') },
    ]);
  });

  it('checks nested statements with the section rules', () => {
    const choose = { when: [{ condition: '@(true)', statements: [{ 'cache-store': { duration: 10 } }] }] };
    expect(configErrors('choose', choose)).toEqual([
      {
        path: 'when[0].statements[0].cache-store',
        message: "policy 'cache-store' is not allowed in inbound; it can be used in outbound",
      },
    ]);
  });
});
