import type { AgentReport, Delta, GatewayView, QuotaLeaseReply, QuotaLeaseRequest, SnapshotRequest } from '../index.js';
import { subjects, type GatewayAddress } from './subjects.js';
import {
  SnapshotRefusedError,
  TransportUnavailableError,
  type AgentTransport,
  type Closable,
  type ControlPlaneTransport,
  type QuotaLeaseHandler,
  type ReportHandler,
  type SnapshotHandler,
} from './transport.js';

/**
 * Control plane and agents in one process (the all-in-one quick start). Messages are passed
 * as objects, never encoded, but always delivered on a later tick, as a network would, so
 * neither side can depend on re-entrant delivery.
 */
export interface InProcessTransport {
  controlPlane: ControlPlaneTransport;
  agent(address: GatewayAddress): AgentTransport;
}

const later = (fn: () => void) => setImmediate(fn);

/** `answer` on a later tick, or TransportUnavailableError after `timeoutMs`; a handler failure too. */
async function withTimeout<T>(answer: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportUnavailableError(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await new Promise((resolve) => later(() => resolve(undefined)));
    return await Promise.race([answer(), timeout]);
  } catch (error) {
    if (error instanceof TransportUnavailableError) throw error;
    throw new TransportUnavailableError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

export function createInProcessTransport(): InProcessTransport {
  const deltaHandlers = new Map<string, Set<(delta: Delta) => void>>();
  let snapshotHandler: SnapshotHandler | undefined;
  let quotaHandler: QuotaLeaseHandler | undefined;
  const reportHandlers = new Set<ReportHandler>();
  let closed = false;

  const registration = <T>(set: Set<T>, item: T): Closable => {
    set.add(item);
    return { close: () => Promise.resolve(void set.delete(item)) };
  };

  const controlPlane: ControlPlaneTransport = {
    publishDelta(to, delta) {
      for (const handler of deltaHandlers.get(subjects.deltas(to)) ?? []) later(() => handler(delta));
      return Promise.resolve();
    },
    serveSnapshots(handler) {
      snapshotHandler = handler;
      return {
        close: () => Promise.resolve(void (snapshotHandler = snapshotHandler === handler ? undefined : snapshotHandler)),
      };
    },
    onReports: (handler) => registration(reportHandlers, handler),
    serveQuotaLeases(handler) {
      quotaHandler = handler;
      return { close: () => Promise.resolve(void (quotaHandler = quotaHandler === handler ? undefined : quotaHandler)) };
    },
    close() {
      closed = true;
      snapshotHandler = undefined;
      quotaHandler = undefined;
      reportHandlers.clear();
      deltaHandlers.clear();
      return Promise.resolve();
    },
  };

  function agent(address: GatewayAddress): AgentTransport {
    const subject = subjects.deltas(address);
    return {
      address,
      get connected() {
        return !closed;
      },
      onConnectionChange() {
        // Always connected until the transport closes; nothing to report.
      },
      async requestSnapshot(request: SnapshotRequest, timeoutMs: number): Promise<GatewayView> {
        const handler = snapshotHandler;
        if (!handler) throw new TransportUnavailableError('no snapshot service is running');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TransportUnavailableError(`no snapshot within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await new Promise((resolve) => later(() => resolve(undefined)));
          return await Promise.race([handler(address, request), timeout]);
        } catch (error) {
          if (error instanceof SnapshotRefusedError || error instanceof TransportUnavailableError) throw error;
          throw new SnapshotRefusedError(error instanceof Error ? error.message : String(error));
        } finally {
          clearTimeout(timer);
        }
      },
      onDelta(handler) {
        let set = deltaHandlers.get(subject);
        if (!set) deltaHandlers.set(subject, (set = new Set()));
        return registration(set, handler);
      },
      report(report: AgentReport) {
        for (const handler of reportHandlers)
          later(() => {
            void Promise.resolve(handler(address, report)).catch(() => undefined);
          });
        return Promise.resolve();
      },
      async requestQuotaLease(request: QuotaLeaseRequest, timeoutMs: number): Promise<QuotaLeaseReply> {
        const handler = quotaHandler;
        if (!handler) throw new TransportUnavailableError('no quota lease service is running');
        return withTimeout(() => handler(address, request), timeoutMs, 'quota lease');
      },
      close: () => Promise.resolve(),
    };
  }

  return { controlPlane, agent };
}
