import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import type { StatementDeps } from '../../pipeline/statement-handler.js';
import type { SetBodyConfig } from './schema.js';

export interface CompiledBody {
  /** The body when it is a literal. */
  readonly constant: Buffer | undefined;
  readonly value: CompiledValue<unknown>;
}

// CEL values to JSON: ints are bigint, maps may be Map instances.
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return Number(item);
    if (item instanceof Map) return Object.fromEntries(item as Map<string, unknown>);
    return item;
  });
}

/** A set-body value: text as is (named values substituted); an expression's map or list as JSON. */
export function compileBody(config: SetBodyConfig, deps: StatementDeps, policy: string): CompiledBody {
  const value = deps.expressions.dyn(config.value, { policy, path: deps.path });
  return { value, constant: typeof value.constant === 'string' ? Buffer.from(value.constant) : undefined };
}

export function evaluateBody(body: CompiledBody, ctx: PolicyContext): Buffer {
  if (body.constant !== undefined) return body.constant;
  const value = body.value.evaluate(ctx);
  if (typeof value === 'string') return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return Buffer.from(String(value));
  return Buffer.from(toJson(value));
}
