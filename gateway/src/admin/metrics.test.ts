import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from './metrics.js';

const REQUESTS = 'portico_gateway_requests_total';
const DURATION = 'portico_gateway_request_duration_seconds';

// What prom-client itself renders for the same observations: the plain counts must not change a line.
function reference(observations: ReadonlyArray<[string, number, number]>): Registry {
  const registry = new Registry();
  const requests = new Counter({
    name: REQUESTS,
    help: 'Requests served, by API id ("none" when no API matched) and response status.',
    labelNames: ['api', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: DURATION,
    help: 'Time from request received to response end, by API id.',
    labelNames: ['api'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [api, status, seconds] of observations) {
    requests.labels(api, String(status)).inc();
    duration.labels(api).observe(seconds);
  }
  return registry;
}

describe('GatewayMetrics', () => {
  it('renders request counts and durations exactly as prom-client instruments would', async () => {
    const values = [0.0003, 0.001, 0.0011, 0.003, 0.02, 0.7, 12, 0.0049, 0.1, 2.5, 10];
    const observations: Array<[string, number, number]> = [];
    let i = 0;
    for (const api of ['api_1', 'none', 'api_"2\\x']) {
      for (const status of [200, 404, 200, 502, 200]) observations.push([api, status, values[i++ % values.length]!]);
    }
    const metrics = new GatewayMetrics();
    const check = async (expected: Registry) => {
      for (const name of [REQUESTS, DURATION]) {
        expect(await metrics.registry.getSingleMetricAsString(name)).toBe(await expected.getSingleMetricAsString(name));
      }
      const json = (await metrics.registry.getMetricsAsJSON()).filter((m) => m.name === REQUESTS || m.name === DURATION);
      expect(json).toEqual((await expected.getMetricsAsJSON()).filter((m) => m.name === REQUESTS || m.name === DURATION));
    };
    // Two scrapes, with requests before and between them: counts carry over, nothing is lost or doubled.
    const all: Array<[string, number, number]> = [];
    for (const batch of [observations.slice(0, 7), observations.slice(7)]) {
      for (const observation of batch) metrics.observeRequest(...observation);
      all.push(...batch);
      await check(reference(all));
    }
    expect(await metrics.text()).toContain(`${REQUESTS}{api="api_1",status="200"} 3`);
  });
});
