/**
 * Cost of running policy pipelines, without HTTP: an empty pipeline against ten typical
 * statements (inbound: set-header ×3, set-query-parameter, set-variable, choose with a CEL
 * condition, rewrite-uri, check-header; outbound: set-header ×2), each on a fresh context as a
 * request would have. Run: node_modules/.bin/tsx gateway/bench/pipeline-bench.ts
 */
import { PolicyResponse } from '../src/pipeline/policy-context.js';
import { runSection, type PolicyPipeline } from '../src/pipeline/run-pipeline.js';
import { compileTestPipeline, testContext } from '../src/pipeline/testing.js';

const typical = compileTestPipeline(
  {
    inbound: [
      { 'set-header': { name: 'x-gateway', value: ['portico'] } },
      { 'set-header': { name: 'x-tier', 'exists-action': 'skip', value: ['{{tier}}'] } },
      { 'set-header': { name: 'x-client', value: ['@(request.headers[?"x-client-id"].orValue("anonymous"))'] } },
      { 'set-query-parameter': { name: 'api-version', 'exists-action': 'skip', value: ['2024-06-01'] } },
      { 'set-variable': { name: 'isMobile', value: '@(request.headers[?"user-agent"].orValue("").contains("Mobile"))' } },
      {
        choose: {
          when: [
            { condition: '@(request.method == "DELETE")', statements: [{ 'return-response': { 'set-status': { code: 405 } } }] },
          ],
        },
      },
      { 'rewrite-uri': { template: '/v2/orders/{orderId}' } },
      {
        'check-header': {
          name: 'x-client-id',
          'failed-check-httpcode': 401,
          'failed-check-error-message': 'no client',
          value: ['portal', 'mobile'],
        },
      },
    ],
    outbound: [
      { 'set-header': { name: 'x-powered-by', 'exists-action': 'delete' } },
      { 'set-header': { name: 'x-served-by', value: ['portico'] } },
    ],
  },
  { namedValues: { tier: 'gold' } },
);
const empty = compileTestPipeline({});

const params = new Map([['orderId', '42']]);
const headers = [
  'host',
  'api.example.com',
  'user-agent',
  'bench/1.0 Mobile',
  'x-client-id',
  'portal',
  'accept',
  'application/json',
];

function once(pipeline: PolicyPipeline): void {
  const ctx = testContext({ method: 'GET', path: '/orders/42', query: 'expand=items', headers, params });
  if (runSection(pipeline, 'inbound', ctx) !== 0) throw new Error('inbound did not continue');
  ctx.response = new PolicyResponse(200);
  if (runSection(pipeline, 'outbound', ctx) !== 0) throw new Error('outbound did not continue');
}

function measure(pipeline: PolicyPipeline, runs: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) once(pipeline);
  return Number(process.hrtime.bigint() - start) / runs;
}

const runs = 200_000;
for (let i = 0; i < 3; i++) {
  measure(empty, runs / 10);
  measure(typical, runs / 10);
}
const emptyNs = measure(empty, runs);
const typicalNs = measure(typical, runs);
console.log(`empty pipeline (context only): ${emptyNs.toFixed(0)} ns/run`);
console.log(`10 statements:                 ${typicalNs.toFixed(0)} ns/run`);
console.log(`statements cost:               ${(typicalNs - emptyNs).toFixed(0)} ns/run`);
