import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline, PipelineCompileError } from './compile-pipeline.js';
import { policyCatalogue } from '../policies/catalogue.js';
import { policyRuntimes } from './policy-runtimes.js';
import { compileTestPipeline, pipelineOf, testDeps } from './testing.js';

function compileError(document: Parameters<typeof pipelineOf>[0], namedValues?: Record<string, string>): string {
  try {
    compilePolicyPipeline(pipelineOf(document), testDeps({ namedValues }));
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineCompileError);
    return (error as Error).message;
  }
  throw new Error('expected a compile error');
}

describe('compilePolicyPipeline', () => {
  it('builds handler arrays, null for empty sections', () => {
    const pipeline = compileTestPipeline({ inbound: [{ 'set-method': { method: 'POST' } }] });
    expect(pipeline.inbound).toHaveLength(1);
    expect(pipeline.inbound?.[0]?.name).toBe('setMethod');
    expect(pipeline.backend).toBeNull();
    expect(pipeline.outbound).toBeNull();
    expect(pipeline.onError).toBeNull();
    expect(pipeline.needsRequestBody).toBe(false);
  });

  it('names section, index and policy for an unknown policy or a bad config', () => {
    expect(compileError({ inbound: [{ 'set-method': { method: 'GET' } }, { 'rate-limitt': {} }] })).toBe(
      'inbound[1]: unknown policy "rate-limitt"',
    );
    expect(compileError({ outbound: [{ 'set-status': { code: 42 } }] })).toMatch(/^outbound\[0\] set-status: code: /);
    expect(compileError({ inbound: [{ 'forward-request': {} }] })).toBe('inbound[0] forward-request: not allowed in inbound');
  });

  it('has a runtime for every policy of the catalogue that reaches a gateway', () => {
    const names = Object.keys(policyCatalogue).filter((name) => name !== 'base' && name !== 'include-fragment');
    expect(names.filter((name) => !Object.hasOwn(policyRuntimes, name))).toEqual([]);
    expect(Object.keys(policyRuntimes).sort()).toEqual(names.sort());
  });

  it('names the nested statement whose config is wrong', () => {
    expect(
      compileError({
        inbound: [
          { choose: { when: [{ condition: '@(true)', statements: [{ 'set-header': { name: 'x', value: ['@(nope)'] } }] }] } },
        ],
      }),
    ).toBe(
      'inbound[0] choose: when[0].statements[0].set-header.value[0]: invalid expression: Unknown variable: nope (at character 3)',
    );
  });

  it('refuses base and include-fragment, which the control plane resolves', () => {
    expect(compileError({ inbound: [{ base: {} }] })).toContain('flattened by the control plane');
    expect(compileError({ inbound: [{ 'include-fragment': { 'fragment-id': 'x' } }] })).toContain('inlined by the control plane');
  });

  it('refuses an unknown named value', () => {
    expect(compileError({ inbound: [{ 'set-header': { name: 'x', value: ['{{missing}}'] } }] })).toBe(
      "inbound[0] set-header: named value 'missing' is not defined",
    );
  });

  it('marks a pipeline whose expressions read the request body', () => {
    const deps = testDeps();
    const reads = compilePolicyPipeline(
      pipelineOf({ inbound: [{ 'set-variable': { name: 'b', value: '@(request.body)' } }] }),
      deps,
    );
    const plain = compilePolicyPipeline(
      pipelineOf({ inbound: [{ 'set-variable': { name: 'b', value: '@(request.ip)' } }] }),
      deps,
    );
    expect(reads.needsRequestBody).toBe(true);
    expect(plain.needsRequestBody).toBe(false);
  });
});
