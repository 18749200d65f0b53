import type { PolicyConfigs } from '../policies/policy-configs.js';
import type { PolicyName } from '../policies/policy-statement.js';
import { createCheckHeader } from '../policies/check-header/compile.js';
import { createChoose } from '../policies/choose/compile.js';
import { createIpFilter } from '../policies/ip-filter/compile.js';
import { createReturnResponse } from '../policies/return-response/compile.js';
import { createRewriteUri } from '../policies/rewrite-uri/compile.js';
import { createSetHeader } from '../policies/set-header/compile.js';
import { createSetMethod } from '../policies/set-method/compile.js';
import { createSetQueryParameter } from '../policies/set-query-parameter/compile.js';
import { createSetStatus } from '../policies/set-status/compile.js';
import { createSetVariable } from '../policies/set-variable/compile.js';
import type { StatementDeps, StatementHandler } from './statement-handler.js';

export type PolicyFactory<Name extends PolicyName> = (config: PolicyConfigs[Name], deps: StatementDeps) => StatementHandler;

/**
 * The policies the gateway can run, by name. A policy of the catalogue missing here is refused
 * when a pipeline is compiled ("has no runtime yet"); `base` and `include-fragment` never reach
 * a gateway (the control plane flattens and inlines them).
 */
export const policyRuntimes: { readonly [Name in PolicyName]?: PolicyFactory<Name> } = {
  'check-header': createCheckHeader,
  choose: createChoose,
  'ip-filter': createIpFilter,
  'return-response': createReturnResponse,
  'rewrite-uri': createRewriteUri,
  'set-header': createSetHeader,
  'set-method': createSetMethod,
  'set-query-parameter': createSetQueryParameter,
  'set-status': createSetStatus,
  'set-variable': createSetVariable,
};
