import { describe, expect, it } from 'vitest';
import { TelemetrySink } from './telemetry-sink.js';

describe('TelemetrySink', () => {
  it('aggregates metrics per series and drops new series past its capacity, counting them', () => {
    const sink = new TelemetrySink({ metricSeriesCapacity: 2, now: () => 5 });
    sink.addMetric('a', 'ns', 'm', ['d'], ['a'], 1);
    sink.addMetric('b', 'ns', 'm', ['d'], ['b'], 1);
    sink.addMetric('c', 'ns', 'm', ['d'], ['c'], 1);
    sink.addMetric('a', 'ns', 'm', ['d'], ['a'], -4);
    const drained = sink.drain();
    expect(drained.droppedMetrics).toBe(1);
    expect(drained.metrics.map(({ count, sum, min, max }) => ({ count, sum, min, max }))).toEqual([
      { count: 2n, sum: -3, min: -4, max: 1 },
      { count: 1n, sum: 1, min: 1, max: 1 },
    ]);
    sink.addMetric('c', 'ns', 'm', ['d'], ['c'], 1);
    expect(sink.drain()).toMatchObject({ droppedMetrics: 0, metrics: [{ dimensions: [{ name: 'd', value: 'c' }] }] });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new TelemetrySink({ traceCapacity: 0 })).toThrow(RangeError);
  });
});
