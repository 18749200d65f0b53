import { describe, expect, it } from 'vitest';
import { formatPath } from './issue-errors.js';

describe('formatPath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatPath(['inbound', 0, 'choose', 'when', 1, 'statements', 0, 'set-header', 'name'])).toBe(
      'inbound[0].choose.when[1].statements[0].set-header.name',
    );
  });

  it('quotes keys that are not plain names', () => {
    expect(formatPath(['inbound', 0, 'x.y z'])).toBe('inbound[0]["x.y z"]');
  });

  it('is empty for the document itself', () => {
    expect(formatPath([])).toBe('');
  });
});
