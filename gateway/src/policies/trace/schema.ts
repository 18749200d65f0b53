import { z } from 'zod';
import { orExpression } from '../../expressions/expression-schemas.js';
import { configObject } from '../fields.js';

/**
 * trace: adds a custom entry to the request trace (dry runs, explainable policies) and to the
 * telemetry when its severity reaches the configured level.
 *
 * @example { "trace": { "source": "orders-api", "severity": "information", "message": "@(\"tenant \" + string(variables.tenant))" } }
 */
export const traceSchema = configObject({
  source: z.string().min(1).describe('Where the entry comes from, as shown to the reader of the trace.'),
  severity: z.enum(['verbose', 'information', 'error']).default('verbose').describe('Severity, lowest to highest.'),
  message: orExpression(z.string(), 'string').describe('Text of the entry.'),
  metadata: z
    .array(
      configObject({
        name: orExpression(z.string().min(1), 'string').describe('Property name.'),
        value: orExpression(z.string(), 'string').describe('Property value.'),
      }),
    )
    .optional()
    .describe('Custom properties attached to the entry.'),
}).meta({ description: 'Adds a custom entry to the request trace and telemetry.' });

export type TraceConfig = z.infer<typeof traceSchema>;
