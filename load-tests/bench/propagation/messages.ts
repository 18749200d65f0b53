/**
 * What the propagation bench and its agent workers say to each other over the fork IPC channel.
 * Times are `performance.timeOrigin + performance.now()` in the sender (milliseconds since the
 * epoch, sub-millisecond): one wall clock shared by every process on the host.
 */
export interface WorkerStart {
  type: 'start';
  natsUrl: string;
  tenantId: string;
  gatewayId: string;
  accessToken: string;
  instanceId: string;
}

export type ToWorker = WorkerStart | { type: 'clock'; id: number } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; revision: number }
  | { type: 'applied'; revision: number; contentHash: string; at: number }
  | { type: 'clock'; id: number; at: number }
  | { type: 'log'; level: string; message: string }
  | { type: 'failed'; error: string };

/** Now, on the clock every process on the host shares (see above). */
export const wallNow = (): number => performance.timeOrigin + performance.now();
