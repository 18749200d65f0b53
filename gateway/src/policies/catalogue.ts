import { z } from 'zod';
import { authenticationBasicExample } from './authentication-basic/example.js';
import { authenticationBasicSchema } from './authentication-basic/schema.js';
import { baseExample } from './base/example.js';
import { baseSchema } from './base/schema.js';
import { cacheLookupExample } from './cache-lookup/example.js';
import { cacheLookupSchema } from './cache-lookup/schema.js';
import { cacheLookupValueExample } from './cache-lookup-value/example.js';
import { cacheLookupValueSchema } from './cache-lookup-value/schema.js';
import { cacheRemoveValueExample } from './cache-remove-value/example.js';
import { cacheRemoveValueSchema } from './cache-remove-value/schema.js';
import { cacheStoreExample } from './cache-store/example.js';
import { cacheStoreSchema } from './cache-store/schema.js';
import { cacheStoreValueExample } from './cache-store-value/example.js';
import { cacheStoreValueSchema } from './cache-store-value/schema.js';
import { checkHeaderExample } from './check-header/example.js';
import { checkHeaderSchema } from './check-header/schema.js';
import { chooseExample } from './choose/example.js';
import { corsExample } from './cors/example.js';
import { corsSchema } from './cors/schema.js';
import { createChooseSchema } from './choose/schema.js';
import { createLimitConcurrencySchema } from './limit-concurrency/schema.js';
import { createRetrySchema } from './retry/schema.js';
import { emitMetricExample } from './emit-metric/example.js';
import { emitMetricSchema } from './emit-metric/schema.js';
import { findAndReplaceExample } from './find-and-replace/example.js';
import { findAndReplaceSchema } from './find-and-replace/schema.js';
import { forwardRequestExample } from './forward-request/example.js';
import { forwardRequestSchema } from './forward-request/schema.js';
import { includeFragmentExample } from './include-fragment/example.js';
import { includeFragmentSchema } from './include-fragment/schema.js';
import { ipFilterExample } from './ip-filter/example.js';
import { ipFilterSchema } from './ip-filter/schema.js';
import { jsonToXmlExample } from './json-to-xml/example.js';
import { jsonToXmlSchema } from './json-to-xml/schema.js';
import { limitConcurrencyExample } from './limit-concurrency/example.js';
import { mockResponseExample } from './mock-response/example.js';
import { mockResponseSchema } from './mock-response/schema.js';
import { quotaByKeyExample } from './quota-by-key/example.js';
import { quotaByKeySchema } from './quota-by-key/schema.js';
import { quotaExample } from './quota/example.js';
import { quotaSchema } from './quota/schema.js';
import { rateLimitByKeyExample } from './rate-limit-by-key/example.js';
import { rateLimitByKeySchema } from './rate-limit-by-key/schema.js';
import { rateLimitExample } from './rate-limit/example.js';
import { rateLimitSchema } from './rate-limit/schema.js';
import { retryExample } from './retry/example.js';
import { returnResponseExample } from './return-response/example.js';
import { returnResponseSchema } from './return-response/schema.js';
import { rewriteUriExample } from './rewrite-uri/example.js';
import { rewriteUriSchema } from './rewrite-uri/schema.js';
import { sendRequestExample } from './send-request/example.js';
import { sendRequestSchema } from './send-request/schema.js';
import { setBackendServiceExample } from './set-backend-service/example.js';
import { setBackendServiceSchema } from './set-backend-service/schema.js';
import { setBodyExample } from './set-body/example.js';
import { setBodySchema } from './set-body/schema.js';
import { setHeaderExample } from './set-header/example.js';
import { setHeaderSchema } from './set-header/schema.js';
import { setMethodExample } from './set-method/example.js';
import { setMethodSchema } from './set-method/schema.js';
import { setQueryParameterExample } from './set-query-parameter/example.js';
import { setQueryParameterSchema } from './set-query-parameter/schema.js';
import { setStatusExample } from './set-status/example.js';
import { setStatusSchema } from './set-status/schema.js';
import { setVariableExample } from './set-variable/example.js';
import { setVariableSchema } from './set-variable/schema.js';
import { traceExample } from './trace/example.js';
import { traceSchema } from './trace/schema.js';
import { validateContentExample } from './validate-content/example.js';
import { validateContentSchema } from './validate-content/schema.js';
import { validateGraphqlRequestExample } from './validate-graphql-request/example.js';
import { validateGraphqlRequestSchema } from './validate-graphql-request/schema.js';
import { validateJwtExample } from './validate-jwt/example.js';
import { validateJwtSchema } from './validate-jwt/schema.js';
import { xmlToJsonExample } from './xml-to-json/example.js';
import { xmlToJsonSchema } from './xml-to-json/schema.js';
import type { PolicyCatalogue, PolicyDefinition } from './policy-definition.js';
import type { StatementListSchema } from './policy-statement.js';
import { PolicySection, policySections } from './sections.js';
import { createStatementLists } from './statement-lists.js';

// Where each policy may be used, after the "Policy sections" of Azure's reference for it.
const { inbound, backend, outbound, onError } = PolicySection;
const everywhere = policySections;
const inboundOnly = [inbound] as const;
const backendOnly = [backend] as const;
const outboundOnly = [outbound] as const;
const inboundBackend = [inbound, backend] as const;
const inboundBackendOutbound = [inbound, backend, outbound] as const;
const inboundOutboundOnError = [inbound, outbound, onError] as const;
const inboundOnError = [inbound, onError] as const;

function policy<Config>(
  schema: z.ZodType<Config>,
  sections: readonly PolicySection[],
  example: unknown,
): PolicyDefinition<Config> {
  return { description: schema.description ?? '', sections, schema, example };
}

// A policy holding statement lists. Its standalone schema checks them without section rules;
// a document checks them through `withStatements` with the rules of the section they sit in.
function nesting<Config>(
  create: (statements: StatementListSchema) => z.ZodType<Config>,
  sections: readonly PolicySection[],
  example: unknown,
): PolicyDefinition<Config> {
  // Lazy: the lists dispatch to this very catalogue, which is still being built here.
  const schema = create(z.lazy(() => statementLists.list(undefined, true)));
  return { description: schema.description ?? '', sections, schema, example, withStatements: create };
}

/**
 * The policy catalogue, by name as in Azure API Management (DESIGN §7): each policy's schema,
 * the sections it may be used in, what it does and an example.
 */
export const policyCatalogue: PolicyCatalogue = {
  'check-header': policy(checkHeaderSchema, inboundOnly, checkHeaderExample),
  'ip-filter': policy(ipFilterSchema, inboundOnly, ipFilterExample),
  cors: policy(corsSchema, inboundOnly, corsExample),
  'rate-limit': policy(rateLimitSchema, inboundOnly, rateLimitExample),
  'rate-limit-by-key': policy(rateLimitByKeySchema, inboundOnly, rateLimitByKeyExample),
  quota: policy(quotaSchema, inboundOnly, quotaExample),
  'quota-by-key': policy(quotaByKeySchema, inboundOnly, quotaByKeyExample),
  'validate-jwt': policy(validateJwtSchema, inboundOnly, validateJwtExample),
  'validate-content': policy(validateContentSchema, inboundOutboundOnError, validateContentExample),
  'set-header': policy(setHeaderSchema, everywhere, setHeaderExample),
  'set-query-parameter': policy(setQueryParameterSchema, inboundBackend, setQueryParameterExample),
  'rewrite-uri': policy(rewriteUriSchema, inboundOnly, rewriteUriExample),
  'set-backend-service': policy(setBackendServiceSchema, inboundBackend, setBackendServiceExample),
  'set-body': policy(setBodySchema, inboundBackendOutbound, setBodyExample),
  'find-and-replace': policy(findAndReplaceSchema, everywhere, findAndReplaceExample),
  'json-to-xml': policy(jsonToXmlSchema, inboundOutboundOnError, jsonToXmlExample),
  'xml-to-json': policy(xmlToJsonSchema, inboundOutboundOnError, xmlToJsonExample),
  'mock-response': policy(mockResponseSchema, inboundOutboundOnError, mockResponseExample),
  'return-response': policy(returnResponseSchema, everywhere, returnResponseExample),
  'set-variable': policy(setVariableSchema, everywhere, setVariableExample),
  choose: nesting(createChooseSchema, everywhere, chooseExample),
  retry: nesting(createRetrySchema, everywhere, retryExample),
  'forward-request': policy(forwardRequestSchema, backendOnly, forwardRequestExample),
  'cache-lookup': policy(cacheLookupSchema, inboundOnly, cacheLookupExample),
  'cache-store': policy(cacheStoreSchema, outboundOnly, cacheStoreExample),
  'limit-concurrency': nesting(createLimitConcurrencySchema, everywhere, limitConcurrencyExample),
  'set-status': policy(setStatusSchema, everywhere, setStatusExample),
  'set-method': policy(setMethodSchema, inboundOnError, setMethodExample),
  'cache-lookup-value': policy(cacheLookupValueSchema, everywhere, cacheLookupValueExample),
  'cache-store-value': policy(cacheStoreValueSchema, everywhere, cacheStoreValueExample),
  'cache-remove-value': policy(cacheRemoveValueSchema, everywhere, cacheRemoveValueExample),
  'authentication-basic': policy(authenticationBasicSchema, inboundOnly, authenticationBasicExample),
  trace: policy(traceSchema, inboundBackendOutbound, traceExample),
  'emit-metric': policy(emitMetricSchema, everywhere, emitMetricExample),
  'validate-graphql-request': policy(validateGraphqlRequestSchema, inboundOnly, validateGraphqlRequestExample),
  'send-request': policy(sendRequestSchema, everywhere, sendRequestExample),
  'include-fragment': policy(includeFragmentSchema, everywhere, includeFragmentExample),
  base: policy(baseSchema, everywhere, baseExample),
};

/** Statement-list schemas per section, dispatching to the catalogue. */
export const statementLists = createStatementLists(policyCatalogue);
