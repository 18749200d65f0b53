import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { ServiceKey } from '../../pipeline/policy-services.js';
import { OutboundGuard } from './outbound-guard.js';

/** Origins with open pools at once; a call to one more fails (upstream-unreachable) until one closes. */
export const MAX_OUTBOUND_ORIGINS = 256;

/**
 * Calls to URLs a policy computes (send-request, set-backend-service base-url, redirects off the
 * backend's origin): one undici Agent whose per-origin pools are created on first use, reused
 * while their connections live and dropped when they close, at most MAX_OUTBOUND_ORIGINS at a
 * time; every connection resolves through the SSRF guard.
 */
export class OutboundClient {
  readonly guard: OutboundGuard;
  readonly agent: Agent;

  constructor(guard: OutboundGuard) {
    this.guard = guard;
    this.agent = new Agent({
      maxOrigins: MAX_OUTBOUND_ORIGINS,
      connections: 32,
      keepAliveTimeout: 4_000,
      connect: { lookup: guard.lookup, timeout: 10_000 },
    });
  }

  close(): Promise<void> {
    return this.agent.close().catch(() => undefined);
  }
}

/**
 * The gateway's outbound client: nothing private allowed unless the agent (from
 * `PORTICO_OUTBOUND_ALLOW`) or a test sets the service, with its allow-list, before the first compile.
 */
export const outboundClientKey = new ServiceKey('outbound client', () => new OutboundClient(OutboundGuard.fromList('')));

/** Reads a response body into memory; null (and the stream destroyed) once it passes `max` bytes. */
export async function readBodyUpTo(body: Readable, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
