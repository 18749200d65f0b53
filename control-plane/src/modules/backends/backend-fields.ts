import { z } from 'zod';
import { LOAD_BALANCING } from '../../db/schema/index.js';

/** Bounds on what a backend may ask of the gateway; generous, but a typo cannot make a request hang for a day. */
export const LIMITS = {
  connectTimeoutMs: { min: 1, max: 60_000, default: 5_000 },
  requestTimeoutMs: { min: 1, max: 600_000, default: 60_000 },
  poolTargets: 100,
  weight: { min: 1, max: 1_000 },
  priority: { min: 0, max: 100 },
  retryCount: { min: 1, max: 10 },
  retryIntervalMs: { min: 0, max: 60_000 },
  retryMaxIntervalMs: { min: 0, max: 300_000 },
  breakerFailures: { min: 1, max: 10_000 },
  breakerWindowMs: { min: 1_000, max: 3_600_000 },
  breakerTripMs: { min: 1_000, max: 3_600_000 },
  statusCodes: 50,
} as const;

const int = (what: string, bounds: { min: number; max: number }) =>
  z
    .number()
    .int({ error: `${what} must be a whole number` })
    .min(bounds.min, { error: `${what} must be at least ${bounds.min}` })
    .max(bounds.max, { error: `${what} must be at most ${bounds.max}` });

const URL_EXPECTED = 'Expected an absolute http(s) URL such as https://api.example.com/v1';

/** An absolute http(s) URL; no user info (that is what `credentials` are for, sealed) and no fragment. */
export const backendUrlInput = z
  .string()
  .trim()
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: URL_EXPECTED, input: value });
      return;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: URL_EXPECTED, input: value });
    } else if (url.username !== '' || url.password !== '') {
      // A URL is shown to every reader of the workspace and stored in clear: no secrets in it.
      ctx.addIssue({ code: 'custom', message: 'Put user and password in credentials.basic, not in the URL', input: value });
    } else if (value.includes('#')) {
      ctx.addIssue({ code: 'custom', message: 'A backend URL has no #fragment', input: value });
    }
  })
  .meta({ example: 'https://backend.example.com/v1' });

export const backendTargetInput = z.strictObject({
  url: backendUrlInput,
  weight: int('weight', LIMITS.weight).optional().meta({ description: 'Share of requests under `weighted` (positive)' }),
  priority: int('priority', LIMITS.priority)
    .optional()
    .meta({ description: 'Under `priority`, lower goes first; the next group takes over when a group is unhealthy' }),
});

export const poolInput = z
  .array(backendTargetInput)
  .min(1, { error: 'A pool needs at least one target' })
  .max(LIMITS.poolTargets, { error: `A pool has at most ${LIMITS.poolTargets} targets` })
  .superRefine((targets, ctx) => {
    const seen = new Set<string>();
    targets.forEach((target, i) => {
      if (seen.has(target.url)) ctx.addIssue({ code: 'custom', message: 'Each target URL at most once', path: [i, 'url'] });
      seen.add(target.url);
    });
  });

export const loadBalancingInput = z.enum(LOAD_BALANCING).meta({ example: 'round-robin' });

const statusCodesInput = z
  .array(int('status code', { min: 100, max: 599 }))
  .max(LIMITS.statusCodes)
  .refine((codes) => new Set(codes).size === codes.length, { error: 'Each status code at most once' });

export const retryInput = z
  .strictObject({
    count: int('count', LIMITS.retryCount).meta({ description: 'Attempts after the first' }),
    intervalMs: int('intervalMs', LIMITS.retryIntervalMs),
    maxIntervalMs: int('maxIntervalMs', LIMITS.retryMaxIntervalMs)
      .optional()
      .meta({ description: 'Doubles the interval each attempt up to this; omit for a fixed interval' }),
    onStatusCodes: statusCodesInput.optional().meta({ description: 'Retry on these response statuses' }),
    onConnectionError: z.boolean().optional().meta({ description: 'Retry when the backend cannot be reached' }),
  })
  .superRefine((retry, ctx) => {
    if (retry.maxIntervalMs !== undefined && retry.maxIntervalMs < retry.intervalMs) {
      ctx.addIssue({ code: 'custom', message: 'maxIntervalMs must be at least intervalMs', path: ['maxIntervalMs'] });
    }
  });

export const circuitBreakerInput = z.strictObject({
  failures: int('failures', LIMITS.breakerFailures).meta({ description: 'Matching failures within windowMs that trip it' }),
  windowMs: int('windowMs', LIMITS.breakerWindowMs),
  tripMs: int('tripMs', LIMITS.breakerTripMs).meta({ description: 'How long it stays open' }),
  statusCodes: statusCodesInput.optional().meta({ description: 'Responses counted as failures (connection errors always are)' }),
  acceptRetryAfter: z.boolean().optional().meta({ description: "Stay open for the backend's Retry-After instead of tripMs" }),
});

export const connectTimeoutInput = int('connectTimeoutMs', LIMITS.connectTimeoutMs);
export const requestTimeoutInput = int('requestTimeoutMs', LIMITS.requestTimeoutMs);

/** Never both; on a create (`required`) exactly one. An update giving one replaces the other. */
export function urlXorPoolIssues(input: { url?: unknown; pool?: unknown }, required: boolean) {
  const hasUrl = input.url !== undefined;
  const hasPool = input.pool !== undefined;
  if (hasUrl && hasPool) {
    const message = 'Give either url or pool, not both';
    return [
      { path: ['url'], message },
      { path: ['pool'], message },
    ];
  }
  if (required && !hasUrl && !hasPool) {
    const message = 'Give a url, or a pool of targets';
    return [
      { path: ['url'], message },
      { path: ['pool'], message },
    ];
  }
  return [];
}
