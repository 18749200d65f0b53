import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runExchange, runInbound } from '../../pipeline/testing.js';

describe('set-body at run time', () => {
  it('replaces the request body in inbound and keeps Content-Length true to it', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'set-body': { value: 'hello {{who}}' } }] },
      { method: 'POST', headers: ['content-length', '3'], body: Buffer.from('old') },
      { namedValues: { who: 'world' } },
    );
    expect(ctx.request.body?.toString()).toBe('hello world');
    expect(ctx.request.headers.get('content-length')).toEqual(['11']);
  });

  it('sends an expression map as JSON, reading the request', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'set-body': { value: '@({"method": request.method, "path": request.url.path})' } }] },
      { method: 'PUT', path: '/orders/7' },
    );
    expect(JSON.parse(ctx.request.body!.toString())).toEqual({ method: 'PUT', path: '/orders/7' });
  });

  it('rewrites the response in outbound, dropping a Content-Encoding that no longer applies', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'set-body': { value: '@("status " + string(response.status) + ": " + response.body)' } }] },
      {},
      { backendResponse: { status: 201, headers: ['content-encoding', 'identity', 'content-length', '2'], body: 'ok' } },
    );
    expect(ctx.response?.body?.toString()).toBe('status 201: ok');
    expect(ctx.response?.headers.get('content-length')).toEqual(['14']);
    expect(ctx.response?.headers.has('content-encoding')).toBe(false);
  });

  it('buffers the request body it replaces, and the backend body only when an expression reads it', () => {
    expect(compileTestPipeline({ inbound: [{ 'set-body': { value: 'x' } }] }).needsRequestBody).toBe(true);
    expect(compileTestPipeline({ outbound: [{ 'set-body': { value: 'x' } }] }).responseBody).toBe('none');
    expect(compileTestPipeline({ outbound: [{ 'set-body': { value: '@(response.body + "!")' } }] }).responseBody).toBe(
      'required',
    );
  });

  it('accepts template none as plain text', async () => {
    const ctx = await runInbound({ inbound: [{ 'set-body': { value: '{"a":1}', template: 'none' } }] });
    expect(ctx.request.body?.toString()).toBe('{"a":1}');
  });
});
