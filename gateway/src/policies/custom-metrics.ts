import { ServiceKey } from '../pipeline/policy-services.js';

/** Azure's namespace for custom metrics when a statement names none. */
export const DEFAULT_METRIC_NAMESPACE = 'API Management';

/** The label of the one series that takes every dimension set past a metric's cap. */
export const OVERFLOW_LABEL = 'portico_overflow';

export interface CustomMetricsOptions {
  /** Distinct dimension sets per metric; later sets are added to the overflow series. */
  readonly maxSeriesPerMetric?: number;
  /** Distinct metrics (namespace × name) per process; statements past it record no series. */
  readonly maxMetrics?: number;
  /** Values of the `Gateway ID` and `Location` default dimensions. */
  readonly gatewayId?: string;
  readonly location?: string;
}

/** Sum and count of the values recorded for one dimension set, since the process started. */
export class CustomSeries {
  readonly labels: Readonly<Record<string, string>>;
  count = 0;
  sum = 0;

  constructor(labels: Readonly<Record<string, string>>) {
    this.labels = labels;
  }
}

/** One metric as Prometheus shows it: a family of series, one per dimension set. */
export class CustomMetricFamily {
  readonly name: string;
  readonly help: string;
  readonly series = new Map<string, CustomSeries>();
  overflow: CustomSeries | undefined = undefined;

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
}

// Prometheus names and labels: [a-zA-Z_][a-zA-Z0-9_]*; `API ID` → `api_id`.
function snakeCase(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The Prometheus family of a custom metric: `portico_custom_<namespace>_<name>`. */
export function metricFamilyName(namespace: string, name: string): string {
  return ['portico_custom', snakeCase(namespace), snakeCase(name)].filter((part) => part !== '').join('_');
}

/** The label a dimension becomes: snake case, never empty, never starting with a digit. */
export function dimensionLabel(name: string): string {
  const label = snakeCase(name);
  return label === '' || /^[0-9]/.test(label) ? `d_${label}` : label;
}

/**
 * emit-metric's values for the admin `/metrics` page (admin/metrics.ts renders them): per metric
 * a bounded number of series, so a dimension fed from request data cannot grow memory or the
 * scrape without limit — past the cap, values go to one series labelled `portico_overflow="true"`.
 *
 * @example
 * const family = metrics.family('shop', 'orders');
 * metrics.record(family, key, ['API ID'], ['api_1'], 1);
 */
export class CustomMetrics {
  readonly maxSeriesPerMetric: number;
  readonly maxMetrics: number;
  readonly gatewayId: string;
  readonly location: string;
  readonly #families = new Map<string, CustomMetricFamily>();
  /** Statements compiled past `maxMetrics`, whose values reach telemetry only. */
  refusedMetrics = 0;

  constructor(options: CustomMetricsOptions = {}) {
    this.maxSeriesPerMetric = options.maxSeriesPerMetric ?? 100;
    this.maxMetrics = options.maxMetrics ?? 500;
    this.gatewayId = options.gatewayId ?? '';
    this.location = options.location ?? '';
  }

  /** The family of a metric, created at compile time; undefined past `maxMetrics`. */
  family(namespace: string, name: string): CustomMetricFamily | undefined {
    const familyName = metricFamilyName(namespace, name);
    let family = this.#families.get(familyName);
    if (family !== undefined) return family;
    if (this.#families.size >= this.maxMetrics) {
      this.refusedMetrics++;
      return undefined;
    }
    family = new CustomMetricFamily(familyName, `Custom metric ${name} (namespace ${namespace}) from emit-metric.`);
    this.#families.set(familyName, family);
    return family;
  }

  families(): IterableIterator<CustomMetricFamily> {
    return this.#families.values();
  }

  /**
   * Adds `value` to the series of `seriesKey` (it must identify the dimension names and
   * values); labels are built only when the series is new.
   */
  record(
    family: CustomMetricFamily,
    seriesKey: string,
    dimensionNames: readonly string[],
    dimensionValues: readonly string[],
    value: number,
  ): void {
    let series = family.series.get(seriesKey);
    if (series === undefined) {
      if (family.series.size >= this.maxSeriesPerMetric) {
        series = family.overflow ??= new CustomSeries({ [OVERFLOW_LABEL]: 'true' });
      } else {
        const labels: Record<string, string> = {};
        for (let i = 0; i < dimensionNames.length; i++) labels[dimensionLabel(dimensionNames[i]!)] = dimensionValues[i]!;
        series = new CustomSeries(labels);
        family.series.set(seriesKey, series);
      }
    }
    series.count++;
    series.sum += value;
  }
}

/**
 * The process's custom metrics. The agent shares them with its admin metrics and sets the
 * default dimensions: `services.set(customMetricsKey, new CustomMetrics({ gatewayId, location }))`
 * then `metrics.exposeCustomMetrics(services.get(customMetricsKey))`.
 */
export const customMetricsKey = new ServiceKey('custom metrics', () => new CustomMetrics());
