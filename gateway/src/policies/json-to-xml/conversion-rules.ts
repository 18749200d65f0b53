import type { PolicyContext } from '../../pipeline/policy-context.js';
import { contentTypeOf } from '../set-body/message-body.js';

/** When json-to-xml and xml-to-json convert: their `apply` and `consider-accept-header`. */
export interface ConversionRule {
  /** Convert only bodies whose Content-Type mentions `format` (`json`, `xml`). */
  readonly onlyContentType: boolean;
  /** Convert only when the caller's Accept header asks for `target`. */
  readonly considerAccept: boolean;
  readonly format: string;
  readonly target: string;
}

/**
 * Whether to convert this message. The Accept header is the caller's (the request's) in every
 * section: it says what the caller wants back. `*` wildcards do not count as asking.
 */
export function shouldConvert(rule: ConversionRule, ctx: PolicyContext, response: boolean): boolean {
  if (rule.onlyContentType && !contentTypeOf(ctx, response).includes(rule.format)) return false;
  if (!rule.considerAccept) return true;
  const accept = ctx.request.headers.get('accept');
  if (accept === undefined) return false;
  for (const line of accept) if (line.toLowerCase().includes(rule.target)) return true;
  return false;
}
