import { describe, expect, it } from 'vitest';
import { validatePolicyDocument } from './validate-policy-document.js';
import { containing } from './testing.js';

function errorsOf(input: unknown, options?: Parameters<typeof validatePolicyDocument>[1]) {
  const result = validatePolicyDocument(input, options);
  return result.ok ? [] : result.errors;
}

describe('validatePolicyDocument', () => {
  it('accepts a YAML document and returns it with defaults filled in', () => {
    const yaml = [
      'inbound:',
      '  - base:',
      '  - rate-limit: { calls: 100, renewal-period: 60 }',
      'backend:',
      '  - forward-request: { timeout: 30 }',
      'outbound:',
      'on-error: []',
    ].join('\n');
    expect(validatePolicyDocument(yaml)).toEqual({
      ok: true,
      document: {
        inbound: [{ base: {} }, { 'rate-limit': { calls: 100, 'renewal-period': 60 } }],
        backend: [
          {
            'forward-request': {
              timeout: 30,
              'http-version': '1',
              'follow-redirects': false,
              'buffer-request-body': false,
              'buffer-response': true,
              'fail-on-error-status-code': false,
            },
          },
        ],
        outbound: [],
        'on-error': [],
      },
    });
  });

  it('reports every error of a YAML document with its path and line', () => {
    const yaml = [
      'inbound:', //                                    1
      '  - base: {}', //                                2
      '  - rate-limit:', //                             3
      '      calls: 0', //                              4
      '      renewal-period: 60', //                    5
      '  - set-header:', //                             6
      '      name: x-trace', //                         7
      '      exists-action: replace', //                8
      '      value: ["1"]', //                          9
      'outbound:', //                                   10
      '  - cache-store: { duration: 60, vary: 1 }', //  11
    ].join('\n');
    expect(errorsOf(yaml)).toEqual([
      { path: 'inbound[1].rate-limit.calls', line: 4, message: 'Too small: expected number to be >0' },
      { path: 'inbound[2].set-header.exists-action', line: 8, message: containing('Invalid option') },
      { path: 'outbound[0].cache-store.vary', line: 11, message: "unknown attribute 'vary'" },
    ]);
  });

  it('reports every error of a JSON document with its path and line', () => {
    const json = `{
  "inbound": [
    { "ip-filter": { "action": "allow", "address": ["300.1.1.1"] } },
    { "quota": { "calls": 1000, "renewal-period": -1 } }
  ],
  "backend": [
    { "forward-request": { "timeout": "30" } }
  ]
}`;
    expect(errorsOf(json)).toEqual([
      { path: 'inbound[0].ip-filter.address[0]', line: 3, message: 'expected an IPv4 or IPv6 address' },
      { path: 'inbound[1].quota.renewal-period', line: 4, message: 'Too small: expected number to be >=0' },
      {
        path: 'backend[0].forward-request.timeout',
        line: 7,
        message: 'Invalid input: expected number, received string, or expected an expression @( … )',
      },
    ]);
  });

  it('reports errors in nested choose and retry statements with their full paths', () => {
    const yaml = [
      'backend:',
      '  - choose:',
      '      when:',
      '        - condition: "@(request.method == \\"GET\\")"',
      '          statements:',
      '            - forward-request: {}',
      '        - condition: "@(request.method == \\"POST\\")"',
      '          statements:',
      '            - set-header: { name: "x y", value: ["1"] }',
      '      otherwise:',
      '        - retry:',
      '            condition: "@(response.status >= 500)"',
      '            count: 3',
      '            interval: 1',
      '            statements:',
      '              - set-status: { code: 700 }',
    ].join('\n');
    expect(errorsOf(yaml)).toEqual([
      { path: 'backend[0].choose.when[1].statements[0].set-header.name', line: 9, message: containing('header name') },
      { path: 'backend[0].choose.otherwise[0].retry.statements[0].set-status.code', line: 16, message: containing('<=599') },
    ]);
  });

  it('names the closest policy and section for unknown ones', () => {
    expect(errorsOf('inbund:\n  - base: {}\ninbound:\n  - rate-limt: { calls: 1 }\n  - transmogrify: {}\n')).toEqual([
      { path: 'inbound[0].rate-limt', line: 4, message: "unknown policy 'rate-limt' (did you mean 'rate-limit'?)" },
      { path: 'inbound[1].transmogrify', line: 5, message: "unknown policy 'transmogrify'" },
      { path: 'inbund', line: 1, message: "unknown section 'inbund' (did you mean 'inbound'?)" },
    ]);
  });

  it('applies the section rules, also to nested statements', () => {
    const document = {
      inbound: [
        { 'forward-request': {} },
        { choose: { when: [{ condition: '@(true)', statements: [{ 'cache-store': { duration: 5 } }, { base: {} }] }] } },
      ],
      outbound: [{ base: {} }, { 'set-status': { code: 200 } }, { base: null }],
    };
    expect(errorsOf(document)).toEqual([
      {
        path: 'inbound[0].forward-request',
        message: "policy 'forward-request' is not allowed in inbound; it can be used in backend",
      },
      {
        path: 'inbound[1].choose.when[0].statements[0].cache-store',
        message: "policy 'cache-store' is not allowed in inbound; it can be used in outbound",
      },
      { path: 'inbound[1].choose.when[0].statements[1].base', message: 'base can only be used at the top level of a section' },
      { path: 'outbound[2].base', message: 'base can appear only once in a section' },
    ]);
  });

  it('refuses statements that are not one policy each', () => {
    expect(errorsOf({ inbound: [{ 'set-method': { method: 'GET' }, 'set-status': { code: 200 } }, {}, 'base'] })).toEqual([
      {
        path: 'inbound[0]',
        message: "a statement holds one policy, found 'set-method', 'set-status': give each its own list item",
      },
      { path: 'inbound[1]', message: 'empty statement: expected one key, the policy name' },
      { path: 'inbound[2]', message: containing('expected a policy statement') },
    ]);
  });

  it('reports a CEL syntax error with the position in the expression', () => {
    const yaml = 'inbound:\n  - choose:\n      when:\n        - condition: "@(request.method ==)"\n          statements: []\n';
    expect(errorsOf(yaml)).toEqual([
      {
        path: 'inbound[0].choose.when[0].condition',
        line: 4,
        message: 'invalid expression: Unexpected token: EOF (at character 20)',
        position: { start: 19, end: 19 },
      },
    ]);
  });

  it('reports an undeclared variable with its position', () => {
    const json = '{\n  "inbound": [\n    { "set-variable": { "name": "verb", "value": "@(reqest.method)" } }\n  ]\n}';
    expect(errorsOf(json)).toEqual([
      {
        path: 'inbound[0].set-variable.value',
        line: 3,
        message: 'invalid expression: Unknown variable: reqest (at character 3)',
        position: { start: 2, end: 8 },
      },
    ]);
  });

  it('reports CEL type errors', () => {
    expect(
      errorsOf({
        inbound: [
          { 'set-header': { name: 'x-port', value: ['@(request.headers.host + 1)'] } },
          { 'rate-limit-by-key': { calls: 5, 'renewal-period': 60, 'counter-key': '@(request.url.port)' } },
        ],
      }),
    ).toEqual([
      {
        path: 'inbound[0].set-header.value[0]',
        message: 'invalid expression: no such overload: string + int (at character 3)',
        position: { start: 2, end: 26 },
      },
      {
        path: 'inbound[1].rate-limit-by-key.counter-key',
        message: 'invalid expression: the expression returns int, expected string',
        position: { start: 0, end: 19 },
      },
    ]);
  });

  it('reports syntax errors of the text with their line', () => {
    expect(errorsOf('inbound:\n  - rate-limit: { calls: 5\nbackend: []\n')).toEqual([
      { path: '', line: 3, message: containing('invalid YAML') },
    ]);
    expect(errorsOf('{\n  "inbound": [\n    { "base": {} }\n    { "base": {} }\n  ]\n}')).toEqual([
      { path: '', line: 4, message: containing('invalid JSON') },
    ]);
  });

  it('reads text as the format it is told', () => {
    expect(validatePolicyDocument('{ inbound: [ { base: {} } ] }', { format: 'yaml' }).ok).toBe(true);
    expect(errorsOf('{ inbound: [] }')).toEqual([{ path: '', line: 1, message: containing('invalid JSON') }]);
  });

  it('refuses a document that is not an object', () => {
    expect(errorsOf('- base: {}\n')).toEqual([
      {
        path: '',
        line: 1,
        message: 'a policy document is an object with inbound, backend, outbound and on-error statement lists',
      },
    ]);
    expect(errorsOf('')).toEqual([
      { path: '', message: 'a policy document is an object with inbound, backend, outbound and on-error statement lists' },
    ]);
  });

  it('refuses documents nested beyond the depth budget instead of overflowing the stack', () => {
    let statements: unknown[] = [{ base: {} }];
    for (let i = 0; i < 20; i++) statements = [{ choose: { when: [{ condition: '@(true)', statements }] } }];
    expect(errorsOf({ inbound: statements })).toEqual([{ path: '', message: 'the document nests deeper than 64 levels' }]);
  });
});
