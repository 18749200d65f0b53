/**
 * Gateway throughput, CPU per request, memory and added latency (DESIGN §12), side by side in
 * one run: a bare undici pass-through proxy, fast-gateway 3.4.7 and the Portico gateway (one
 * API, a protected product, key auth on), each a separate process pinned to core 1, in front of
 * the echo backend; wrk and the backend share core 0. Rounds interleave the contenders so drift
 * on a shared machine hits them alike; medians are reported. Run by hand:
 *
 *   npm run bench:gateway --workspace load-tests
 *
 * BENCH_SECONDS (default 5) and BENCH_ROUNDS (default 5) set the load runs.
 */
import { bundlePeers } from './lib/peer-bundle.js';
import { startPinned, type PinnedProcess } from './lib/pinned-process.js';
import { readCpuMicros, readMemory } from './lib/process-stats.js';
import { keyValueLine, median, mib, printTable } from './lib/table.js';
import { KEY_HEADER } from './lib/gateway-views.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LATENCY_SECONDS = 3;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;
const KEY = 'bench-subscription-key-0123456789abcdef';
const PATH = '/bench/items/42';
const CONTENDER_CPU = 1;
const LOAD_CPU = 0;

interface Contender {
  name: string;
  process: PinnedProcess;
  /** The URL wrk calls. */
  url: string;
  headers: Record<string, string>;
  runs: Array<WrkResult & { cpuUsPerRequest: number }>;
  latency: WrkResult[];
}

async function measure(contender: Contender): Promise<void> {
  const pid = contender.process.pid;
  const cpuBefore = readCpuMicros(pid);
  const result = await runWrk({
    url: contender.url,
    connections: CONNECTIONS,
    durationSeconds: SECONDS,
    headers: contender.headers,
    cpu: LOAD_CPU,
  });
  const cpu = readCpuMicros(pid) - cpuBefore;
  if (result.non2xx > 0 || result.socketErrors > 0) {
    throw new Error(`${contender.name}: ${result.non2xx} non-2xx responses, ${result.socketErrors} socket errors`);
  }
  contender.runs.push({ ...result, cpuUsPerRequest: cpu / result.requests });
}

async function check(url: string, headers: Record<string, string>, expected: number): Promise<void> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`GET ${url}: ${res.status}, expected ${expected}`);
}

async function main() {
  const peers = await bundlePeers(['echo-backend', 'bare-undici-proxy', 'fast-gateway-proxy', 'portico-gateway']);
  const started: PinnedProcess[] = [];
  const start = async (...args: Parameters<typeof startPinned>) => {
    const peer = await startPinned(...args);
    started.push(peer);
    return peer;
  };
  try {
    const echo = await start({ name: 'echo backend', script: peers.path('echo-backend'), cpu: LOAD_CPU });
    const backend = ['--backend', echo.url];
    const [bare, fastGateway, portico] = await Promise.all([
      start({
        name: 'bare undici proxy',
        script: peers.path('bare-undici-proxy'),
        args: [...backend, '--strip-prefix', '/bench'],
        cpu: CONTENDER_CPU,
      }),
      start({
        name: 'fast-gateway 3.4.7',
        script: peers.path('fast-gateway-proxy'),
        args: [...backend, '--prefix', '/bench'],
        cpu: CONTENDER_CPU,
      }),
      start({
        name: 'Portico gateway',
        script: peers.path('portico-gateway'),
        args: [...backend, '--key', KEY],
        cpu: CONTENDER_CPU,
      }),
    ]);
    const contenders: Contender[] = [
      { name: 'bare undici proxy', process: bare, url: bare.url + PATH, headers: {}, runs: [], latency: [] },
      { name: 'fast-gateway 3.4.7', process: fastGateway, url: fastGateway.url + PATH, headers: {}, runs: [], latency: [] },
      {
        name: 'Portico (key auth)',
        process: portico,
        url: portico.url + PATH,
        headers: { [KEY_HEADER]: KEY },
        runs: [],
        latency: [],
      },
    ];
    // Key auth is on: no key is a 401, the key is a 200.
    await check(portico.url + PATH, {}, 401);
    for (const c of contenders) await check(c.url, c.headers, 200);
    await check(echo.url + '/items/42', {}, 200);

    for (const c of contenders)
      await runWrk({ url: c.url, connections: CONNECTIONS, durationSeconds: WARMUP_SECONDS, headers: c.headers, cpu: LOAD_CPU });
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no contender always runs first (or right after another).
      for (let i = 0; i < contenders.length; i++) await measure(contenders[(i + round) % contenders.length]!);
    }
    const memory = contenders.map((c) => readMemory(c.process.pid));

    // Added latency at one connection, against the backend called directly.
    const direct: WrkResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      direct.push(await runWrk({ url: echo.url + '/items/42', connections: 1, durationSeconds: LATENCY_SECONDS, cpu: LOAD_CPU }));
      for (const c of contenders) {
        c.latency.push(
          await runWrk({ url: c.url, connections: 1, durationSeconds: LATENCY_SECONDS, headers: c.headers, cpu: LOAD_CPU }),
        );
      }
    }
    const directP50 = median(direct.map((r) => r.p50Us));

    const summary = contenders.map((c, i) => ({
      name: c.name,
      rps: median(c.runs.map((r) => r.requestsPerSecond)),
      rpsRange: [Math.min(...c.runs.map((r) => r.requestsPerSecond)), Math.max(...c.runs.map((r) => r.requestsPerSecond))],
      cpuUs: median(c.runs.map((r) => r.cpuUsPerRequest)),
      p50: median(c.runs.map((r) => r.p50Us)),
      p99: median(c.runs.map((r) => r.p99Us)),
      c1p50: median(c.latency.map((r) => r.p50Us)),
      ...memory[i]!,
    }));
    const [bareRow, fastRow, porticoRow] = summary as [(typeof summary)[0], (typeof summary)[0], (typeof summary)[0]];

    console.log(
      `Proxy throughput, ${ROUNDS} interleaved rounds of wrk -t1 -c${CONNECTIONS} -d${SECONDS}s (medians); each contender pinned to core ${CONTENDER_CPU}, ` +
        `wrk and the echo backend on core ${LOAD_CPU}; node ${process.version}`,
    );
    printTable(
      ['contender', 'req/s', 'range', 'CPU µs/req', 'p50', 'p99', 'p50 at -c1', 'added p50 at -c1', 'RSS after load', 'peak RSS'],
      [
        ['echo backend, direct', '', '', '', '', '', `${directP50.toFixed(0)} µs`, '', '', ''],
        ...summary.map((s) => [
          s.name,
          s.rps.toFixed(0),
          `${s.rpsRange[0]!.toFixed(0)}–${s.rpsRange[1]!.toFixed(0)}`,
          s.cpuUs.toFixed(1),
          `${(s.p50 / 1000).toFixed(2)} ms`,
          `${(s.p99 / 1000).toFixed(2)} ms`,
          `${s.c1p50.toFixed(0)} µs`,
          `${(s.c1p50 - directP50).toFixed(0)} µs`,
          mib(s.rssBytes),
          mib(s.peakRssBytes),
        ]),
      ],
    );
    const ratios = {
      throughputVsBare: porticoRow.rps / bareRow.rps,
      throughputVsFastGateway: porticoRow.rps / fastRow.rps,
      cpuVsBare: porticoRow.cpuUs / bareRow.cpuUs,
      cpuVsFastGateway: porticoRow.cpuUs / fastRow.cpuUs,
    };
    const addedOverBare = porticoRow.c1p50 - bareRow.c1p50;
    console.log('');
    printTable(
      ['DESIGN §12 bar', 'target', 'measured', 'met'],
      [
        [
          'throughput vs bare proxy',
          '≥ 0.90×',
          `${ratios.throughputVsBare.toFixed(2)}×`,
          ratios.throughputVsBare >= 0.9 ? 'yes' : 'NO',
        ],
        ['CPU per request', '≤ 85 µs', `${porticoRow.cpuUs.toFixed(1)} µs`, porticoRow.cpuUs <= 85 ? 'yes' : 'NO'],
        [
          'added p50 at -c1 over the bare proxy',
          '< 100 µs',
          `${addedOverBare.toFixed(0)} µs`,
          addedOverBare < 100 ? 'yes' : 'NO',
        ],
        [
          'RSS under load (peak)',
          '< 150 MB',
          mib(porticoRow.peakRssBytes),
          porticoRow.peakRssBytes < 150 * 1024 * 1024 ? 'yes' : 'NO',
        ],
      ],
    );
    console.log(
      `\nPortico / bare: throughput ${ratios.throughputVsBare.toFixed(2)}×, CPU ${ratios.cpuVsBare.toFixed(2)}×; ` +
        `Portico / fast-gateway: throughput ${ratios.throughputVsFastGateway.toFixed(2)}×, CPU ${ratios.cpuVsFastGateway.toFixed(2)}×`,
    );
    console.log(
      keyValueLine({
        bare_rps: Math.round(bareRow.rps),
        fast_gateway_rps: Math.round(fastRow.rps),
        portico_rps: Math.round(porticoRow.rps),
        bare_cpu_us: bareRow.cpuUs,
        fast_gateway_cpu_us: fastRow.cpuUs,
        portico_cpu_us: porticoRow.cpuUs,
        portico_vs_bare: ratios.throughputVsBare,
        portico_vs_fast_gateway: ratios.throughputVsFastGateway,
        portico_cpu_vs_bare: ratios.cpuVsBare,
        direct_c1_p50_us: Math.round(directP50),
        bare_c1_p50_us: Math.round(bareRow.c1p50),
        portico_c1_p50_us: Math.round(porticoRow.c1p50),
        portico_added_p50_over_bare_us: Math.round(addedOverBare),
        portico_peak_rss_mb: Math.round(porticoRow.peakRssBytes / 1024 / 1024),
      }),
    );
  } finally {
    await Promise.all(started.map((peer) => peer.stop()));
    peers.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
