import { describe, expect, it } from 'vitest';
import { runInbound } from '../../pipeline/testing.js';
import { setVariableExample } from './example.js';

describe('set-variable at run time', () => {
  it('stores literals as CEL values (integers as bigint) and expression results', async () => {
    const ctx = await runInbound(
      {
        inbound: [
          { 'set-variable': { name: 'count', value: 3 } },
          { 'set-variable': { name: 'ratio', value: 0.5 } },
          { 'set-variable': { name: 'on', value: true } },
          { 'set-variable': { name: 'tier', value: '{{tier}}' } },
          { 'set-variable': setVariableExample },
          { 'set-variable': { name: 'next', value: '@(variables.count * 2)' } },
        ],
      },
      { headers: ['user-agent', 'Mozilla/5.0 (iPhone) Mobile'] },
      { namedValues: { tier: 'gold' } },
    );
    expect(Object.fromEntries(ctx.variables)).toEqual({
      count: 3n,
      ratio: 0.5,
      on: true,
      tier: 'gold',
      isMobile: true,
      next: 6n,
    });
  });
});
