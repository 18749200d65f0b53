/**
 * Policies on the request path, over HTTP: one gateway process serves the same API on two ports,
 * :8101 with an empty pipeline (the streaming fast path) and :8102 with ten typical statements
 * (inbound: set-header ×3, set-query-parameter, set-variable, choose with a CEL condition,
 * rewrite-uri, check-header; outbound: set-header ×2). Both reach the echo backend's `GET /`.
 *
 * Run (2 cores: gateway on core 1, echo and wrk on core 0; interleave the runs):
 *   taskset -c 0 node --import tsx -e "import('./gateway/src/echo/index.ts').then((m) => m.startEchoServer({ port: 8100 }))" &
 *   taskset -c 1 node --import tsx gateway/bench/traffic-pipeline-bench.ts http://127.0.0.1:8100 &
 *   for i in 1 2 3; do for target in 8101/ 8102/orders/42; do
 *     taskset -c 0 wrk -t1 -c32 -d5s -H 'x-client-id: portal' -H 'user-agent: bench/1.0 Mobile' http://127.0.0.1:$target
 *   done; done
 */
import { createServer } from 'node:http';
import { GatewayMetrics } from '../src/admin/metrics.js';
import { compileConfig } from '../src/runtime/compile-config.js';
import { view } from '../src/runtime/testing.js';
import { createTrafficHandler } from '../src/runtime/traffic-handler.js';

const backendUrl = process.argv[2] ?? 'http://127.0.0.1:8100';

const statement = (policy: string, config: unknown) => ({ policy, configJson: JSON.stringify(config) });

const typical = {
  operationId: 'op_order',
  productId: '',
  inbound: [
    statement('set-header', { name: 'x-gateway', value: ['portico'] }),
    statement('set-header', { name: 'x-tier', 'exists-action': 'skip', value: ['{{tier}}'] }),
    statement('set-header', { name: 'x-client', value: ['@(request.headers[?"x-client-id"].orValue("anonymous"))'] }),
    statement('set-query-parameter', { name: 'api-version', 'exists-action': 'skip', value: ['2024-06-01'] }),
    statement('set-variable', { name: 'isMobile', value: '@(request.headers[?"user-agent"].orValue("").contains("Mobile"))' }),
    statement('choose', {
      when: [
        { condition: '@(request.method == "DELETE")', statements: [{ 'return-response': { 'set-status': { code: 405 } } }] },
      ],
    }),
    // To the echo backend's cheap `GET /`, as the empty pipeline's requests are.
    statement('rewrite-uri', { template: '/', 'copy-unmatched-params': false }),
    statement('check-header', {
      name: 'x-client-id',
      'failed-check-httpcode': 401,
      'failed-check-error-message': 'no client',
      value: ['portal', 'mobile'],
    }),
  ],
  outbound: [
    statement('set-header', { name: 'x-powered-by', 'exists-action': 'delete' }),
    statement('set-header', { name: 'x-served-by', value: ['portico'] }),
  ],
};

function configWith(pipelines: (typeof typical)[], template: string) {
  return compileConfig(
    view({
      backends: [{ id: 'be', targets: [{ url: backendUrl }] }],
      apis: [
        {
          id: 'api_bench',
          path: '',
          subscriptionRequired: false,
          backendId: 'be',
          operations: [{ id: 'op_order', method: 'GET', urlTemplate: template }],
        },
      ],
      namedValues: [{ name: 'tier', value: 'gold' }],
      pipelines,
    }),
  );
}

// The empty side is called at `/` (forwarded as is), the other at `/orders/42` (rewritten to `/`).
const servers = [
  { port: 8101, config: configWith([], '/') },
  { port: 8102, config: configWith([typical], '/orders/{orderId}') },
];
for (const { port, config } of servers) {
  const metrics = new GatewayMetrics();
  createServer(createTrafficHandler({ config: () => config, metrics })).listen(port, '127.0.0.1');
}
console.log(`empty pipeline on :8101 (GET /), 10 statements on :8102 (GET /orders/42), backend ${backendUrl}`);
