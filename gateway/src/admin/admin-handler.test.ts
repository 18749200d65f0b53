import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../runtime/testing.js';
import { createAdminHandler } from './admin-handler.js';
import { GatewayMetrics } from './metrics.js';

describe('admin handler', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function start(ready: boolean) {
    const metrics = new GatewayMetrics();
    server = createServer(
      createAdminHandler({ metrics, ready: () => ready, status: () => ({ revision: '12', transport: 'connected' }) }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { metrics, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it('reports health with the status fields', async () => {
    const { url } = await start(false);
    const res = await call(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', revision: '12', transport: 'connected' });
  });

  it('answers /readyz 200 when ready and 503 with a reason when not', async () => {
    const notReady = await start(false);
    const refused = await call(`${notReady.url}/readyz`);
    expect(refused.status).toBe(503);
    expect(refused.json()).toMatchObject({
      status: 'not_ready',
      reason: expect.stringContaining('no config applied') as unknown,
    });
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    const ready = await start(true);
    expect((await call(`${ready.url}/readyz`)).status).toBe(200);
  });

  it('serves the metrics as Prometheus text', async () => {
    const { url, metrics } = await start(true);
    metrics.setConfig(42n, 'hash');
    metrics.setTransportConnected(true);
    metrics.configApplied('applied');
    metrics.configApplied('rejected');
    metrics.observeRequest('api_1', 200, 0.003);
    metrics.observeRequest('api_1', 200, 0.004);
    metrics.upstreamError('api_1', 'timeout');
    const res = await call(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const line of [
      'portico_gateway_config_revision 42',
      'portico_gateway_transport_connected 1',
      'portico_gateway_config_applies_total{result="applied"} 1',
      'portico_gateway_config_applies_total{result="rejected"} 1',
      'portico_gateway_requests_total{api="api_1",status="200"} 2',
      'portico_gateway_request_duration_seconds_bucket{le="0.005",api="api_1"} 2',
      'portico_gateway_upstream_errors_total{api="api_1",reason="timeout"} 1',
    ]) {
      expect(res.text).toContain(line);
    }
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('answers 404 JSON for anything else', async () => {
    const { url } = await start(true);
    const res = await call(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});
