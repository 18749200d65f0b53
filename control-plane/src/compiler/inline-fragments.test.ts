import { describe, expect, it } from 'vitest';
import { inlineFragments, type Fragments } from './inline-fragments.js';

const include = (name: string) => ({ 'include-fragment': { 'fragment-id': name } });
const header = (name: string) => ({ 'set-header': { name, value: ['v'] } });

describe('inlineFragments', () => {
  const fragments: Fragments = new Map([
    ['outer', [header('x-outer'), include('inner')]],
    ['inner', [header('x-inner')]],
    ['loop', [include('loop')]],
  ]);

  it('inlines fragments that include fragments, and lists nested in a statement', () => {
    const document = {
      inbound: [{ base: {} }, include('outer')],
      outbound: [{ choose: { when: [{ condition: '@(true)', policies: [include('inner')] }] } }],
    };
    expect(inlineFragments(document, fragments)).toEqual({
      inbound: [{ base: {} }, header('x-outer'), header('x-inner')],
      outbound: [{ choose: { when: [{ condition: '@(true)', policies: [header('x-inner')] }] } }],
    });
  });

  it('refuses a cycle or an unknown fragment rather than looping', () => {
    expect(() => inlineFragments({ inbound: [include('loop')] }, fragments)).toThrow(/includes itself/);
    expect(() => inlineFragments({ inbound: [include('nope')] }, fragments)).toThrow(/does not exist/);
  });
});
