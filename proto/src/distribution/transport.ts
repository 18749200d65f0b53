import type { AgentReport, Delta, GatewayView, QuotaLeaseReply, QuotaLeaseRequest, SnapshotRequest } from '../index.js';
import type { GatewayAddress } from './subjects.js';

/**
 * How config moves between the control plane and gateway agents (DESIGN §6). Two
 * implementations share these interfaces: NATS (`nats-transport.ts`, every real deployment
 * and the protocol tests) and in-process (`in-process-transport.ts`, the all-in-one quick start).
 */

export interface Closable {
  close(): Promise<void>;
}

/** Why a snapshot request was refused; sent back to the agent, which logs it and retries later. */
export class SnapshotRefusedError extends Error {
  override name = 'SnapshotRefusedError';
}

/** No answer in time, or no connection: the agent keeps serving what it has and retries. */
export class TransportUnavailableError extends Error {
  override name = 'TransportUnavailableError';
}

export type SnapshotHandler = (from: GatewayAddress, request: SnapshotRequest) => Promise<GatewayView>;
export type ReportHandler = (from: GatewayAddress, report: AgentReport) => void | Promise<void>;
export type QuotaLeaseHandler = (from: GatewayAddress, request: QuotaLeaseRequest) => Promise<QuotaLeaseReply>;

/** The control plane's side. */
export interface ControlPlaneTransport extends Closable {
  /** Fire and forget: an agent that misses a delta detects the gap at the next one. */
  publishDelta(to: GatewayAddress, delta: Delta): Promise<void>;
  /**
   * Answers snapshot requests with the handler's view (chunked when it exceeds the max payload),
   * or with the message of a `SnapshotRefusedError` it throws. Several control-plane replicas
   * share the requests (one answers each).
   */
  serveSnapshots(handler: SnapshotHandler): Closable;
  /** Heartbeats and apply results from every agent; replicas share them too. */
  onReports(handler: ReportHandler): Closable;
  /** Answers quota lease requests (fleet-wide quotas); replicas share them, one answers each. */
  serveQuotaLeases(handler: QuotaLeaseHandler): Closable;
}

/** One gateway agent's side. */
export interface AgentTransport extends Closable {
  readonly address: GatewayAddress;
  /** Whether the agent is connected to the control plane's messaging now. */
  readonly connected: boolean;
  /** Called with every change of `connected`. */
  onConnectionChange(listener: (connected: boolean) => void): void;
  /** Rejects with `SnapshotRefusedError` or `TransportUnavailableError`. */
  requestSnapshot(request: SnapshotRequest, timeoutMs: number): Promise<GatewayView>;
  onDelta(handler: (delta: Delta) => void): Closable;
  /** Best effort: dropped while disconnected (the next heartbeat says the same). */
  report(report: AgentReport): Promise<void>;
  /** Rejects with `TransportUnavailableError` when no lease service answers in time. */
  requestQuotaLease(request: QuotaLeaseRequest, timeoutMs: number): Promise<QuotaLeaseReply>;
}
