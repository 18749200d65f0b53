import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { READY_PREFIX } from './peer-ready.js';

/** A peer process pinned to one core; `url` is where it serves, "" for a peer that only measures. */
export interface PinnedProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Everything the peer put in its ready line. */
  readonly details: Record<string, string | number>;
  stop(): Promise<void>;
}

export interface PinnedProcessOptions {
  name: string;
  /** The peer's JavaScript file (see `bundlePeers`). */
  script: string;
  args?: string[];
  cpu: number;
  /** Extra node flags, e.g. `--max-old-space-size=8192`. */
  nodeFlags?: string[];
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();

// A bench that throws or is interrupted must not leave peers serving (or spinning) behind it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/**
 * Starts a peer under `taskset -c <cpu>` (taskset execs node, so the pid is the peer's own and
 * /proc/<pid> counts its CPU alone) and waits for its `ready {…}` line.
 */
export async function startPinned(options: PinnedProcessOptions): Promise<PinnedProcess> {
  const child = spawn(
    'taskset',
    ['-c', String(options.cpu), process.execPath, ...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const details = await new Promise<Record<string, string | number>>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(
        () => reject(new Error(`${options.name} not ready within ${options.readyTimeoutMs ?? 20_000} ms\n${stderr}`)),
        options.readyTimeoutMs ?? 20_000,
      );
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith(READY_PREFIX)) continue;
          clearTimeout(timer);
          resolve(JSON.parse(line.slice(READY_PREFIX.length)) as Record<string, string | number>);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${code ?? signal}) before it was ready\n${stderr}`));
      });
    });
    return { name: options.name, pid: child.pid!, url: String(details.url ?? ''), details, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
