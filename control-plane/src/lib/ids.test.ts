import { describe, expect, it } from 'vitest';
import { idPattern, newId } from './ids.js';

describe('ids', () => {
  it('are prefixed, lowercase and safe as NATS subject tokens', () => {
    const id = newId('ten');
    expect(id).toMatch(idPattern('ten'));
    expect(id).toMatch(/^[a-z0-9_-]+$/);
    expect(new Set(Array.from({ length: 1000 }, () => newId('ws'))).size).toBe(1000);
  });
});
