/**
 * The Portico gateway agent serving a fixed view, without a control plane: either the
 * single-API view (`--backend <url> --key <key>`) or a view read from a file written with
 * `toBinary(GatewayViewSchema, view)` (`--view-file <path>`). Its ready line reports how long
 * decoding and starting (compiling the view, then listening) took, and memory before and after
 * (exact heap figures when run with --expose-gc).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fromBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema } from '@portico/proto';
// Not exported by @portico/gateway yet: the bench needs the agent itself.
import { GatewayAgent } from '@portico/gateway/agent';
import { singleApiView } from '../lib/gateway-views.js';
import { announceReady } from '../lib/peer-ready.js';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, key: { type: 'string' }, 'view-file': { type: 'string' } },
});

const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
function memory(): { rss: number; heapUsed: number } {
  collect();
  return process.memoryUsage();
}

const bytes = values['view-file'] ? readFileSync(values['view-file']) : undefined;
const before = memory();
const decodeStarted = performance.now();
let initialView;
if (bytes) initialView = fromBinary(GatewayViewSchema, bytes);
else if (values.backend && values.key) initialView = singleApiView(values.backend, values.key);
else throw new Error('--view-file, or --backend and --key, are required');
const decodeMs = performance.now() - decodeStarted;

const startStarted = performance.now();
const agent = await GatewayAgent.start({
  tenantId: initialView.tenantId,
  gatewayId: initialView.gatewayId,
  accessToken: 'bench',
  instanceId: 'bench-1',
  initialView,
  port: 0,
  host: '127.0.0.1',
  log: (level, message, fields) => {
    if (level !== 'info') process.stderr.write(`${level}: ${message} ${JSON.stringify(fields ?? {})}\n`);
  },
});
const startMs = performance.now() - startStarted;
if (!agent.ready) throw new Error('the agent did not apply the view (see stderr)');
const after = memory();
announceReady({
  url: agent.trafficUrl,
  decodeMs,
  startMs,
  rssBeforeBytes: before.rss,
  heapBeforeBytes: before.heapUsed,
  rssAfterBytes: after.rss,
  heapAfterBytes: after.heapUsed,
});
