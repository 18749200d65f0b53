import { TraceSeverity } from '@portico/proto';
import { describe, expect, it } from 'vitest';
import { compilePolicyPipeline } from '../../pipeline/compile-pipeline.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runSection } from '../../pipeline/run-pipeline.js';
import type { PolicyLogger } from '../../pipeline/statement-handler.js';
import { pipelineOf, runInbound, testContext, testDeps, type TestDocument } from '../../pipeline/testing.js';
import { TelemetrySink, telemetrySinkKey, type TelemetrySinkOptions } from '../telemetry-sink.js';

function sinkFor(options: TelemetrySinkOptions = {}) {
  const services = new PolicyServices();
  const sink = new TelemetrySink({ now: () => 1_700_000_000_000, ...options });
  services.set(telemetrySinkKey, sink);
  return { services, sink };
}

const api = { id: 'api_orders', name: 'orders', path: 'orders', type: 'http', version: '', revision: '1', serviceUrl: '' };

describe('trace at run time', () => {
  it('records source, severity, message and metadata with the request it belongs to', async () => {
    const { services, sink } = sinkFor();
    const trace = {
      source: 'orders-api',
      severity: 'information',
      message: '@("order via " + request.method)',
      metadata: [
        { name: 'path', value: '@(request.url.path)' },
        { name: 'static', value: 'yes' },
      ],
    };
    await runInbound({ inbound: [{ trace }] }, { method: 'POST', path: '/orders' }, { services, context: { api } });
    const { traces, droppedTraces } = sink.drain();
    expect(droppedTraces).toBe(0);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({
      timeMs: 1_700_000_000_000n,
      requestId: 'req-test',
      apiId: 'api_orders',
      statementId: 'api:api_test:inbound[0]',
      source: 'orders-api',
      severity: TraceSeverity.INFORMATION,
      message: 'order via POST',
      metadata: [
        { name: 'path', value: '/orders' },
        { name: 'static', value: 'yes' },
      ],
    });
    expect(sink.drain().traces).toEqual([]);
  });

  it('compiles a trace below the minimum severity to nothing, but still checks it', async () => {
    const { services, sink } = sinkFor({ minimumTraceSeverity: 'error' });
    const document: TestDocument = {
      inbound: [
        { trace: { source: 's', severity: 'information', message: '@(variables.missing)' } },
        { trace: { source: 's', severity: 'error', message: 'kept' } },
      ],
    };
    const ctx = await runInbound(document, {}, { services });
    expect(ctx.lastError).toBeUndefined();
    expect(sink.drain().traces.map((trace) => trace.message)).toEqual(['kept']);
    await expect(
      runInbound({ inbound: [{ trace: { source: 's', message: '{{undefined}}' } }] }, {}, { services }),
    ).rejects.toThrow("named value 'undefined' is not defined");
  });

  it('skips verbose traces by default, as Azure at its default verbosity', async () => {
    const { services, sink } = sinkFor({ minimumTraceSeverity: undefined });
    await runInbound({ inbound: [{ trace: { source: 's', message: 'verbose by default' } }] }, {}, { services });
    expect(sink.drain().traces).toEqual([]);
  });

  it('logs at the matching level', async () => {
    const { services } = sinkFor({ minimumTraceSeverity: 'verbose' });
    const logged: string[] = [];
    const logger: PolicyLogger & Record<'info' | 'debug', PolicyLogger['warn']> = {
      warn: (_fields, message) => logged.push(`warn ${message}`),
      error: (fields, message) => logged.push(`error ${message} ${JSON.stringify(fields)}`),
      info: (_fields, message) => logged.push(`info ${message}`),
      debug: (_fields, message) => logged.push(`debug ${message}`),
    };
    const document: TestDocument = {
      inbound: [
        { trace: { source: 's', severity: 'verbose', message: 'v' } },
        { trace: { source: 's', severity: 'information', message: 'i' } },
        { trace: { source: 's', severity: 'error', message: 'e', metadata: [{ name: 'k', value: 'x' }] } },
      ],
    };
    const pipeline = compilePolicyPipeline(pipelineOf(document), { ...testDeps({ services }), logger });
    await runSection(pipeline, 'inbound', testContext());
    expect(logged).toEqual([
      'debug v',
      'info i',
      'error e {"requestId":"req-test","source":"s","statement":"api:api_test:inbound[2]","metadata":[{"name":"k","value":"x"}]}',
    ]);
  });

  it('keeps the newest traces when the buffer is full and counts the dropped ones', async () => {
    const { services, sink } = sinkFor({ traceCapacity: 2, minimumTraceSeverity: 'verbose' });
    const document: TestDocument = { inbound: [{ trace: { source: 's', message: '@(request.url.path)' } }] };
    for (const path of ['/1', '/2', '/3', '/4', '/5']) await runInbound(document, { path }, { services });
    const drained = sink.drain();
    expect(drained.traces.map((trace) => trace.message)).toEqual(['/4', '/5']);
    expect(drained.droppedTraces).toBe(3);
    expect(sink.drain().droppedTraces).toBe(0);
  });
});
