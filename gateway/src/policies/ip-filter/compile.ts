import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { ipToBigInt } from './ip-address.js';
import type { IpFilterConfig } from './schema.js';

interface Range {
  readonly family: 4 | 6;
  readonly from: bigint;
  readonly to: bigint;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** The caller's address as a number; IPv4-mapped IPv6 (how dual-stack sockets report IPv4) as IPv4. */
export function callerAddress(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const mapped = MAPPED_V4.exec(ip);
  return ipToBigInt(mapped ? mapped[1]! : ip);
}

/**
 * ip-filter: with `allow`, only the listed addresses and ranges may call; with `forbid`, they may
 * not. A refused caller gets 403 and on-error runs (lastError.reason caller-ip-not-allowed).
 *
 * @example createIpFilter({ action: 'allow', 'address-range': [{ from: '10.0.0.0', to: '10.0.255.255' }] }, deps)
 */
export function createIpFilter(config: IpFilterConfig, deps: StatementDeps): StatementHandler {
  const ranges: Range[] = [];
  for (const address of config.address ?? []) {
    const parsed = callerAddress(address);
    if (parsed) ranges.push({ family: parsed.family, from: parsed.value, to: parsed.value });
  }
  for (const range of config['address-range'] ?? []) {
    const from = callerAddress(range.from);
    const to = callerAddress(range.to);
    if (from && to) ranges.push({ family: from.family, from: from.value, to: to.value });
  }
  const allow = config.action === 'allow';
  const forbidden = new PolicyError(
    'ip-filter',
    'caller-ip-not-allowed',
    403,
    'The caller IP address is not allowed to call this API.',
    `${deps.path} ip-filter`,
  );
  return function ipFilter(ctx) {
    const caller = callerAddress(ctx.request.ip);
    let listed = false;
    if (caller) {
      for (const range of ranges) {
        if (range.family === caller.family && caller.value >= range.from && caller.value <= range.to) {
          listed = true;
          break;
        }
      }
    }
    if (listed !== allow) throw forbidden;
    return Outcome.continue;
  };
}
