import { PolicyError } from '../../pipeline/policy-error.js';

/** hh:mm:ss, as Azure words "Quota will be replenished in 00:59:12". */
function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((part) => String(part).padStart(2, '0')).join(':');
}

/**
 * The 403 of an exhausted quota, with Retry-After when the period ends; lastError reason
 * `quota-exceeded` as in Azure.
 */
export function quotaExceeded(policy: string, where: string, bandwidth: boolean, secondsLeft: number): PolicyError {
  const what = bandwidth ? 'Out of bandwidth quota.' : 'Out of call volume quota.';
  const message = secondsLeft > 0 ? `${what} Quota will be replenished in ${duration(secondsLeft)}.` : what;
  return new PolicyError(
    policy,
    'quota-exceeded',
    403,
    message,
    where,
    secondsLeft > 0 ? ['retry-after', String(secondsLeft)] : [],
  );
}
