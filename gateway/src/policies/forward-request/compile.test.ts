import { describe, expect, it } from 'vitest';
import { compileTestPipeline, runExchange, StaticBackend } from '../../pipeline/testing.js';

describe('forward-request at run time', () => {
  it('calls the backend where it stands: later statements and outbound see the answer', async () => {
    const backend = new StaticBackend({ status: 201, headers: ['content-type', 'text/plain'], body: 'made' });
    const ctx = await runExchange(
      {
        backend: [
          { 'set-header': { name: 'x-before', value: ['1'] } },
          { 'forward-request': { timeout: 7, 'follow-redirects': true } },
          { 'set-variable': { name: 'seen', value: '@(response.status)' } },
        ],
        outbound: [{ 'set-header': { name: 'x-status', value: ['@(string(response.status))'] } }],
      },
      { path: '/orders' },
      { backend },
    );
    expect(backend.sent).toHaveLength(1);
    expect(backend.sent[0]!.headers).toContain('x-before');
    expect(backend.sent[0]!.options).toMatchObject({ timeoutMs: 7000, followRedirects: true, bufferResponse: true });
    expect(ctx.variables.get('seen')).toBe(201n);
    expect(ctx.response?.status).toBe(201);
    expect(ctx.response?.headers.first('x-status')).toBe('201');
    expect(ctx.response?.body?.toString()).toBe('made');
  });

  it('computes a timeout from an expression, in milliseconds with timeout-ms', async () => {
    const backend = new StaticBackend({ status: 200 });
    await runExchange(
      { backend: [{ 'forward-request': { 'timeout-ms': '@(int(request.headers["x-budget"]))' } }] },
      { headers: ['x-budget', '250'] },
      { backend },
    );
    expect(backend.sent[0]!.options.timeoutMs).toBe(250);
  });

  it('sends the failure to on-error as context.lastError', async () => {
    const ctx = await runExchange(
      {
        backend: [{ 'forward-request': {} }],
        'on-error': [
          { 'set-variable': { name: 'reason', value: '@(context.lastError.source + "/" + context.lastError.reason)' } },
        ],
      },
      {},
      { backend: new StaticBackend({ failure: 'upstream-timeout' }) },
    );
    expect(ctx.response?.status).toBe(504);
    expect(ctx.variables.get('reason')).toBe('forward-request/upstream-timeout');
  });

  it('fails on a 4xx/5xx answer with fail-on-error-status-code', async () => {
    const ctx = await runExchange(
      { backend: [{ 'forward-request': { 'fail-on-error-status-code': true } }] },
      {},
      { backend: new StaticBackend({ status: 503, body: 'down' }) },
    );
    expect(ctx.lastError).toMatchObject({ source: 'forward-request', reason: 'backend-error-status' });
    expect(ctx.response?.status).toBe(503);
  });

  it('asks for the request body to be buffered only with buffer-request-body', () => {
    expect(compileTestPipeline({ backend: [{ 'forward-request': {} }] }).needsRequestBody).toBe(false);
    expect(compileTestPipeline({ backend: [{ 'forward-request': { 'buffer-request-body': true } }] }).needsRequestBody).toBe(
      true,
    );
  });
});
