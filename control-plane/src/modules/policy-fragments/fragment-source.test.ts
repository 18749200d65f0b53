import { describe, expect, it } from 'vitest';
import { fragmentSourceInput } from './fragment-fields.js';
import {
  checkFragmentStatements,
  checkStatementList,
  formatPath,
  issuesOf,
  parsePath,
  parsePolicyText,
} from './fragment-source.js';

function issuesFor(source: string, format: 'json' | 'yaml' = 'yaml') {
  const parsed = parsePolicyText(source, format);
  if (!parsed.ok) return parsed.issues;
  const check = checkFragmentStatements(parsed.value);
  return check.ok ? [] : issuesOf(check.errors, parsed.lineOf);
}

describe('fragment sources', () => {
  it('round-trips the paths the gateway reports', () => {
    for (const path of [
      [],
      [0],
      [2, 'rate-limit', 'calls'],
      [1, 'choose', 'when', 0, 'statements', 3],
      [0, 'x.y', '@a', 'b c'],
    ]) {
      expect(parsePath(formatPath(path))).toEqual(path);
    }
    expect(formatPath([0, 'set-header', 'value', 1])).toBe('[0].set-header.value[1]');
  });

  it('checks a list against one section, paths relative to the list', () => {
    expect(checkStatementList([{ 'forward-request': {} }], 'inbound')).toEqual({
      ok: false,
      errors: [{ path: [0, 'forward-request'], message: expect.stringContaining('not allowed in inbound') as unknown }],
    });
    expect(checkStatementList([{ 'forward-request': {} }], 'backend')).toMatchObject({ ok: true });
  });

  it('accepts statements that fit at least one section, and says which', () => {
    const check = checkFragmentStatements([{ 'forward-request': { timeout: 10 } }]);
    expect(check).toMatchObject({ ok: true, sections: ['backend'] });
    expect(check.ok && check.statements[0]).toMatchObject({ 'forward-request': { timeout: 10, 'follow-redirects': false } });
    expect(checkFragmentStatements([{ 'set-header': { name: 'x', value: ['y'] } }])).toMatchObject({
      ok: true,
      sections: ['inbound', 'backend', 'outbound', 'on-error'],
    });
  });

  it('reports every problem with its path and line, base included', () => {
    const source = [
      '- rate-limit: { calls: 0, renewal-period: 60 }',
      '- set-header: { name: x-user, value: ["@(reqest.method)"] }',
      '- base: {}',
      '- no-such-policy: {}',
      '',
    ].join('\n');
    expect(issuesFor(source).map((i) => `${i.pointer}@${i.line}`)).toEqual([
      '[0].rate-limit.calls@1',
      '[1].set-header.value[0]@2',
      '[2].base@3',
      '[3].no-such-policy@4',
    ]);
  });

  it('refuses statements that fit no single section, with the errors of the closest one', () => {
    const issues = issuesFor('- rate-limit: { calls: 5, renewal-period: 60 }\n- forward-request: {}\n');
    expect(issues).toEqual([
      { pointer: '[1].forward-request', line: 2, message: expect.stringContaining('it can be used in backend') as unknown },
    ]);
  });

  it('documents a valid example (the generated suites create fragments from it)', () => {
    const example = fragmentSourceInput.source.meta()?.example;
    expect(typeof example).toBe('string');
    expect(issuesFor(example as string)).toEqual([]);
  });

  it('wants a list, and reports text errors with their line', () => {
    expect(issuesFor('set-header: { name: x, value: [y] }\n')).toEqual([
      { pointer: '', line: 1, message: expect.stringContaining('a fragment is a list') as unknown },
    ]);
    expect(issuesFor('- set-header: { name: x\n- base: {}\n')[0]).toMatchObject({ pointer: '', message: /invalid YAML/ });
    expect(issuesFor('[{"set-header": {"name": "x", "value": ["y"]}},\n oops]', 'json')[0]).toMatchObject({
      pointer: '',
      line: 2,
      message: /invalid JSON/,
    });
    expect(issuesFor('[\n  {"set-header": {"name": "x", "value": [1]}}\n]', 'json')).toEqual([
      { pointer: '[0].set-header.value[0]', line: 2, message: expect.any(String) as unknown },
    ]);
  });
});
