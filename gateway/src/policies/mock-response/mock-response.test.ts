import { describe, expect, it } from 'vitest';
import { policyCatalogue } from '../catalogue.js';
import { configErrors, containing } from '../testing.js';
import { mockResponseExample } from './example.js';

describe('mock-response', () => {
  it('accepts the example', () => {
    expect(configErrors('mock-response', mockResponseExample)).toEqual([]);
  });

  it("defaults to 200 and the operation's first declared content type", () => {
    expect(policyCatalogue['mock-response'].schema.parse({})).toEqual({ 'status-code': 200 });
  });

  it('refuses an invalid status and content type', () => {
    expect(configErrors('mock-response', { 'status-code': 600, 'content-type': 'json' })).toEqual([
      { path: 'status-code', message: containing('<=599') },
      { path: 'content-type', message: 'expected a media type such as application/json' },
    ]);
  });
});
