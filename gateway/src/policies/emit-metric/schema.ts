import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { dimensionLabel } from '../custom-metrics.js';
import { configObject } from '../fields.js';

// Dimensions whose value the gateway fills in itself, so they may be listed without one (Azure's names).
export const defaultDimensions = [
  'API ID',
  'Operation ID',
  'Product ID',
  'User ID',
  'Subscription ID',
  'Location',
  'Gateway ID',
  'Backend ID',
] as const;

const dimension = configObject({
  name: orExpression(z.string().min(1), 'string').describe('Dimension name.'),
  value: orExpression(z.string(), 'string')
    .optional()
    .describe('Dimension value; may be omitted for a default dimension (API ID, Operation ID…).'),
}).check((payload) => {
  const { name, value } = payload.value;
  if (value === undefined && !(defaultDimensions as readonly string[]).includes(name)) {
    payload.issues.push({
      code: 'custom',
      message: `'value' is required unless the dimension is one of: ${defaultDimensions.join(', ')}`,
      input: payload.value,
    });
  }
});

/**
 * emit-metric: emits a custom metric (a counter or a value) with dimensions, to the gateway's
 * metrics and analytics.
 *
 * @example { "emit-metric": { "name": "orders-created", "namespace": "shop", "value": 1, "dimension": [{ "name": "API ID" }, { "name": "Client", "value": "@(request.headers[?\"x-client\"].orValue(\"unknown\"))" }] } }
 */
export const emitMetricSchema = configObject({
  name: z.string().min(1).max(255).describe('Metric name.'),
  namespace: z.string().min(1).max(255).optional().describe("Metric namespace; the gateway's own when omitted."),
  value: orExpression(z.number(), 'double').default(1).describe('Value to record.'),
  // Each dimension multiplies the number of time series; Azure caps custom dimensions at 10.
  dimension: z
    .array(dimension)
    .min(1)
    .max(10)
    .check((payload) => {
      // Two dimensions named alike would be one Prometheus label: the second would overwrite the first.
      const seen = new Map<string, string>();
      payload.value.forEach(({ name }, index) => {
        if (name.startsWith('@(')) return;
        const label = dimensionLabel(name);
        const first = seen.get(label);
        if (first === undefined) seen.set(label, name);
        else
          payload.issues.push({
            code: 'custom',
            message: `dimension '${name}' has the same name as '${first}' (both become the label '${label}')`,
            input: name,
            path: [index, 'name'],
          });
      });
    })
    .describe('Dimensions (1–10).'),
}).meta({ description: 'Emits a custom metric with dimensions.' });

export type EmitMetricConfig = z.infer<typeof emitMetricSchema>;
