import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Per-API instruments, resolved once per API id so a request does one Map lookup. */
class ApiInstruments {
  readonly #requests: Counter<'api' | 'status'>;
  readonly #api: string;
  readonly #byStatus = new Map<number, Counter.Internal>();
  readonly duration: Histogram.Internal<'api'>;

  constructor(requests: Counter<'api' | 'status'>, duration: Histogram<'api'>, api: string) {
    this.#requests = requests;
    this.#api = api;
    this.duration = duration.labels(api);
  }

  requests(status: number): Counter.Internal {
    let child = this.#byStatus.get(status);
    if (!child) {
      child = this.#requests.labels(this.#api, String(status));
      this.#byStatus.set(status, child);
    }
    return child;
  }
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

  constructor() {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'portico_gateway_requests_total',
      help: 'Requests served, by API id ("none" when no API matched) and response status.',
      labelNames: ['api', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'portico_gateway_request_duration_seconds',
      help: 'Time from request received to response end, by API id.',
      labelNames: ['api'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
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
      instruments = new ApiInstruments(this.#requests, this.#duration, api);
      this.#byApi.set(api, instruments);
    }
    return instruments;
  }

  /** One served request; `api` is the API id or "none". */
  observeRequest(api: string, status: number, seconds: number): void {
    const instruments = this.#instruments(api);
    instruments.requests(status).inc();
    instruments.duration.observe(seconds);
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

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
