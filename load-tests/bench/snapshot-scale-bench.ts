/**
 * Config at scale (DESIGN §12): a view with 10,000 APIs, 100,000 operations and 1,000,000
 * subscriptions (generated, not measured), its encoded size, and what applying it costs a
 * fresh gateway agent: decode, compile (agent start), time and memory. Then routing cost per
 * request flat in the number of APIs: wrk through two agents, one serving 10 APIs and one
 * serving the large view, each request to another API (and operation) in turn. Run by hand:
 *
 *   npm run bench:snapshot-scale --workspace load-tests
 *
 * BENCH_SECONDS (default 8) and BENCH_ROUNDS (default 2) set the load runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { toBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema, type GatewayView } from '@portico/proto';
import { APIS_PER_GROUP, KEY_HEADER, scaleView } from './lib/gateway-views.js';
import { bundlePeers } from './lib/peer-bundle.js';
import { startPinned, type PinnedProcess } from './lib/pinned-process.js';
import { readCpuMicros, readMemory } from './lib/process-stats.js';
import { keyValueLine, median, mib, printTable } from './lib/table.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 32;
const WARMUP_SECONDS = 3;
const KEY = 'bench-scale-key-0123456789abcdef';
const APPLY_TARGET_MS = 3000;
const CONTENDER_CPU = 1;
const LOAD_CPU = 0;

const LARGE = { apis: 10_000, operationsPerApi: 10, subscriptions: 1_000_000 };
const SMALL = { apis: 10, operationsPerApi: 10, subscriptions: 1_000 };

/**
 * A wrk script calling every API in turn, each request to another backend (API n's backend is
 * n / 10), alternating two GET operations. Calling API 0, 1, 2… in order would send bursts of 10
 * to one backend: each of the 1,000 pools then opens ~10 connections that go idle before the
 * rotation returns, and the run measures upstream connection churn (9,000 sockets, CPU per
 * request ×2) instead of routing.
 */
function rotatingScript(apis: number): string {
  const groups = Math.ceil(apis / APIS_PER_GROUP);
  return `local n = 0
request = function()
  n = n + 1
  local api = (n % ${groups}) * ${APIS_PER_GROUP} + math.floor(n / ${groups}) % ${APIS_PER_GROUP}
  if n % 2 == 0 then
    return wrk.format("GET", "/svc" .. api .. "/v1/items/" .. n)
  end
  return wrk.format("GET", "/svc" .. api .. "/v1/items/" .. n .. "/parts/7")
end
`;
}

interface Served {
  label: string;
  apis: number;
  operations: number;
  subscriptions: number;
  bytes: number;
  encodeMs: number;
  gateway: PinnedProcess;
  script: string;
  runs: Array<WrkResult & { cpuUsPerRequest: number }>;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'portico-snapshot-bench-'));
  const peers = await bundlePeers(['echo-backend', 'portico-gateway']);
  const started: PinnedProcess[] = [];
  try {
    const echo = await startPinned({ name: 'echo backend', script: peers.path('echo-backend'), cpu: LOAD_CPU });
    started.push(echo);
    const served: Served[] = [];
    for (const size of [SMALL, LARGE]) {
      let view: GatewayView | undefined = scaleView({ ...size, backendUrl: echo.url, key: KEY });
      const encodeStarted = performance.now();
      const bytes = toBinary(GatewayViewSchema, view);
      const encodeMs = performance.now() - encodeStarted;
      const operations = view.apis.reduce((sum, api) => sum + api.operations.length, 0);
      const subscriptions = view.subscriptions.length;
      view = undefined;
      const file = join(dir, `view-${size.apis}.bin`);
      writeFileSync(file, bytes);
      const gateway = await startPinned({
        name: `gateway with ${size.apis} APIs`,
        script: peers.path('portico-gateway'),
        args: ['--view-file', file],
        cpu: CONTENDER_CPU,
        nodeFlags: ['--max-old-space-size=8192', '--expose-gc'],
        readyTimeoutMs: 300_000,
      });
      started.push(gateway);
      const script = join(dir, `rotate-${size.apis}.lua`);
      writeFileSync(script, rotatingScript(size.apis));
      served.push({
        label: `${size.apis.toLocaleString('en')} APIs`,
        apis: size.apis,
        operations,
        subscriptions,
        bytes: bytes.length,
        encodeMs,
        gateway,
        script,
        runs: [],
      });
    }
    const [small, large] = served as [Served, Served];

    for (const s of served) {
      const res = await fetch(`${s.gateway.url}/svc${s.apis - 1}/v1/items/1`, { headers: { [KEY_HEADER]: KEY } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${s.label}: GET /svc${s.apis - 1}/v1/items/1 answered ${res.status}`);
      await runWrk({
        url: s.gateway.url,
        connections: CONNECTIONS,
        durationSeconds: WARMUP_SECONDS,
        headers: { [KEY_HEADER]: KEY },
        script: s.script,
        cpu: LOAD_CPU,
      });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < served.length; i++) {
        const s = served[(i + round) % served.length]!;
        const cpuBefore = readCpuMicros(s.gateway.pid);
        const result = await runWrk({
          url: s.gateway.url,
          connections: CONNECTIONS,
          durationSeconds: SECONDS,
          headers: { [KEY_HEADER]: KEY },
          script: s.script,
          cpu: LOAD_CPU,
        });
        if (result.non2xx > 0 || result.socketErrors > 0)
          throw new Error(`${s.label}: ${result.non2xx} non-2xx, ${result.socketErrors} socket errors`);
        s.runs.push({ ...result, cpuUsPerRequest: (readCpuMicros(s.gateway.pid) - cpuBefore) / result.requests });
      }
    }

    const detail = (s: Served, key: string): number => Number(s.gateway.details[key]);
    const applyMs = (s: Served): number => detail(s, 'decodeMs') + detail(s, 'startMs');
    console.log(`Config at scale, applied by a fresh gateway agent pinned to core ${CONTENDER_CPU}; node ${process.version}`);
    printTable(
      [
        'view',
        'APIs',
        'operations',
        'subscriptions',
        'encoded',
        'encode',
        'decode',
        'compile (agent start)',
        'apply',
        'heap after',
        'RSS after apply',
        'RSS after load',
      ],
      served.map((s) => [
        s.label,
        s.apis.toLocaleString('en'),
        s.operations.toLocaleString('en'),
        s.subscriptions.toLocaleString('en'),
        mib(s.bytes),
        `${(s.encodeMs / 1000).toFixed(2)} s`,
        `${(detail(s, 'decodeMs') / 1000).toFixed(2)} s`,
        `${(detail(s, 'startMs') / 1000).toFixed(2)} s`,
        `${(applyMs(s) / 1000).toFixed(2)} s`,
        mib(detail(s, 'heapAfterBytes') - detail(s, 'heapBeforeBytes')),
        mib(detail(s, 'rssAfterBytes')),
        mib(readMemory(s.gateway.pid).rssBytes),
      ]),
    );
    const rps = (s: Served) => median(s.runs.map((r) => r.requestsPerSecond));
    const cpu = (s: Served) => median(s.runs.map((r) => r.cpuUsPerRequest));
    console.log(
      `\nRouting, ${ROUNDS} interleaved rounds of wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, each request to another API and backend (medians)`,
    );
    printTable(
      ['view', 'req/s', 'CPU µs/req', 'p50', 'p99'],
      served.map((s) => [
        s.label,
        rps(s).toFixed(0),
        cpu(s).toFixed(1),
        `${(median(s.runs.map((r) => r.p50Us)) / 1000).toFixed(2)} ms`,
        `${(median(s.runs.map((r) => r.p99Us)) / 1000).toFixed(2)} ms`,
      ]),
    );
    const throughputRatio = rps(large) / rps(small);
    const cpuRatio = cpu(large) / cpu(small);
    console.log('');
    printTable(
      ['DESIGN §12 bar', 'target', 'measured', 'met'],
      [
        [
          'snapshot applied (decode + compile)',
          '< 3 s',
          `${(applyMs(large) / 1000).toFixed(2)} s`,
          applyMs(large) < APPLY_TARGET_MS ? 'yes' : 'NO',
        ],
        ['routing flat: req/s 10,000 / 10 APIs', '~1.0', throughputRatio.toFixed(2), throughputRatio >= 0.9 ? 'yes' : 'NO'],
        ['routing flat: CPU/req 10,000 / 10 APIs', '~1.0', cpuRatio.toFixed(2), cpuRatio <= 1.1 ? 'yes' : 'NO'],
      ],
    );
    console.log(
      keyValueLine({
        encoded_mb: large.bytes / 1024 / 1024,
        encode_s: large.encodeMs / 1000,
        decode_s: detail(large, 'decodeMs') / 1000,
        compile_s: detail(large, 'startMs') / 1000,
        apply_s: applyMs(large) / 1000,
        heap_mb: (detail(large, 'heapAfterBytes') - detail(large, 'heapBeforeBytes')) / 1024 / 1024,
        rss_after_apply_mb: detail(large, 'rssAfterBytes') / 1024 / 1024,
        small_rps: Math.round(rps(small)),
        large_rps: Math.round(rps(large)),
        routing_rps_ratio: throughputRatio,
        routing_cpu_ratio: cpuRatio,
      }),
    );
  } finally {
    await Promise.all(started.map((peer) => peer.stop()));
    rmSync(dir, { recursive: true, force: true });
    peers.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
