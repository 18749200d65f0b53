/**
 * The fast baseline: node:http in front of one keep-alive undici Pool, streaming both bodies
 * and dropping hop-by-hop headers, and nothing else (no routing, auth or telemetry).
 *
 *   node --import tsx bare-undici-proxy.ts --backend http://127.0.0.1:8080 --strip-prefix /bench
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { announceReady } from '../lib/peer-ready.js';

const { values } = parseArgs({ options: { backend: { type: 'string' }, 'strip-prefix': { type: 'string', default: '' } } });
if (!values.backend) throw new Error('--backend is required');
const prefixLength = values['strip-prefix'].length;

const pool = new Pool(values.backend, { keepAliveTimeout: 60_000 });

// RFC 9110 §7.6.1: connection-specific headers are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function requestHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

function responseHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function proxy(req: IncomingMessage, res: ServerResponse): void {
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    {
      method: req.method as Dispatcher.HttpMethod,
      path: (req.url ?? '/').slice(prefixLength) || '/',
      headers: requestHeaders(req.rawHeaders),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }): Writable => {
      res.writeHead(statusCode, responseHeaders(headers));
      return res;
    },
    (error) => {
      if (!error) return;
      if (res.headersSent) res.destroy(error);
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway\n');
      }
    },
  );
}

const server = createServer({ keepAliveTimeout: 65_000 }, proxy);
server.listen(0, '127.0.0.1', () => announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
