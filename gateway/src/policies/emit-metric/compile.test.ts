import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../admin/metrics.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { runInbound, type TestDocument, type TestOptions } from '../../pipeline/testing.js';
import { CustomMetrics, customMetricsKey, type CustomMetricsOptions } from '../custom-metrics.js';
import { TelemetrySink, telemetrySinkKey } from '../telemetry-sink.js';

function setup(options: CustomMetricsOptions = {}) {
  const services = new PolicyServices();
  const custom = new CustomMetrics({ gatewayId: 'gw_eu', location: 'westeurope', ...options });
  services.set(customMetricsKey, custom);
  let now = 1000;
  const sink = new TelemetrySink({ now: () => now++ });
  services.set(telemetrySinkKey, sink);
  const metrics = new GatewayMetrics();
  metrics.exposeCustomMetrics(custom);
  return { services, sink, metrics };
}

const context: TestOptions['context'] = {
  api: { id: 'api_orders', name: 'orders', path: 'orders', type: 'http', version: '', revision: '1', serviceUrl: '' },
  operation: { id: 'op_list', name: 'list', method: 'GET', urlTemplate: '/' },
  subscription: { id: 'sub_1', name: '', state: 'active' },
};

const lines = (text: string, family: string) => text.split('\n').filter((line) => line.startsWith(family));

describe('emit-metric at run time', () => {
  it('adds values per dimension set to /metrics as _sum and _count, default dimensions filled in', async () => {
    const { services, metrics } = setup();
    const document: TestDocument = {
      inbound: [
        {
          'emit-metric': {
            name: 'Requests',
            namespace: 'shop',
            value: '@(double(request.headers[?"x-weight"].orValue("1")))',
            dimension: [
              { name: 'API ID' },
              { name: 'Subscription ID' },
              { name: 'Gateway ID' },
              { name: 'Location' },
              { name: 'Client', value: '@(request.headers[?"x-client"].orValue("unknown"))' },
            ],
          },
        },
      ],
    };
    await runInbound(document, { headers: ['x-client', 'web', 'x-weight', '2.5'] }, { services, context });
    await runInbound(document, { headers: ['x-client', 'web'] }, { services, context });
    await runInbound(document, { headers: ['x-client', 'a"b\\c'] }, { services, context });
    const text = await metrics.text();
    expect(text).toContain('# TYPE portico_custom_shop_requests summary');
    const labels = 'api_id="api_orders",subscription_id="sub_1",gateway_id="gw_eu",location="westeurope"';
    expect(lines(text, 'portico_custom_shop_requests')).toEqual([
      `portico_custom_shop_requests_sum{${labels},client="web"} 3.5`,
      `portico_custom_shop_requests_count{${labels},client="web"} 2`,
      `portico_custom_shop_requests_sum{${labels},client="a\\"b\\\\c"} 1`,
      `portico_custom_shop_requests_count{${labels},client="a\\"b\\\\c"} 1`,
    ]);
    // The gateway's own metrics are still there.
    expect(text).toContain('# TYPE portico_gateway_requests_total counter');
  });

  it('caps the dimension sets of a metric and adds the rest to one overflow series', async () => {
    const { services, metrics } = setup({ maxSeriesPerMetric: 2 });
    const document: TestDocument = {
      inbound: [{ 'emit-metric': { name: 'hits', dimension: [{ name: 'Path', value: '@(request.url.path)' }] } }],
    };
    for (const path of ['/a', '/b', '/c', '/d', '/a']) await runInbound(document, { path }, { services });
    expect(lines(await metrics.text(), 'portico_custom_api_management_hits')).toEqual([
      'portico_custom_api_management_hits_sum{path="/a"} 2',
      'portico_custom_api_management_hits_count{path="/a"} 2',
      'portico_custom_api_management_hits_sum{path="/b"} 1',
      'portico_custom_api_management_hits_count{path="/b"} 1',
      'portico_custom_api_management_hits_sum{portico_overflow="true"} 2',
      'portico_custom_api_management_hits_count{portico_overflow="true"} 2',
    ]);
  });

  it('records aggregates in the telemetry sink', async () => {
    const { services, sink } = setup();
    const document: TestDocument = {
      inbound: [
        {
          'emit-metric': {
            name: 'latency',
            namespace: 'shop',
            value: '@(int(request.headers["x-ms"]))',
            dimension: [{ name: 'Operation ID' }, { name: 'Region', value: 'eu' }],
          },
        },
      ],
    };
    for (const ms of ['30', '10', '20']) await runInbound(document, { headers: ['x-ms', ms] }, { services, context });
    const { metrics, droppedMetrics } = sink.drain();
    expect(droppedMetrics).toBe(0);
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({
      namespace: 'shop',
      name: 'latency',
      dimensions: [
        { name: 'Operation ID', value: 'op_list' },
        { name: 'Region', value: 'eu' },
      ],
      count: 3n,
      sum: 60,
      min: 10,
      max: 30,
      startMs: 1000n,
      endMs: 1002n,
    });
    expect(sink.drain().metrics).toEqual([]);
  });

  it('fails the statement for a value that is not a finite number', async () => {
    const { services } = setup();
    const ctx = await runInbound(
      { inbound: [{ 'emit-metric': { name: 'm', value: '@(1.0 / 0.0)', dimension: [{ name: 'API ID' }] } }] },
      {},
      { services },
    );
    expect(ctx.lastError).toMatchObject({ source: 'emit-metric', reason: 'expression-failed' });
  });

  it('takes dimension names from expressions, keeping series apart by name', async () => {
    const { services, sink } = setup();
    const document: TestDocument = {
      inbound: [{ 'emit-metric': { name: 'm', dimension: [{ name: '@(request.headers["x-dim"])', value: 'v' }] } }],
    };
    await runInbound(document, { headers: ['x-dim', 'Tier'] }, { services });
    await runInbound(document, { headers: ['x-dim', 'Plan'] }, { services });
    expect(sink.drain().metrics.map((metric) => metric.dimensions.map(({ name, value }) => `${name}=${value}`))).toEqual([
      ['Tier=v'],
      ['Plan=v'],
    ]);
  });
});
