import { create } from '@bufbuild/protobuf';
import {
  CustomMetricSchema,
  TelemetryPropertySchema,
  TraceSeverity,
  type CustomMetric,
  type PolicyTrace,
  type TelemetryProperty,
} from '@portico/proto';
import { ServiceKey } from '../pipeline/policy-services.js';

/** Azure's trace severities by name, lowest first. */
export const traceSeverities = {
  verbose: TraceSeverity.VERBOSE,
  information: TraceSeverity.INFORMATION,
  error: TraceSeverity.ERROR,
} as const;
export type TraceSeverityName = keyof typeof traceSeverities;

export interface TelemetrySinkOptions {
  /** Traces kept between drains; the oldest is dropped (and counted) when full. */
  readonly traceCapacity?: number;
  /** Distinct metric × dimension sets aggregated between drains; new ones past it are dropped. */
  readonly metricSeriesCapacity?: number;
  /**
   * trace statements below this severity compile to nothing (Azure's diagnostic verbosity).
   * Applies to pipelines compiled after it is set.
   */
  readonly minimumTraceSeverity?: TraceSeverityName;
  readonly now?: () => number;
}

/** What the telemetry publisher takes in one go; it fills the TelemetryBatch fields of the same names. */
export interface TelemetryDrain {
  readonly traces: PolicyTrace[];
  readonly metrics: CustomMetric[];
  readonly droppedTraces: number;
  readonly droppedMetrics: number;
}

/** One metric and dimension set as recorded since the last drain. */
class MetricAggregate {
  readonly record: CustomMetric;

  constructor(namespace: string, name: string, dimensions: TelemetryProperty[], value: number, now: number) {
    this.record = create(CustomMetricSchema, {
      startMs: BigInt(now),
      endMs: BigInt(now),
      namespace,
      name,
      dimensions,
      count: 1n,
      sum: value,
      min: value,
      max: value,
    });
  }

  add(value: number, now: number): void {
    const record = this.record;
    record.count++;
    record.sum += value;
    if (value < record.min) record.min = value;
    if (value > record.max) record.max = value;
    record.endMs = BigInt(now);
  }
}

/**
 * Where trace and emit-metric statements leave their records for the agent's telemetry
 * publisher, which calls `drain()` on its own schedule. Bounded whatever the publisher does:
 * traces are a ring (the oldest goes first), metrics are aggregated per dimension set
 * (count, sum, min, max), both with counts of what was dropped.
 *
 * @example
 * const sink = services.get(telemetrySinkKey);
 * const { traces, metrics, droppedTraces, droppedMetrics } = sink.drain();
 */
export class TelemetrySink {
  readonly traceCapacity: number;
  readonly metricSeriesCapacity: number;
  readonly minimumTraceSeverity: TraceSeverity;
  readonly #now: () => number;
  // A fixed ring: `#head` is the oldest, `#count` how many are held.
  readonly #traces: (PolicyTrace | undefined)[];
  #head = 0;
  #count = 0;
  #droppedTraces = 0;
  #metrics = new Map<string, MetricAggregate>();
  #droppedMetrics = 0;

  constructor(options: TelemetrySinkOptions = {}) {
    this.traceCapacity = positive(options.traceCapacity ?? 10_000, 'traceCapacity');
    this.metricSeriesCapacity = positive(options.metricSeriesCapacity ?? 10_000, 'metricSeriesCapacity');
    this.minimumTraceSeverity = traceSeverities[options.minimumTraceSeverity ?? 'information'];
    this.#now = options.now ?? Date.now;
    this.#traces = new Array<PolicyTrace | undefined>(this.traceCapacity).fill(undefined);
  }

  /** Milliseconds since the epoch, for record times. */
  now(): number {
    return this.#now();
  }

  addTrace(trace: PolicyTrace): void {
    const capacity = this.traceCapacity;
    if (this.#count === capacity) {
      this.#traces[this.#head] = trace;
      this.#head = (this.#head + 1) % capacity;
      this.#droppedTraces++;
      return;
    }
    this.#traces[(this.#head + this.#count) % capacity] = trace;
    this.#count++;
  }

  /**
   * Adds `value` to the aggregate of the metric and dimension set `seriesKey` stands for (it
   * must identify namespace, name and dimensions); the dimensions are copied when the set is new.
   */
  addMetric(
    seriesKey: string,
    namespace: string,
    name: string,
    dimensionNames: readonly string[],
    dimensionValues: readonly string[],
    value: number,
  ): void {
    const now = this.#now();
    const aggregate = this.#metrics.get(seriesKey);
    if (aggregate !== undefined) return aggregate.add(value, now);
    if (this.#metrics.size >= this.metricSeriesCapacity) {
      this.#droppedMetrics++;
      return;
    }
    const dimensions = dimensionNames.map((dimension, i) => telemetryProperty(dimension, dimensionValues[i]!));
    this.#metrics.set(seriesKey, new MetricAggregate(namespace, name, dimensions, value, now));
  }

  /** Everything recorded since the last drain, oldest trace first; the sink starts empty again. */
  drain(): TelemetryDrain {
    const traces: PolicyTrace[] = [];
    for (let i = 0; i < this.#count; i++) {
      const at = (this.#head + i) % this.traceCapacity;
      traces.push(this.#traces[at]!);
      this.#traces[at] = undefined;
    }
    const metrics = [...this.#metrics.values()].map((aggregate) => aggregate.record);
    const drained = { traces, metrics, droppedTraces: this.#droppedTraces, droppedMetrics: this.#droppedMetrics };
    this.#head = 0;
    this.#count = 0;
    this.#droppedTraces = 0;
    this.#metrics = new Map();
    this.#droppedMetrics = 0;
    return drained;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** A name/value pair of a trace or a metric. */
export function telemetryProperty(name: string, value: string): TelemetryProperty {
  return create(TelemetryPropertySchema, { name, value });
}

/**
 * The process's sink. The agent configures it before the first compile and drains it:
 * `services.set(telemetrySinkKey, new TelemetrySink({ minimumTraceSeverity: 'verbose' }))`.
 */
export const telemetrySinkKey = new ServiceKey('telemetry sink', () => new TelemetrySink());
