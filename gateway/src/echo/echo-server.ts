import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bodies beyond this are counted, not echoed. */
const MAX_ECHO_BODY = 64 * 1024;
const MAX_DELAY_MS = 60_000;
const MAX_BYTES = 1024 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const PLAIN = Buffer.from('ok\n');

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function echo(req: IncomingMessage, res: ServerResponse, path: string, query: string, status = 200): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (size < MAX_ECHO_BODY) chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    sendJson(res, status, {
      method: req.method,
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers: req.headers,
      body: text.length > MAX_ECHO_BODY ? text.slice(0, MAX_ECHO_BODY) : text,
      bodyBytes: size,
    });
  });
}

function streamBytes(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let left = total;
  const writeMore = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const more = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (!more && left > 0) {
        res.once('drain', writeMore);
        return;
      }
    }
    res.end();
  };
  writeMore();
}

function handleEcho(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  // The benchmark path: a bare GET / answers without parsing anything.
  if (url === '/') {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': PLAIN.length });
    res.end(PLAIN);
    return;
  }
  const question = url.indexOf('?');
  const path = question === -1 ? url : url.slice(0, question);
  const query = question === -1 ? '' : url.slice(question + 1);
  const [, first = '', second = ''] = path.split('/');
  if (first === 'status') {
    const code = Number(second);
    if (!Number.isInteger(code) || code < 200 || code > 599) return sendJson(res, 400, { error: 'status must be 200–599' });
    if (code === 204 || code === 304) {
      req.resume();
      res.writeHead(code);
      res.end();
      return;
    }
    return echo(req, res, path, query, code);
  }
  if (first === 'delay') {
    const ms = Number(second);
    if (!Number.isFinite(ms) || ms < 0) return sendJson(res, 400, { error: 'delay must be a number of milliseconds' });
    const timer = setTimeout(() => echo(req, res, path, query), Math.min(ms, MAX_DELAY_MS));
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (first === 'bytes') {
    const n = Number(second);
    if (!Number.isInteger(n) || n < 0 || n > MAX_BYTES) return sendJson(res, 400, { error: 'bytes must be 0–1 GiB' });
    req.resume();
    return streamBytes(res, n);
  }
  echo(req, res, path, query);
}

export interface EchoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the echo backend used by the quick start, tests and benchmarks: `/anything…` echoes
 * `{ method, path, query, headers, body }`, `/status/<code>`, `/delay/<ms>`, `/bytes/<n>`.
 *
 * @example
 * const echo = await startEchoServer({ port: 0 });
 * await fetch(`${echo.url}/anything?x=1`); // → { method: 'GET', path: '/anything', query: { x: '1' }, … }
 * await echo.close();
 */
export async function startEchoServer(options: { host?: string; port?: number } = {}): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, handleEcho);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
