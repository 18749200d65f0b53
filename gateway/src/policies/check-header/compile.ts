import { PolicyError } from '../../pipeline/policy-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { constantValues, evaluateValues } from '../set-header/compile.js';
import type { CheckHeaderConfig } from './schema.js';

export const CheckHeaderReason = {
  notFound: 'header-not-found',
  notAllowed: 'header-value-not-allowed',
} as const;

// A header value matches if the whole line or one of its comma-separated items is allowed.
function matches(lines: readonly string[], allowed: readonly string[], ignoreCase: boolean): boolean {
  for (const line of lines) {
    for (const item of line.includes(',') ? [line, ...line.split(',').map((part) => part.trim())] : [line]) {
      const candidate = ignoreCase ? item.toLowerCase() : item;
      for (const value of allowed) if ((ignoreCase ? value.toLowerCase() : value) === candidate) return true;
    }
  }
  return false;
}

/**
 * check-header: refuses the request (failed-check-httpcode, failed-check-error-message) when the
 * header is missing or, with values listed, holds none of them; names compare case-insensitively,
 * values as ignore-case says. The refusal runs on-error (lastError.reason header-not-found or
 * header-value-not-allowed), as in Azure.
 *
 * @example createCheckHeader({ name: 'x-client', 'failed-check-httpcode': 403, 'failed-check-error-message': 'Unknown client', 'ignore-case': false, value: ['portal'] }, deps)
 */
export function createCheckHeader(config: CheckHeaderConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'check-header', path: deps.path };
  const where = `${deps.path} check-header`;
  const name = config.name;
  const status = config['failed-check-httpcode'];
  const message = deps.expressions.string(config['failed-check-error-message'], site);
  const ignoreCase = deps.expressions.bool(config['ignore-case'], site);
  const allowed = config.value?.map((value) => deps.expressions.string(value, site));
  const allowedConstants = allowed === undefined ? undefined : constantValues(allowed);
  const refusal = (reason: string) =>
    message.constant === undefined ? undefined : new PolicyError('check-header', reason, status, message.constant, where);
  const notFound = refusal(CheckHeaderReason.notFound);
  const notAllowed = refusal(CheckHeaderReason.notAllowed);
  const refuse = (reason: string, ctx: PolicyContext) =>
    new PolicyError('check-header', reason, status, message.evaluate(ctx), where);

  return function checkHeader(ctx) {
    const lines = ctx.request.headers.get(name);
    if (lines === undefined) throw notFound ?? refuse(CheckHeaderReason.notFound, ctx);
    if (allowed === undefined) return Outcome.continue;
    if (matches(lines, allowedConstants ?? evaluateValues(allowed, ctx), ignoreCase.evaluate(ctx))) return Outcome.continue;
    throw notAllowed ?? refuse(CheckHeaderReason.notAllowed, ctx);
  };
}
