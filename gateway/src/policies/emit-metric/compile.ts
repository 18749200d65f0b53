import type { CompiledValue } from '../../expressions/compile-expression.js';
import { ExpressionError, ExpressionFailure } from '../../expressions/expression-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { customMetricsKey, DEFAULT_METRIC_NAMESPACE, type CustomMetrics } from '../custom-metrics.js';
import { keyPart } from '../response-cache.js';
import { telemetrySinkKey } from '../telemetry-sink.js';
import type { EmitMetricConfig } from './schema.js';

type DimensionValue = (ctx: PolicyContext) => string;

/** Values of Azure's default dimensions, for a dimension listed without one. */
function defaultDimension(name: string, metrics: CustomMetrics, deps: StatementDeps): DimensionValue | undefined {
  switch (name) {
    case 'API ID':
      return (ctx) => ctx.api?.id ?? '';
    case 'Operation ID':
      return (ctx) => ctx.operation?.id ?? '';
    case 'Product ID':
      return (ctx) => ctx.product?.id ?? '';
    case 'User ID':
      return (ctx) => ctx.user?.id ?? '';
    case 'Subscription ID':
      return (ctx) => ctx.subscription?.id ?? '';
    case 'Location': {
      const location = metrics.location;
      return () => location;
    }
    case 'Gateway ID': {
      const gatewayId = metrics.gatewayId;
      return () => gatewayId;
    }
    case 'Backend ID': {
      const backendId = deps.api?.backendId ?? '';
      return () => backendId;
    }
    default:
      return undefined;
  }
}

function stringValue(value: CompiledValue<string>): DimensionValue {
  const constant = value.constant;
  return constant === undefined ? (ctx) => value.evaluate(ctx) : () => constant;
}

/**
 * emit-metric: adds `value` (1 by default) to a custom metric under its dimension values, as
 * Azure sends it to Application Insights: here to the admin `/metrics` page (a Prometheus
 * summary `portico_custom_<namespace>_<name>` with `_sum` and `_count`, dimensions as labels,
 * series capped per metric) and, aggregated, to the telemetry the agent publishes. A default
 * dimension (API ID, Operation ID, Product ID, User ID, Subscription ID, Location, Gateway ID,
 * Backend ID) listed without a value takes the exchange's own.
 *
 * @example createEmitMetric({ name: 'orders', namespace: 'shop', value: 1, dimension: [{ name: 'API ID' }] }, deps)
 */
export function createEmitMetric(config: EmitMetricConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'emit-metric', path: deps.path };
  const where = `${deps.path} emit-metric`;
  const metrics = deps.services.get(customMetricsKey);
  const sink = deps.services.get(telemetrySinkKey);
  const namespace = config.namespace ?? DEFAULT_METRIC_NAMESPACE;
  const name = config.name;
  const family = metrics.family(namespace, name);
  const value = deps.expressions.dyn(config.value, site);
  const constantValue = value.constant === undefined ? undefined : Number(value.constant);

  const names: CompiledValue<string>[] = [];
  const values: DimensionValue[] = [];
  for (const dimension of config.dimension) {
    const dimensionName = deps.expressions.string(dimension.name, site);
    names.push(dimensionName);
    const fallback = dimensionName.constant === undefined ? undefined : defaultDimension(dimensionName.constant, metrics, deps);
    // The schema lets only a default dimension go without a value.
    values.push(dimension.value === undefined ? fallback! : stringValue(deps.expressions.string(dimension.value, site)));
  }
  const constantNames = names.every((dimensionName) => dimensionName.constant !== undefined)
    ? names.map((dimensionName) => dimensionName.constant!)
    : undefined;
  const metricKey = keyPart(keyPart('', namespace), name);
  // Statements may share a metric with other dimensions: the names are part of every series key.
  const namesKey = constantNames === undefined ? '' : constantNames.reduce(keyPart, '');

  function number(ctx: PolicyContext): number {
    if (constantValue !== undefined) return constantValue;
    const result = value.evaluate(ctx);
    const numeric = typeof result === 'bigint' ? Number(result) : result;
    if (typeof numeric === 'number' && Number.isFinite(numeric)) return numeric;
    throw new ExpressionError(
      ExpressionFailure.failed,
      `${where}: value is ${typeof numeric === 'number' ? String(numeric) : typeof numeric}, expected a finite number`,
      'emit-metric',
      where,
    );
  }

  return function emitMetric(ctx) {
    const amount = number(ctx);
    const dimensionNames = constantNames ?? names.map((dimensionName) => dimensionName.evaluate(ctx));
    const dimensionValues = new Array<string>(values.length);
    let seriesKey = namesKey;
    for (let i = 0; i < values.length; i++) {
      dimensionValues[i] = values[i]!(ctx);
      if (constantNames === undefined) seriesKey = keyPart(seriesKey, dimensionNames[i]);
      seriesKey = keyPart(seriesKey, dimensionValues[i]);
    }
    if (family !== undefined) metrics.record(family, seriesKey, dimensionNames, dimensionValues, amount);
    sink.addMetric(metricKey + seriesKey, namespace, name, dimensionNames, dimensionValues, amount);
    return Outcome.continue;
  };
}
