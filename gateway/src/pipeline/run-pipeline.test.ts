import { describe, expect, it } from 'vitest';
import { PolicyContext } from './policy-context.js';
import { alwaysWanted, handlePipelineError, runSection, runStatements, type PolicyPipeline } from './run-pipeline.js';
import { Outcome, type StatementHandler } from './statement-handler.js';
import { compileTestPipeline, runExchange, runInbound, silentLogger } from './testing.js';

function pipelineOf(sections: Partial<Pick<PolicyPipeline, 'inbound' | 'onError' | 'outbound'>>): PolicyPipeline {
  return {
    inbound: null,
    backend: null,
    outbound: null,
    onError: null,
    needsRequestBody: false,
    responseBody: 'none',
    responseBodyWanted: alwaysWanted,
    logger: silentLogger,
    ...sections,
  };
}

const context = () => new PolicyContext({ request: { method: 'GET', path: '/' }, requestId: 'req-1' });

describe('runSection', () => {
  it('runs statements in order and stops the section on respond', async () => {
    const seen: string[] = [];
    const step = (name: string, outcome: Outcome): StatementHandler =>
      function record() {
        seen.push(name);
        return outcome;
      };
    const ctx = context();
    const outcome = runSection(pipelineOf({ inbound: [step('a', 0), step('b', 1), step('c', 0)] }), 'inbound', ctx);
    expect(outcome).toBe(Outcome.respond);
    expect(seen).toEqual(['a', 'b']);
    expect(ctx.section).toBe('inbound');
    await Promise.resolve();
  });

  it('stays synchronous without promises and awaits only a handler that returns one', async () => {
    const seen: string[] = [];
    const sync: StatementHandler = () => (seen.push('sync'), Outcome.continue);
    const later: StatementHandler = () => Promise.resolve().then(() => (seen.push('async'), Outcome.continue));
    expect(runStatements([sync, sync], context())).toBe(Outcome.continue);
    const pending = runStatements([sync, later, sync], context());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(Outcome.continue);
    expect(seen).toEqual(['sync', 'sync', 'sync', 'async', 'sync']);
  });

  it('returns continue for an empty (null) section', () => {
    expect(runSection(pipelineOf({}), 'inbound', context())).toBe(Outcome.continue);
  });

  it('turns a throw into on-error, once, with lastError and a 500 on-error can change', async () => {
    let onErrorRuns = 0;
    const boom: StatementHandler = () => {
      throw new Error('database exploded');
    };
    const onError: StatementHandler = (ctx) => {
      onErrorRuns++;
      ctx.response!.headers.set('x-handled', ['yes']);
      return Outcome.continue;
    };
    const ctx = context();
    const pipeline = pipelineOf({ inbound: [boom], outbound: [boom], onError: [onError] });
    expect(await runSection(pipeline, 'inbound', ctx)).toBe(Outcome.respond);
    expect(ctx.lastError).toEqual({
      source: 'gateway',
      reason: 'internal-error',
      message: expect.any(String) as string,
      policy: undefined,
    });
    expect(ctx.response?.status).toBe(500);
    expect(ctx.response?.headers.first('x-handled')).toBe('yes');
    expect(JSON.parse(ctx.response!.body!.toString())).toMatchObject({
      statusCode: 500,
      code: 'internal_error',
      requestId: 'req-1',
    });
    // A second failure does not run on-error again: a plain 500.
    expect(await runSection(pipeline, 'outbound', ctx)).toBe(Outcome.respond);
    expect(onErrorRuns).toBe(1);
    expect(ctx.response?.headers.has('x-handled')).toBe(false);
  });

  it('answers a clean 500 when on-error itself throws, sync or async', async () => {
    const boom: StatementHandler = () => {
      throw new Error('first');
    };
    const asyncBoom: StatementHandler = () => Promise.reject(new Error('second'));
    for (const onError of [boom, asyncBoom]) {
      const ctx = context();
      expect(await runSection(pipelineOf({ inbound: [boom], onError: [onError] }), 'inbound', ctx)).toBe(Outcome.respond);
      expect(ctx.response?.status).toBe(500);
      expect(ctx.response?.headers.first('content-type')).toBe('application/json');
    }
  });

  it('catches a rejected promise like a throw', async () => {
    const ctx = context();
    const rejecting: StatementHandler = () => Promise.reject(new Error('later'));
    expect(await runSection(pipelineOf({ inbound: [rejecting] }), 'inbound', ctx)).toBe(Outcome.respond);
    expect(ctx.lastError?.reason).toBe('internal-error');
  });

  it('lets the traffic handler report a backend failure through on-error', async () => {
    const ctx = context();
    const pipeline = compileTestPipeline({
      'on-error': [{ 'set-header': { name: 'x-error', value: ['@(context.lastError.reason)'] } }],
    });
    expect(await handlePipelineError(pipeline, ctx, new Error('connect ECONNREFUSED'))).toBe(Outcome.respond);
    expect(ctx.response?.headers.first('x-error')).toBe('internal-error');
  });
});

describe('a compiled document', () => {
  it('runs on-error with the refusal of check-header and keeps its status', async () => {
    const ctx = await runInbound(
      {
        inbound: [
          { 'check-header': { name: 'x-client', 'failed-check-httpcode': 401, 'failed-check-error-message': 'who are you' } },
          { 'set-header': { name: 'x-never', value: ['1'] } },
        ],
        'on-error': [
          { 'set-header': { name: 'x-reason', value: ['@(context.lastError.reason + "/" + context.lastError.source)'] } },
        ],
      },
      { headers: [] },
    );
    expect(ctx.request.headers.has('x-never')).toBe(false);
    expect(ctx.response?.status).toBe(401);
    expect(ctx.response?.headers.first('x-reason')).toBe('header-not-found/check-header');
    expect(JSON.parse(ctx.response!.body!.toString())).toEqual({
      statusCode: 401,
      code: 'header_not_found',
      message: 'who are you',
      requestId: 'req-test',
    });
  });

  it('runs outbound on the backend response', async () => {
    const ctx = await runExchange(
      { outbound: [{ 'set-header': { name: 'x-powered-by', 'exists-action': 'delete' } }, { 'set-status': { code: 203 } }] },
      {},
      { backendResponse: { status: 200, headers: ['X-Powered-By', 'express'] } },
    );
    expect(ctx.response?.status).toBe(203);
    expect(ctx.response?.headers.has('x-powered-by')).toBe(false);
  });
});
