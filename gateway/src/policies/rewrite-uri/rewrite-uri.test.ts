import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { rewriteUriExample } from './example.js';

describe('rewrite-uri', () => {
  it('accepts the example', () => {
    expect(configErrors('rewrite-uri', rewriteUriExample)).toEqual([]);
  });

  it('requires a template that is a path', () => {
    expect(configErrors('rewrite-uri', { template: 'orders/{id}' })).toEqual([
      { path: 'template', message: containing("starting with '/'") },
    ]);
  });

  it('accepts a computed template', () => {
    expect(
      configErrors('rewrite-uri', { template: '@("/v" + request.headers[?"x-version"].orValue("1") + request.url.path)' }),
    ).toEqual([]);
  });
});
