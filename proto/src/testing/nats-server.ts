import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real nats-server for tests, on 127.0.0.1 and a free port. `restart()` brings it back on the
 * same port (outage tests: clients configured with the URL reconnect to it), also after `stop()`.
 *
 * @example
 * const nats = await startNatsServer({ maxPayload: 64 * 1024 });
 * afterAll(() => nats.stop());
 * const transport = await connectControlPlaneTransport({ servers: nats.url });
 */
export interface NatsServerHandle {
  url: string;
  port: number;
  /** Kills the server (and its JetStream store). Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the server if it runs, then starts it again on the same port (keeping the JetStream store). */
  restart(): Promise<void>;
}

export interface NatsServerOptions {
  /** The server's `max_payload` in bytes (default: the server's 1 MiB). */
  maxPayload?: number;
  jetstream?: boolean;
  /** More nats-server config, appended as is (e.g. an `authorization { … }` block). */
  extraConfig?: string;
}

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Servers still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const port = await freePort();
  let dir: string | undefined;
  let child: ChildProcess | undefined;

  // 2.9 has no `--max_payload` flag (see `nats-server --help`), so settings go in a config file.
  function writeConfig(): string {
    dir ??= mkdtempSync(path.join(tmpdir(), 'portico-nats-'));
    const lines = [`listen: "127.0.0.1:${port}"`];
    if (options.maxPayload !== undefined) lines.push(`max_payload: ${options.maxPayload}`);
    if (options.jetstream) lines.push(`jetstream: { store_dir: ${JSON.stringify(path.join(dir, 'js'))} }`);
    if (options.extraConfig) lines.push(options.extraConfig);
    const file = path.join(dir, 'nats.conf');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  async function start(): Promise<void> {
    const config = writeConfig();
    const proc = spawn(NATS_SERVER, ['-c', config, '-a', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running.add(proc);
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code, signal) =>
        reject(new Error(`nats-server exited (${signal ?? `code ${code}`}) before accepting connections:\n${stderr}`)),
      );
    });
    exited.catch(() => running.delete(proc));
    try {
      await Promise.race([waitUntilAccepting(port, START_TIMEOUT_MS), exited]);
    } catch (error) {
      await kill(proc);
      throw error;
    }
    child = proc;
  }

  async function halt(): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc) await kill(proc);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
    async restart() {
      await halt();
      await start();
    },
  };
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    running.delete(proc);
    return;
  }
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  running.delete(proc);
}

/** A port nothing listens on now (the OS picks it; another process could take it before the server does). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Resolves once a client connecting to the port gets the server's INFO line. */
async function waitUntilAccepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not accept connections on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('INFO')));
  });
}
