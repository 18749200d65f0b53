import type { PolicyConfigs } from '../policies/policy-configs.js';
import type { PolicyName } from '../policies/policy-statement.js';
import { createAuthenticationBasic } from '../policies/authentication-basic/compile.js';
import { createCacheLookup } from '../policies/cache-lookup/compile.js';
import { createCacheLookupValue } from '../policies/cache-lookup-value/compile.js';
import { createCacheRemoveValue } from '../policies/cache-remove-value/compile.js';
import { createCacheStore } from '../policies/cache-store/compile.js';
import { createCacheStoreValue } from '../policies/cache-store-value/compile.js';
import { createCheckHeader } from '../policies/check-header/compile.js';
import { createChoose } from '../policies/choose/compile.js';
import { createCors } from '../policies/cors/compile.js';
import { createEmitMetric } from '../policies/emit-metric/compile.js';
import { createFindAndReplace } from '../policies/find-and-replace/compile.js';
import { createForwardRequest } from '../policies/forward-request/compile.js';
import { createIpFilter } from '../policies/ip-filter/compile.js';
import { createJsonToXml } from '../policies/json-to-xml/compile.js';
import { createLimitConcurrency } from '../policies/limit-concurrency/compile.js';
import { createMockResponse } from '../policies/mock-response/compile.js';
import { createQuota } from '../policies/quota/compile.js';
import { createQuotaByKey } from '../policies/quota-by-key/compile.js';
import { createRateLimit } from '../policies/rate-limit/compile.js';
import { createRateLimitByKey } from '../policies/rate-limit-by-key/compile.js';
import { createRetry } from '../policies/retry/compile.js';
import { createReturnResponse } from '../policies/return-response/compile.js';
import { createRewriteUri } from '../policies/rewrite-uri/compile.js';
import { createSendRequest } from '../policies/send-request/compile.js';
import { createSetBackendService } from '../policies/set-backend-service/compile.js';
import { createSetBody } from '../policies/set-body/compile.js';
import { createSetHeader } from '../policies/set-header/compile.js';
import { createSetMethod } from '../policies/set-method/compile.js';
import { createSetQueryParameter } from '../policies/set-query-parameter/compile.js';
import { createSetStatus } from '../policies/set-status/compile.js';
import { createSetVariable } from '../policies/set-variable/compile.js';
import { createTrace } from '../policies/trace/compile.js';
import { createValidateContent } from '../policies/validate-content/compile.js';
import { createValidateGraphqlRequest } from '../policies/validate-graphql-request/compile.js';
import { createValidateJwt } from '../policies/validate-jwt/compile.js';
import { createXmlToJson } from '../policies/xml-to-json/compile.js';
import type { StatementDeps, StatementHandler } from './statement-handler.js';

export type PolicyFactory<Name extends PolicyName> = (config: PolicyConfigs[Name], deps: StatementDeps) => StatementHandler;

/** What reaches a gateway: `base` and `include-fragment` are resolved by the control plane. */
export type RuntimePolicyName = Exclude<PolicyName, 'base' | 'include-fragment'>;

/** Every policy of the catalogue the gateway runs, by name: the type makes a missing one a build error. */
export const policyRuntimes: { readonly [Name in RuntimePolicyName]: PolicyFactory<Name> } = {
  'authentication-basic': createAuthenticationBasic,
  'cache-lookup': createCacheLookup,
  'cache-lookup-value': createCacheLookupValue,
  'cache-remove-value': createCacheRemoveValue,
  'cache-store': createCacheStore,
  'cache-store-value': createCacheStoreValue,
  'check-header': createCheckHeader,
  choose: createChoose,
  cors: createCors,
  'emit-metric': createEmitMetric,
  'find-and-replace': createFindAndReplace,
  'forward-request': createForwardRequest,
  'ip-filter': createIpFilter,
  'json-to-xml': createJsonToXml,
  'limit-concurrency': createLimitConcurrency,
  'mock-response': createMockResponse,
  quota: createQuota,
  'quota-by-key': createQuotaByKey,
  'rate-limit': createRateLimit,
  'rate-limit-by-key': createRateLimitByKey,
  retry: createRetry,
  'return-response': createReturnResponse,
  'rewrite-uri': createRewriteUri,
  'send-request': createSendRequest,
  'set-backend-service': createSetBackendService,
  'set-body': createSetBody,
  'set-header': createSetHeader,
  'set-method': createSetMethod,
  'set-query-parameter': createSetQueryParameter,
  'set-status': createSetStatus,
  'set-variable': createSetVariable,
  trace: createTrace,
  'validate-content': createValidateContent,
  'validate-graphql-request': createValidateGraphqlRequest,
  'validate-jwt': createValidateJwt,
  'xml-to-json': createXmlToJson,
};
