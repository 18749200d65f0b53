import { create } from '@bufbuild/protobuf';
import { PolicyTraceSchema, type TelemetryProperty } from '@portico/proto';
import type { CompiledValue } from '../../expressions/compile-expression.js';
import { Outcome, type PolicyLogger, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { telemetryProperty, telemetrySinkKey, traceSeverities } from '../telemetry-sink.js';
import type { TraceConfig } from './schema.js';

type LogMethod = (fields: Record<string, unknown>, message: string) => void;

// The logger's method for a severity; none when the logger has no such level.
function logMethod(logger: PolicyLogger, severity: TraceConfig['severity']): LogMethod | undefined {
  if (severity === 'error') return (fields, message) => logger.error(fields, message);
  const level = severity === 'information' ? 'info' : 'debug';
  if (typeof logger[level] !== 'function') return undefined;
  return (fields, message) => logger[level]!(fields, message);
}

function skipped() {
  return Outcome.continue;
}

/**
 * trace: records an entry (source, severity, message, metadata) in the request's telemetry
 * (the TelemetrySink, drained by the agent's publisher) and in the gateway's log at the same
 * level. A statement below the sink's minimum severity compiles to nothing, as Azure drops
 * traces below the diagnostic's verbosity.
 *
 * @example createTrace({ source: 'orders', severity: 'information', message: '@("order " + variables.id)' }, deps)
 */
export function createTrace(config: TraceConfig, deps: StatementDeps): StatementHandler {
  const sink = deps.services.get(telemetrySinkKey);
  const severity = traceSeverities[config.severity];
  const site = { policy: 'trace', path: deps.path };
  // Compiled even when skipped, so a bad expression fails the revision whatever the level.
  const message = deps.expressions.string(config.message, site);
  const metadata = (config.metadata ?? []).map((entry) => ({
    name: deps.expressions.string(entry.name, site),
    value: deps.expressions.string(entry.value, site),
  }));
  if (severity < sink.minimumTraceSeverity) return skipped;

  const source = config.source;
  const statementId = deps.statementId;
  const log = logMethod(deps.logger, config.severity);
  const evaluate = (value: CompiledValue<string>, ctx: Parameters<StatementHandler>[0]) => value.constant ?? value.evaluate(ctx);

  return function trace(ctx) {
    const text = evaluate(message, ctx);
    const properties: TelemetryProperty[] = [];
    for (const entry of metadata) properties.push(telemetryProperty(evaluate(entry.name, ctx), evaluate(entry.value, ctx)));
    sink.addTrace(
      create(PolicyTraceSchema, {
        timeMs: BigInt(sink.now()),
        requestId: ctx.requestId,
        apiId: ctx.api?.id ?? '',
        operationId: ctx.operation?.id ?? '',
        productId: ctx.product?.id ?? '',
        subscriptionId: ctx.subscription?.id ?? '',
        statementId,
        source,
        severity,
        message: text,
        metadata: properties,
      }),
    );
    if (log !== undefined) {
      const fields: Record<string, unknown> = { requestId: ctx.requestId, source, statement: statementId };
      if (properties.length > 0) fields.metadata = properties.map(({ name, value }) => ({ name, value }));
      log(fields, text);
    }
    return Outcome.continue;
  };
}
