import { describe, expect, it } from 'vitest';
import { FieldMap } from '../../pipeline/field-map.js';
import { PolicyResponse } from '../../pipeline/policy-context.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import { compileTestPipeline, runInbound, testContext } from '../../pipeline/testing.js';
import { returnResponseExample } from './example.js';

describe('return-response at run time', () => {
  it('answers with set-status, set-header and set-body, and stops the section', async () => {
    const ctx = await runInbound({
      inbound: [{ 'return-response': returnResponseExample }, { 'set-variable': { name: 'after', value: 1 } }],
    });
    expect(ctx.response).toMatchObject({ status: 429, reason: 'Too Many Requests' });
    expect(ctx.response?.headers.get('retry-after')).toEqual(['30']);
    expect(ctx.response?.body?.toString()).toBe('{"error":"slow down"}');
    expect(ctx.variables.has('after')).toBe(false);
  });

  it('defaults to an empty 200 and renders an expression body as JSON', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'return-response': { 'set-body': { value: '@({"method": request.method, "path": request.url.path})' } } }] },
      { method: 'PUT' },
    );
    expect(ctx.response?.status).toBe(200);
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({ method: 'PUT', path: '/' });
  });

  it('starts from a response stored in a variable, without changing it', async () => {
    const pipeline = compileTestPipeline({
      inbound: [
        { 'return-response': { 'response-variable-name': 'stored', 'set-header': [{ name: 'x-from', value: ['gateway'] }] } },
      ],
    });
    const ctx = testContext();
    const stored = new PolicyResponse(201, 'Created', FieldMap.fromFlat(['Location', '/x'], true), Buffer.from('made'));
    ctx.variables.set('stored', stored);
    await runSection(pipeline, 'inbound', ctx);
    expect(ctx.response?.status).toBe(201);
    expect(ctx.response?.headers.toFlat()).toEqual(['Location', '/x', 'x-from', 'gateway']);
    expect(stored.headers.has('x-from')).toBe(false);
  });

  it('fails when the variable holds no response', async () => {
    const ctx = await runInbound({ inbound: [{ 'return-response': { 'response-variable-name': 'missing' } }] });
    expect(ctx.lastError?.reason).toBe('response-variable-not-found');
    expect(ctx.response?.status).toBe(500);
  });
});
