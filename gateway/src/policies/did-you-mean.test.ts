import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from './did-you-mean.js';

describe('closestName', () => {
  const names = ['rate-limit', 'rate-limit-by-key', 'quota', 'set-header', 'set-status'];

  it('finds a name one deletion, insertion or transposition away', () => {
    expect(closestName('rate-limt', names)).toBe('rate-limit');
    expect(closestName('set-haeder', names)).toBe('set-header');
    expect(closestName('quotas', names)).toBe('quota');
  });

  it('ignores case when comparing', () => {
    expect(closestName('Set-Header', names)).toBe('set-header');
  });

  it('suggests nothing when no name is plausibly meant', () => {
    expect(closestName('transform', names)).toBeUndefined();
    expect(didYouMean('transform', names)).toBe('');
  });

  it('formats a suggestion to append to a message', () => {
    expect(didYouMean('qouta', names)).toBe(" (did you mean 'quota'?)");
  });
});
