import { describe, expect, it } from 'vitest';
import { parseUrlTemplate } from './url-template.js';

describe('URL templates', () => {
  it.each([
    ['/', [], '/'],
    ['/users/{id}', ['id'], '/users/{}'],
    ['/users/{userId}/orders/{order_id}', ['userId', 'order_id'], '/users/{}/orders/{}'],
    ['/files/{name}.{ext}', ['name', 'ext'], '/files/{}.{}'],
    ['/v1/items:search', [], '/v1/items:search'],
    ['/*', [], '/*'],
    ['/files/{bucket}/*', ['bucket'], '/files/{}/*'],
  ])('%s is valid', (template, parameters, shape) => {
    expect(parseUrlTemplate(template)).toEqual({ ok: true, value: { parameters, shape } });
  });

  it.each([
    ['users', 'Must start with "/"'],
    ['/users/', 'Must not end with "/"'],
    ['/users?x=1', 'Only the path: no query string or fragment'],
    ['/a//b', 'Empty path segment ("//")'],
    ['/users/{id', 'Unbalanced braces in "{id"'],
    ['/users/{1d}', 'Parameter name "{1d}" must start with a letter or "_" and use letters, digits, "_", "." or "-"'],
    ['/users/{id}/x/{id}', 'Parameter "{id}" appears twice'],
    ['/users/a b', 'Characters not allowed in a URL path: "a b"'],
    ['/files/{*path}', 'Use a last segment "*" for a wildcard, not "{*path}"'],
  ])('%s is refused', (template, message) => {
    expect(parseUrlTemplate(template)).toEqual({ ok: false, message });
  });
});
