import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CustomMetrics } from '../policies/custom-metrics.js';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Requests of one API with one status not yet added to the prom-client counter. */
class RequestCount {
  readonly labels: { api: string; status: string };
  pending = 0;

  constructor(api: string, status: number) {
    this.labels = { api, status: String(status) };
  }
}

/**
 * One API's request counts and latency histogram as plain numbers: a request does a Map lookup
 * and a few increments; label hashing and prom-client's bookkeeping happen when scraped.
 */
class ApiInstruments {
  readonly api: string;
  readonly #byStatus = new Map<number, RequestCount>();
  readonly #counts: RequestCount[];
  /** Observations per bucket (not cumulative); a value above the last bound counts in none. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length);
  sum = 0;
  count = 0;

  constructor(api: string, counts: RequestCount[]) {
    this.api = api;
    this.#counts = counts;
  }

  observe(status: number, seconds: number): void {
    let requests = this.#byStatus.get(status);
    if (requests === undefined) {
      requests = new RequestCount(this.api, status);
      this.#byStatus.set(status, requests);
      this.#counts.push(requests);
    }
    requests.pending++;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) {
        this.buckets[i]!++;
        break;
      }
    }
    this.sum += seconds;
    this.count++;
  }
}

// prom-client 15's histogram state (lib/histogram.js): one entry per label set under the key
// `api:<id>,`, bucket counts keyed by upper bound. Written at scrape time, so prom-client's own
// exposition renders it (metrics.test.ts compares it with prom-client's own instruments).
interface HistogramState {
  hashMap: Record<string, { labels: { api: string }; bucketValues: Record<number, number>; sum: number; count: number }>;
}

/** Why a call to a backend failed: bounded label values. */
export type UpstreamErrorReason = 'timeout' | 'unreachable' | 'reset' | 'circuit_open' | 'backend_not_configured';

/**
 * The gateway's Prometheus metrics on its own registry (never prom-client's global one, so two
 * gateways in one process, as in tests, do not collide). Labels are ids, never paths.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'api' | 'status'>;
  readonly #duration: Histogram<'api'>;
  readonly #upstreamErrors: Counter<'api' | 'reason'>;
  readonly #configRevision: Gauge;
  readonly #configApplies: Counter<'result'>;
  readonly #transportConnected: Gauge;
  readonly #byApi = new Map<string, ApiInstruments>();
  /** Every (API, status) seen, in first-seen order: the order prom-client lists them in. */
  readonly #requestCounts: RequestCount[] = [];
  /** emit-metric's metrics, once the agent exposes them. */
  #custom: CustomMetrics | undefined = undefined;

  constructor() {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'portico_gateway_requests_total',
      help: 'Requests served, by API id ("none" when no API matched) and response status.',
      labelNames: ['api', 'status'],
      registers,
      collect: () => this.#collectRequests(),
    });
    this.#duration = new Histogram({
      name: 'portico_gateway_request_duration_seconds',
      help: 'Time from request received to response end, by API id.',
      labelNames: ['api'],
      buckets: DURATION_BUCKETS,
      registers,
      collect: () => this.#collectDurations(),
    });
    this.#upstreamErrors = new Counter({
      name: 'portico_gateway_upstream_errors_total',
      help: 'Calls to backends that failed, by API id and reason.',
      labelNames: ['api', 'reason'],
      registers,
    });
    this.#configRevision = new Gauge({
      name: 'portico_gateway_config_revision',
      help: 'Revision of the config being served.',
      registers,
    });
    this.#configApplies = new Counter({
      name: 'portico_gateway_config_applies_total',
      help: 'Config revisions received, by result (applied or rejected).',
      labelNames: ['result'],
      registers,
    });
    this.#transportConnected = new Gauge({
      name: 'portico_gateway_transport_connected',
      help: '1 while connected to the control plane transport, else 0.',
      registers,
    });
    this.#transportConnected.set(0);
    collectDefaultMetrics({ register: this.registry });
  }

  #instruments(api: string): ApiInstruments {
    let instruments = this.#byApi.get(api);
    if (!instruments) {
      instruments = new ApiInstruments(api, this.#requestCounts);
      this.#byApi.set(api, instruments);
    }
    return instruments;
  }

  /** One served request; `api` is the API id or "none". */
  observeRequest(api: string, status: number, seconds: number): void {
    this.#instruments(api).observe(status, seconds);
  }

  #collectRequests(): void {
    for (const requests of this.#requestCounts) {
      if (requests.pending === 0) continue;
      this.#requests.inc(requests.labels, requests.pending);
      requests.pending = 0;
    }
  }

  // Cumulative since start: the entries are rewritten whole from the plain counts on each scrape.
  #collectDurations(): void {
    const { hashMap } = this.#duration as unknown as HistogramState;
    for (const instruments of this.#byApi.values()) {
      const key = `api:${instruments.api},`;
      let entry = hashMap[key];
      if (entry === undefined) {
        entry = { labels: { api: instruments.api }, bucketValues: {}, sum: 0, count: 0 };
        hashMap[key] = entry;
      }
      for (let i = 0; i < DURATION_BUCKETS.length; i++) entry.bucketValues[DURATION_BUCKETS[i]!] = instruments.buckets[i]!;
      entry.sum = instruments.sum;
      entry.count = instruments.count;
    }
  }

  upstreamError(api: string, reason: UpstreamErrorReason): void {
    this.#upstreamErrors.labels(api, reason).inc();
  }

  /** The content hash is reported by the agent's acknowledgements; the gauge carries the revision. */
  setConfig(revision: bigint, _contentHash: string): void {
    this.#configRevision.set(Number(revision));
  }

  setTransportConnected(connected: boolean): void {
    this.#transportConnected.set(connected ? 1 : 0);
  }

  configApplied(result: 'applied' | 'rejected'): void {
    this.#configApplies.labels(result).inc();
  }

  /**
   * Adds emit-metric's custom metrics to `text()`, after the gateway's own. Their names and
   * labels come from policy documents, so they are rendered here rather than registered:
   * prom-client wants every family declared up front with fixed label names.
   */
  exposeCustomMetrics(custom: CustomMetrics): void {
    this.#custom = custom;
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    const text = await this.registry.metrics();
    return this.#custom === undefined ? text : text + renderCustomMetrics(this.#custom);
  }
}

// Text format 0.0.4: backslash, double quote and line feed are escaped in label values.
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) parts.push(`${name}="${escapeLabelValue(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Each custom metric as a summary without quantiles: `_sum` and `_count` per dimension set, so
 * rate(sum)/rate(count) gives the mean and rate(count) the rate of emissions, whatever the value.
 */
function renderCustomMetrics(custom: CustomMetrics): string {
  let out = '';
  for (const family of custom.families()) {
    if (family.series.size === 0 && family.overflow === undefined) continue;
    out += `\n# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${family.name} summary\n`;
    const all = family.overflow === undefined ? [...family.series.values()] : [...family.series.values(), family.overflow];
    for (const series of all) {
      const labels = labelText(series.labels);
      out += `${family.name}_sum${labels} ${series.sum}\n${family.name}_count${labels} ${series.count}\n`;
    }
  }
  return out;
}
