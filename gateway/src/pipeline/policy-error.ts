import { gatewayError, type GatewayError } from '../runtime/gateway-errors.js';

/**
 * A statement refusing the exchange (check-header, ip-filter…): the runner answers with
 * `status` and the gateway's JSON error body, sets `context.lastError`, then runs on-error, as
 * Azure does with its predefined policy errors. Build fixed ones once, at compile time: a
 * prebuilt error is thrown without capturing a new stack.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly source: string;
  readonly reason: string;
  readonly where: string;
  readonly response: GatewayError;
  /** Extra response headers, flat `[name, value, …]` (`retry-after` on an open circuit). */
  readonly headers: readonly string[];

  constructor(source: string, reason: string, status: number, message: string, where: string, headers: readonly string[] = []) {
    super(message);
    this.source = source;
    this.reason = reason;
    this.where = where;
    this.response = gatewayError(status, reason.replaceAll('-', '_'), message);
    this.headers = headers;
  }
}
