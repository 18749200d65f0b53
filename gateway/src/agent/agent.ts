import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { create } from '@bufbuild/protobuf';
import {
  AgentReportSchema,
  ApplyResultSchema,
  GatewayViewSchema,
  Health,
  HeartbeatSchema,
  SnapshotRequestSchema,
  type Delta,
  type GatewayView,
} from '@portico/proto';
import { applyDelta, type AgentTransport } from '@portico/proto/distribution';
import { createAdminHandler } from '../admin/admin-handler.js';
import { GatewayMetrics } from '../admin/metrics.js';
import type { PolicyLogger } from '../pipeline/statement-handler.js';
import { PolicyServices } from '../pipeline/policy-services.js';
import { CustomMetrics, customMetricsKey } from '../policies/custom-metrics.js';
import { DEFAULT_POLICY_CACHE_BYTES, PolicyCache, policyCacheKey } from '../policies/policy-cache.js';
import { TelemetrySink, telemetrySinkKey, type TraceSeverityName } from '../policies/telemetry-sink.js';
import { OutboundClient, outboundClientKey } from '../runtime/upstream/outbound-client.js';
import { OutboundGuard } from '../runtime/upstream/outbound-guard.js';
import { quotaLeaseService } from '../policies/quota/quota-counters.js';
import { ConfigCompileError, compileConfig, retireConfig, type CompiledConfig } from '../runtime/compile-config.js';
import { createTrafficHandler, handleTrafficClientError } from '../runtime/traffic-handler.js';
import { BackupWriter } from './backup-writer.js';
import { readBackup } from './config-backup.js';

export const AGENT_VERSION = '0.1.0';

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface AgentOptions {
  tenantId: string;
  gatewayId: string;
  accessToken: string;
  instanceId: string;
  /** How config arrives; without one the agent serves `initialView` only (benchmarks, tests). */
  transport?: AgentTransport;
  initialView?: GatewayView;
  /** Where the last applied view is sealed; no backups when unset. */
  backupPath?: string;
  host?: string;
  port: number;
  adminHost?: string;
  /** No admin listener when undefined. */
  adminPort?: number;
  heartbeatIntervalMs?: number;
  snapshotTimeoutMs?: number;
  drainTimeoutMs?: number;
  /** The `Location` dimension of emit-metric (the gateway's location, e.g. "eu-west on-prem"). */
  location?: string;
  /** Private or loopback targets policies may call (PORTICO_OUTBOUND_ALLOW); none by default. */
  outboundAllow?: string;
  /** Memory of the policy cache (cache-lookup/-store, cache-*-value). */
  policyCacheBytes?: number;
  /** trace statements below this severity compile to nothing. */
  traceSeverity?: TraceSeverityName;
  /** How long a request waits for a quota lease before the agent counts on its own (gateway/docs/quotas.md). */
  quotaLeaseTimeoutMs?: number;
  log?: Log;
}

export const QUOTA_LEASE_TIMEOUT_MS = 500;

type Applied = { revision: bigint; contentHash: string };

const noLog: Log = () => undefined;

/**
 * One gateway agent: serves traffic from the config it holds and keeps that config current
 * (DESIGN §6). The chain of views it received (`head`) is kept apart from the config it serves
 * (`serving`): a revision it cannot compile is NACKed and the previous config keeps serving,
 * while later deltas still chain onto the rejected view, so a fix arrives as a plain delta.
 */
export class GatewayAgent {
  readonly metrics = new GatewayMetrics();
  private serving: CompiledConfig | undefined;
  /** Revision and hash of what is served: a resync delta can move the revision without a recompile. */
  private applied: Applied | undefined;
  private head: GatewayView | undefined;
  private health = Health.STARTING;
  private syncing: Promise<void> | undefined;
  private buffered: Delta[] = [];
  private closed = false;
  private inFlight = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly appliedListeners = new Set<(applied: Applied) => void>();
  private readonly backups: BackupWriter | undefined;
  private readonly startedAt = Date.now();
  private readonly log: Log;
  /** Where compiled policy statements report faults (to the agent's log). */
  private readonly policyLogger: PolicyLogger;
  /** Policy state across revisions; the fleet quota leases go through the transport. */
  private readonly services = new PolicyServices();
  private readonly counters = { configs_applied: 0n, configs_rejected: 0n, snapshots: 0n, gaps: 0n };
  private traffic!: Server;
  private admin: Server | undefined;

  private constructor(private readonly options: AgentOptions) {
    this.log = options.log ?? noLog;
    const log = this.log;
    this.policyLogger = {
      info: (fields, message) => log('info', message, fields),
      warn: (fields, message) => log('warn', message, fields),
      error: (fields, message) => log('error', message, fields),
    };
    // Policy state the admin port and the telemetry publisher read.
    const customMetrics = new CustomMetrics({ gatewayId: options.gatewayId, location: options.location ?? '' });
    this.services.set(customMetricsKey, customMetrics);
    this.metrics.exposeCustomMetrics(customMetrics);
    this.services.set(outboundClientKey, new OutboundClient(OutboundGuard.fromList(options.outboundAllow ?? '')));
    this.services.set(policyCacheKey, new PolicyCache({ maxBytes: options.policyCacheBytes ?? DEFAULT_POLICY_CACHE_BYTES }));
    this.services.set(telemetrySinkKey, new TelemetrySink({ minimumTraceSeverity: options.traceSeverity ?? 'information' }));
    const transport = options.transport;
    if (transport !== undefined)
      this.services.set(quotaLeaseService, (request) => {
        request.instanceId = options.instanceId;
        return transport.requestQuotaLease(request, options.quotaLeaseTimeoutMs ?? QUOTA_LEASE_TIMEOUT_MS);
      });
    if (options.backupPath)
      this.backups = new BackupWriter(options.backupPath, options.accessToken, (error) =>
        this.log('error', 'could not write the config backup', { path: options.backupPath, error: String(error) }),
      );
  }

  static async start(options: AgentOptions): Promise<GatewayAgent> {
    const agent = new GatewayAgent(options);
    await agent.listen();
    await agent.boot();
    return agent;
  }

  /** The revision being served (0 before the first config). */
  get revision(): bigint {
    return this.applied?.revision ?? 0n;
  }

  /** The hash of the config being served ("" before the first one). */
  get contentHash(): string {
    return this.applied?.contentHash ?? '';
  }

  get ready(): boolean {
    return this.serving !== undefined && !this.closed;
  }

  get trafficUrl(): string {
    return `http://127.0.0.1:${(this.traffic.address() as AddressInfo).port}`;
  }

  get adminUrl(): string | undefined {
    return this.admin ? `http://127.0.0.1:${(this.admin.address() as AddressInfo).port}` : undefined;
  }

  /** Calls `listener` after every revision applied (not after NACKs). */
  onApplied(listener: (applied: Applied) => void): () => void {
    this.appliedListeners.add(listener);
    return () => this.appliedListeners.delete(listener);
  }

  /** Resolves once a view with at least `revision` is being served. */
  waitForRevision(revision: bigint, timeoutMs = 10_000): Promise<void> {
    if (this.applied && this.applied.revision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`revision ${revision} not applied within ${timeoutMs} ms (at ${this.revision})`));
      }, timeoutMs);
      const stop = this.onApplied(({ revision: applied }) => {
        if (applied < revision) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  private readonly requestClosed = (): void => {
    this.inFlight--;
  };

  private async listen(): Promise<void> {
    const handle = createTrafficHandler({ config: () => this.serving, metrics: this.metrics, log: this.options.log });
    this.traffic = createServer({ headersTimeout: 15_000, requestTimeout: 300_000, keepAliveTimeout: 65_000 }, (req, res) => {
      this.inFlight++;
      // 'close' fires once per response; one bound listener, no closure per request.
      res.on('close', this.requestClosed);
      handle(req, res);
    });
    // Malformed requests and oversized headers get our JSON 400, not Node's bare one.
    this.traffic.on('clientError', handleTrafficClientError);
    this.traffic.listen(this.options.port, this.options.host ?? '0.0.0.0');
    await once(this.traffic, 'listening');
    if (this.options.adminPort !== undefined) {
      this.admin = createServer(
        createAdminHandler({ metrics: this.metrics, ready: () => this.ready, status: () => this.status() }),
      );
      this.admin.listen(this.options.adminPort, this.options.adminHost ?? '127.0.0.1');
      await once(this.admin, 'listening');
    }
  }

  private status(): Record<string, unknown> {
    return {
      instanceId: this.options.instanceId,
      gatewayId: this.options.gatewayId,
      revision: Number(this.applied?.revision ?? 0n),
      contentHash: this.applied?.contentHash ?? '',
      health: Health[this.health].toLowerCase(),
      connected: this.options.transport?.connected ?? false,
    };
  }

  private async boot(): Promise<void> {
    const { transport } = this.options;
    if (this.options.initialView) {
      this.accept(this.options.initialView);
    } else if (this.options.backupPath) {
      await this.restoreBackup(this.options.backupPath);
    }
    if (!transport) return;
    this.metrics.setTransportConnected(transport.connected);
    // Subscribe before asking for a snapshot: a delta published meanwhile is buffered, not lost.
    transport.onDelta((delta) => this.onDelta(delta));
    transport.onConnectionChange((connected) => {
      this.metrics.setTransportConnected(connected);
      this.log(connected ? 'info' : 'warn', connected ? 'connected to the control plane' : 'lost the control plane; serving on');
      // Deltas sent while we were away are gone: catch up with a snapshot.
      if (connected) this.resync('reconnected');
    });
    this.heartbeatTimer = setInterval(() => void this.sendHeartbeat(), this.options.heartbeatIntervalMs ?? 5_000);
    this.heartbeatTimer.unref();
    this.resync('start');
  }

  private async restoreBackup(path: string): Promise<void> {
    try {
      const view = await readBackup(path, this.options.accessToken, this.options);
      if (!view) return;
      this.accept(view, { persist: false });
      if (this.serving) {
        this.health = Health.SERVING_FROM_BACKUP;
        this.log('info', 'serving the config backup until the control plane answers', { revision: Number(view.revision) });
      }
    } catch (error) {
      this.log('warn', 'ignoring the config backup', { path, error: (error as Error).message });
    }
  }

  private onDelta(delta: Delta): void {
    if (this.closed) return;
    if (this.syncing || !this.head) {
      this.buffered.push(delta);
      return;
    }
    this.chain(delta);
  }

  /** Applies a delta that follows `head`; anything else is a duplicate, a gap or a resync request. */
  private chain(delta: Delta): void {
    const head = this.head!;
    if (delta.resync) {
      if (delta.contentHash === head.contentHash) {
        this.head = create(GatewayViewSchema, { ...head, revision: delta.toRevision });
        if (this.serving?.contentHash === head.contentHash) this.acknowledge(this.head);
      } else this.resync('the control plane asked for it');
      return;
    }
    if (delta.toRevision <= head.revision) return;
    if (delta.fromRevision !== head.revision) {
      this.counters.gaps++;
      this.resync(`gap: at ${head.revision}, delta ${delta.fromRevision}→${delta.toRevision}`);
      return;
    }
    this.accept(applyDelta(head, delta));
  }

  /** Compiles and swaps in `view`, or NACKs it and keeps serving the previous config. */
  private accept(view: GatewayView, { persist = true } = {}): void {
    this.head = view;
    const previous = this.serving;
    let next: CompiledConfig;
    try {
      next = compileConfig(view, previous, { logger: this.policyLogger, services: this.services });
    } catch (error) {
      const reason = error instanceof ConfigCompileError ? error.message : `internal error: ${String(error)}`;
      this.counters.configs_rejected++;
      this.metrics.configApplied('rejected');
      this.log('error', 'rejected a config; the previous one keeps serving', { revision: Number(view.revision), reason });
      void this.report({ applied: false, revision: view.revision, contentHash: view.contentHash, error: reason });
      return;
    }
    this.serving = next;
    if (previous) retireConfig(previous, next);
    this.counters.configs_applied++;
    this.metrics.configApplied('applied');
    if (persist) this.backups?.write(view);
    this.acknowledge(view);
  }

  private acknowledge(view: GatewayView): void {
    this.applied = { revision: view.revision, contentHash: view.contentHash };
    this.metrics.setConfig(view.revision, view.contentHash);
    void this.report({ applied: true, revision: view.revision, contentHash: view.contentHash, error: '' });
    for (const listener of this.appliedListeners) listener({ revision: view.revision, contentHash: view.contentHash });
  }

  private resync(reason: string): void {
    if (this.syncing || this.closed || !this.options.transport) return;
    this.log('info', 'fetching a config snapshot', { reason });
    this.syncing = this.fetchSnapshot().finally(() => {
      this.syncing = undefined;
      const pending = this.buffered;
      this.buffered = [];
      if (this.head) for (const delta of pending) this.chain(delta);
    });
  }

  private async fetchSnapshot(): Promise<void> {
    const transport = this.options.transport!;
    for (let attempt = 0; !this.closed; attempt++) {
      if (transport.connected) {
        try {
          const view = await transport.requestSnapshot(
            create(SnapshotRequestSchema, {
              instanceId: this.options.instanceId,
              haveRevision: this.revision,
              accessToken: this.options.accessToken,
            }),
            this.options.snapshotTimeoutMs ?? 10_000,
          );
          this.counters.snapshots++;
          if (this.serving?.contentHash === view.contentHash) {
            this.head = view;
            this.acknowledge(view);
          } else this.accept(view);
          if (this.serving) this.health = Health.SERVING;
          // The fleet view shows the resync (counters) now rather than at the next beat.
          void this.sendHeartbeat();
          return;
        } catch (error) {
          this.log('warn', 'snapshot failed; retrying', { error: (error as Error).message, attempt });
        }
      }
      // Capped exponential backoff with jitter, so a fleet reconnecting at once spreads out.
      const delay = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }

  private async report(result: { applied: boolean; revision: bigint; contentHash: string; error: string }): Promise<void> {
    const transport = this.options.transport;
    if (!transport) return;
    const applyResult = create(ApplyResultSchema, { instanceId: this.options.instanceId, ...result });
    await transport
      .report(create(AgentReportSchema, { report: { case: 'applyResult', value: applyResult } }))
      .catch(() => undefined);
  }

  private async sendHeartbeat(): Promise<void> {
    const transport = this.options.transport;
    if (!transport) return;
    const heartbeat = create(HeartbeatSchema, {
      instanceId: this.options.instanceId,
      hostname: hostname(),
      agentVersion: AGENT_VERSION,
      revision: this.applied?.revision ?? 0n,
      contentHash: this.applied?.contentHash ?? '',
      health: this.health,
      startedAtMs: BigInt(this.startedAt),
      sentAtMs: BigInt(Date.now()),
      counters: { ...this.counters, requests_in_flight: BigInt(this.inFlight) },
    });
    await transport.report(create(AgentReportSchema, { report: { case: 'heartbeat', value: heartbeat } })).catch(() => undefined);
  }

  /** Stops taking connections, lets in-flight requests finish (up to the drain timeout), then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health = Health.DRAINING;
    clearInterval(this.heartbeatTimer);
    await this.sendHeartbeat();
    const closing = new Promise((resolve) => this.traffic.close(resolve));
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 10_000);
    while (this.inFlight > 0 && Date.now() < deadline) {
      this.traffic.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    this.traffic.closeAllConnections();
    await closing;
    if (this.admin) {
      this.admin.closeAllConnections();
      await new Promise((resolve) => this.admin!.close(resolve));
    }
    await this.backups?.flush();
    await this.options.transport?.close();
    if (this.serving) retireConfig(this.serving, undefined);
    await this.services.close();
  }
}
