import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { checkHeaderExample } from './example.js';

describe('check-header', () => {
  it('accepts the example', () => {
    expect(configErrors('check-header', checkHeaderExample)).toEqual([]);
  });

  it('requires the status and message to send on failure', () => {
    expect(configErrors('check-header', { name: 'x-client-id' })).toEqual([
      { path: 'failed-check-httpcode', message: containing('expected number') },
      { path: 'failed-check-error-message', message: containing('expected string') },
    ]);
  });

  it('refuses a header name with spaces and a status outside 100–599', () => {
    expect(
      configErrors('check-header', { name: 'x client', 'failed-check-httpcode': 99, 'failed-check-error-message': 'no' }),
    ).toEqual([
      { path: 'name', message: containing('HTTP header name') },
      { path: 'failed-check-httpcode', message: containing('>=100') },
    ]);
  });
});
