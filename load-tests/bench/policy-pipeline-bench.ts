/**
 * The cost of policies on the request path (issue #5): the Portico gateway serving one API with
 * key auth, once with an empty pipeline (the streaming fast path) and once with ten typical
 * statements — inbound: set-header ×3 (a literal, a named value, a CEL expression), rate-limit
 * (per subscription, never reached), set-variable (CEL), choose (a CEL condition), rewrite-uri,
 * check-header; outbound: set-header ×2. Two agent processes, each pinned to core 1 in turn, wrk
 * and the echo backend on core 0; rounds alternate the order. Prints the ratio of the pipeline's
 * throughput (and CPU per request) to the empty one's. Target: ≥ 0.85×. Run by hand:
 *
 *   npm run bench:policies --workspace load-tests
 *
 * BENCH_SECONDS (default 5) and BENCH_ROUNDS (default 7) set the load runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema, NamedValueSchema, PipelineSchema, StatementSchema, type GatewayView } from '@portico/proto';
import { KEY_HEADER, singleApiView } from './lib/gateway-views.js';
import { bundlePeers } from './lib/peer-bundle.js';
import { startPinned, type PinnedProcess } from './lib/pinned-process.js';
import { readCpuMicros } from './lib/process-stats.js';
import { keyValueLine, median, printTable } from './lib/table.js';
import { runWrk } from './lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONNECTIONS = 32;
const KEY = 'bench-subscription-key-0123456789abcdef';
const PATH = '/bench/items/42';
const HEADERS = { [KEY_HEADER]: KEY, 'x-client-id': 'portal', 'user-agent': 'bench/1.0 Mobile' };
const GATEWAY_CPU = 1;
const LOAD_CPU = 0;

const statement = (policy: string, config: unknown, path: string) =>
  create(StatementSchema, {
    policy,
    configJson: JSON.stringify(config),
    originScope: 'api',
    originId: 'api_bench',
    originPath: path,
  });

/** The ten statements, as the control plane would flatten an API-scope document. */
function typicalPipeline() {
  const inbound = [
    ['set-header', { name: 'x-gateway', value: ['portico'] }],
    ['set-header', { name: 'x-tier', 'exists-action': 'skip', value: ['{{tier}}'] }],
    ['set-header', { name: 'x-client', value: ['@(request.headers[?"x-client-id"].orValue("anonymous"))'] }],
    ['rate-limit', { calls: 1_000_000_000, 'renewal-period': 60 }],
    ['set-variable', { name: 'isMobile', value: '@(request.headers[?"user-agent"].orValue("").contains("Mobile"))' }],
    [
      'choose',
      {
        when: [
          { condition: '@(request.method == "DELETE")', statements: [{ 'return-response': { 'set-status': { code: 405 } } }] },
        ],
      },
    ],
    ['rewrite-uri', { template: '/items/{id}' }],
    [
      'check-header',
      {
        name: 'x-client-id',
        'failed-check-httpcode': 401,
        'failed-check-error-message': 'no client',
        value: ['portal', 'mobile'],
      },
    ],
  ] as const;
  const outbound = [
    ['set-header', { name: 'x-powered-by', 'exists-action': 'delete' }],
    ['set-header', { name: 'x-served-by', value: ['portico'] }],
  ] as const;
  return create(PipelineSchema, {
    operationId: 'op_get_item',
    productId: '',
    inbound: inbound.map(([policy, config], i) => statement(policy, config, `inbound[${i}]`)),
    outbound: outbound.map(([policy, config], i) => statement(policy, config, `outbound[${i}]`)),
  });
}

function withPipeline(view: GatewayView): GatewayView {
  return create(GatewayViewSchema, {
    ...view,
    contentHash: 'bench-policies',
    namedValues: [create(NamedValueSchema, { name: 'tier', value: 'gold' })],
    pipelines: [typicalPipeline()],
  });
}

interface Side {
  name: string;
  process: PinnedProcess;
  rps: number[];
  cpuUs: number[];
  p99Us: number[];
}

async function measure(side: Side): Promise<void> {
  const cpuBefore = readCpuMicros(side.process.pid);
  const result = await runWrk({
    url: side.process.url + PATH,
    connections: CONNECTIONS,
    durationSeconds: SECONDS,
    headers: HEADERS,
    cpu: LOAD_CPU,
  });
  const cpu = readCpuMicros(side.process.pid) - cpuBefore;
  if (result.non2xx > 0 || result.socketErrors > 0)
    throw new Error(`${side.name}: ${result.non2xx} non-2xx responses, ${result.socketErrors} socket errors`);
  side.rps.push(result.requestsPerSecond);
  side.cpuUs.push(cpu / result.requests);
  side.p99Us.push(result.p99Us);
}

async function main() {
  const peers = await bundlePeers(['echo-backend', 'portico-gateway']);
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-policies-'));
  const started: PinnedProcess[] = [];
  try {
    const echo = await startPinned({ name: 'echo backend', script: peers.path('echo-backend'), cpu: LOAD_CPU });
    started.push(echo);
    const empty = singleApiView(echo.url, KEY);
    const files = { empty: join(dir, 'empty.pb'), pipeline: join(dir, 'pipeline.pb') };
    writeFileSync(files.empty, toBinary(GatewayViewSchema, empty));
    writeFileSync(files.pipeline, toBinary(GatewayViewSchema, withPipeline(empty)));
    const sides: Side[] = [];
    for (const [name, file] of [
      ['empty pipeline', files.empty],
      ['10 statements', files.pipeline],
    ] as const) {
      const process = await startPinned({
        name,
        script: peers.path('portico-gateway'),
        args: ['--view-file', file],
        cpu: GATEWAY_CPU,
      });
      started.push(process);
      sides.push({ name, process, rps: [], cpuUs: [], p99Us: [] });
    }
    // The pipeline ran: its outbound statement marks the response.
    const probe = await fetch(sides[1]!.process.url + PATH, { headers: HEADERS });
    await probe.arrayBuffer();
    if (probe.status !== 200 || probe.headers.get('x-served-by') !== 'portico')
      throw new Error(`the pipeline side answered ${probe.status} without its outbound header`);

    for (const side of sides)
      await runWrk({
        url: side.process.url + PATH,
        connections: CONNECTIONS,
        durationSeconds: 2,
        headers: HEADERS,
        cpu: LOAD_CPU,
      });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await measure(side);
    }
    const [base, pipeline] = sides as [Side, Side];
    // Per-round ratios (each round measures both sides minutes apart at most), then their median.
    const ratios = base.rps.map((rps, i) => pipeline.rps[i]! / rps);
    const cpuRatios = base.cpuUs.map((cpu, i) => cpu / pipeline.cpuUs[i]!);
    const ratio = median(ratios);
    const cpuRatio = median(cpuRatios);

    console.log(
      `Policy pipeline cost, ${ROUNDS} alternating rounds of wrk -t1 -c${CONNECTIONS} -d${SECONDS}s (medians); gateway pinned to core ${GATEWAY_CPU}, ` +
        `wrk and the echo backend on core ${LOAD_CPU}; node ${process.version}`,
    );
    printTable(
      ['pipeline', 'req/s', 'range', 'CPU µs/req', 'p99'],
      sides.map((side) => [
        side.name,
        median(side.rps).toFixed(0),
        `${Math.min(...side.rps).toFixed(0)}–${Math.max(...side.rps).toFixed(0)}`,
        median(side.cpuUs).toFixed(1),
        `${(median(side.p99Us) / 1000).toFixed(2)} ms`,
      ]),
    );
    console.log('');
    printTable(
      ['issue #5 bar', 'target', 'measured', 'met'],
      [
        ['10 statements vs empty, throughput', '≥ 0.85×', `${ratio.toFixed(2)}×`, ratio >= 0.85 ? 'yes' : 'NO'],
        ['10 statements vs empty, by CPU per request', '(≥ 0.85×)', `${cpuRatio.toFixed(2)}×`, cpuRatio >= 0.85 ? 'yes' : 'NO'],
      ],
    );
    console.log(
      keyValueLine({
        empty_rps: Math.round(median(base.rps)),
        pipeline_rps: Math.round(median(pipeline.rps)),
        empty_cpu_us: median(base.cpuUs),
        pipeline_cpu_us: median(pipeline.cpuUs),
        throughput_ratio: ratio,
        cpu_ratio: cpuRatio,
        round_ratios: ratios.map((r) => r.toFixed(3)).join('/'),
      }),
    );
  } finally {
    await Promise.all(started.map((peer) => peer.stop()));
    peers.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
