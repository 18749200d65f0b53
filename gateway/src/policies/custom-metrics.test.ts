import { describe, expect, it } from 'vitest';
import { CustomMetrics, dimensionLabel, metricFamilyName } from './custom-metrics.js';

describe('CustomMetrics', () => {
  it('makes Prometheus names and labels of Azure names', () => {
    expect(metricFamilyName('API Management', 'Request count')).toBe('portico_custom_api_management_request_count');
    expect(metricFamilyName('my-metrics', 'Orders.Created')).toBe('portico_custom_my_metrics_orders_created');
    expect(dimensionLabel('API ID')).toBe('api_id');
    expect(dimensionLabel('2xx')).toBe('d_2xx');
    expect(dimensionLabel('***')).toBe('d_');
  });

  it('shares a family between statements naming the same metric and refuses families past the cap', () => {
    const metrics = new CustomMetrics({ maxMetrics: 1 });
    const family = metrics.family('shop', 'orders');
    expect(metrics.family('shop', 'orders')).toBe(family);
    expect(metrics.family('shop', 'refunds')).toBeUndefined();
    expect(metrics.refusedMetrics).toBe(1);
  });
});
