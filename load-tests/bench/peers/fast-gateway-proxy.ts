/**
 * fast-gateway 3.4.7 (restana + fast-proxy-lite, keep-alive http.Agent) with one route to the
 * backend, prefix stripped as the other contenders do.
 *
 *   node --import tsx fast-gateway-proxy.ts --backend http://127.0.0.1:8080 --prefix /bench
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import gateway from 'fast-gateway';
import { announceReady } from '../lib/peer-ready.js';

const { values } = parseArgs({ options: { backend: { type: 'string' }, prefix: { type: 'string', default: '/bench' } } });
if (!values.backend) throw new Error('--backend is required');

const server = await gateway({ routes: [{ prefix: values.prefix, target: values.backend }] }).start(0, '127.0.0.1');
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
