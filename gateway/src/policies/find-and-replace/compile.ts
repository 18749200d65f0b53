import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { declareBodyRead, readableBody, replaceBody } from '../set-body/message-body.js';
import type { FindAndReplaceConfig } from './schema.js';

/**
 * Every occurrence of `from` in `body` replaced by `to`, compared byte for byte so that a body
 * in any encoding survives untouched where it does not match; undefined when nothing matches.
 */
export function replaceAllBytes(body: Buffer, from: Buffer, to: Buffer): Buffer | undefined {
  let at = body.indexOf(from);
  if (at === -1) return undefined;
  const parts: Buffer[] = [];
  let start = 0;
  while (at !== -1) {
    parts.push(body.subarray(start, at), to);
    start = at + from.length;
    at = body.indexOf(from, start);
  }
  parts.push(body.subarray(start));
  return Buffer.concat(parts);
}

function bytesOf(value: CompiledValue<string>, ctx: PolicyContext): Buffer {
  return Buffer.from(value.evaluate(ctx));
}

/**
 * find-and-replace: replaces every occurrence of a string (plain text, not a pattern) in the
 * request body (inbound, backend) or the response body (outbound, on-error). A body that does
 * not contain it is left as it is, and so is a compressed one (Content-Encoding).
 *
 * @example createFindAndReplace({ from: 'http://orders.internal:8080', to: 'https://api.example.com/orders' }, deps)
 */
export function createFindAndReplace(config: FindAndReplaceConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'find-and-replace', path: deps.path };
  const from = deps.expressions.string(config.from, site);
  const to = deps.expressions.string(config.to, site);
  const fromBytes = from.constant === undefined ? undefined : Buffer.from(from.constant);
  const toBytes = to.constant === undefined ? undefined : Buffer.from(to.constant);
  const response = declareBodyRead(deps);
  return function findAndReplace(ctx) {
    const body = readableBody(ctx, response);
    if (body === undefined || body.length === 0) return Outcome.continue;
    const search = fromBytes ?? bytesOf(from, ctx);
    // An expression may give an empty string: there is nothing to find.
    if (search.length === 0) return Outcome.continue;
    const replaced = replaceAllBytes(body, search, toBytes ?? bytesOf(to, ctx));
    if (replaced !== undefined) replaceBody(ctx, response, replaced);
    return Outcome.continue;
  };
}
