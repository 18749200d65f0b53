/**
 * How many calls a lease gets, given the limit, what was granted fleet-wide so far in the period
 * and what the agent asks for. Shared by the control plane's lease service and the gateway's
 * standalone counting, so both behave alike.
 *
 * Never more than what is left, so the calls admitted fleet-wide stay within the limit. At most
 * an eighth of what is left (at least one call), so one busy agent cannot strand the rest of the
 * period in its slice while the others are refused: slices shrink as the limit nears, and the
 * last calls go out one at a time.
 */
export function quotaGrant(limitCalls: number, grantedSoFar: number, wantCalls: number): number {
  const left = limitCalls - grantedSoFar;
  if (left <= 0 || wantCalls <= 0) return 0;
  return Math.min(wantCalls, left, Math.max(1, Math.ceil(left / 8)));
}

/** Start (Unix ms) of the period containing `nowMs`; periods of `periodSeconds` are aligned on `firstStartMs`. 0 s: one endless period. */
export function quotaPeriodStart(nowMs: number, periodSeconds: number, firstStartMs: number): number {
  if (periodSeconds <= 0) return firstStartMs;
  const length = periodSeconds * 1000;
  return firstStartMs + Math.floor((nowMs - firstStartMs) / length) * length;
}
