import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { setBodyExample } from './example.js';

describe('set-body', () => {
  it('accepts the example', () => {
    expect(configErrors('set-body', setBodyExample)).toEqual([]);
  });

  it('requires a value', () => {
    expect(configErrors('set-body', {})).toEqual([{ path: 'value', message: containing('expected string') }]);
  });

  it('refuses a template engine other than none and liquid', () => {
    expect(configErrors('set-body', { value: 'hello', template: 'mustache' })).toEqual([
      { path: 'template', message: containing('"none"|"liquid"') },
    ]);
  });

  it('refuses Liquid templates, which the gateway cannot render, and their xsi-nil option', () => {
    expect(configErrors('set-body', { value: '{{body.name}}', template: 'liquid', 'xsi-nil': 'null' })).toEqual([
      { path: 'template', message: containing('Liquid templates are not supported') },
      { path: 'xsi-nil', message: containing('Liquid') },
    ]);
  });
});
