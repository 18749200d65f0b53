import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { FieldMap } from '../../pipeline/field-map.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { SetHeaderConfig } from './schema.js';

export type ExistsAction = SetHeaderConfig['exists-action'];

/** Azure's exists-action on a header or query field: override, skip, append or delete. */
export function applyExistsAction(fields: FieldMap, name: string, action: ExistsAction, values: readonly string[]): void {
  switch (action) {
    case 'delete':
      fields.delete(name);
      return;
    case 'skip':
      if (!fields.has(name)) fields.set(name, values);
      return;
    case 'append':
      for (const value of values) fields.append(name, value);
      return;
    case 'override':
      fields.set(name, values);
  }
}

/** Compiled values: the constants when all are literal, else undefined. */
export function constantValues(values: readonly CompiledValue<string>[]): readonly string[] | undefined {
  const constants: string[] = [];
  for (const value of values) {
    if (value.constant === undefined) return undefined;
    constants.push(value.constant);
  }
  return constants;
}

export function evaluateValues(values: readonly CompiledValue<string>[], ctx: PolicyContext): string[] {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!.evaluate(ctx);
  return out;
}

/**
 * set-header: on the request in inbound and backend, on the response in outbound and on-error.
 * Several values make several header lines.
 *
 * @example createSetHeader({ name: 'x-tier', 'exists-action': 'override', value: ['{{tier}}'] }, deps)
 */
export function createSetHeader(config: SetHeaderConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'set-header', path: deps.path };
  const values = (config.value ?? []).map((value) => deps.expressions.string(value, site));
  const constants = constantValues(values);
  const onResponse = deps.section === 'outbound' || deps.section === 'on-error';
  const { name, 'exists-action': action } = config;
  return function setHeader(ctx) {
    const fields = onResponse ? ctx.ensureResponse().headers : ctx.request.headers;
    applyExistsAction(fields, name, action, constants ?? evaluateValues(values, ctx));
    return Outcome.continue;
  };
}
