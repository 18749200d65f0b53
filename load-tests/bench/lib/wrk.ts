import { execFile } from 'node:child_process';

/** What one wrk run measured; latencies in microseconds. */
export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Us: number;
  p75Us: number;
  p90Us: number;
  p99Us: number;
  /** Responses outside 2xx/3xx. */
  non2xx: number;
  /** connect + read + write + timeout errors. */
  socketErrors: number;
}

export interface WrkOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** A Lua script (`-s`), e.g. to rotate request paths. */
  script?: string;
  /** The core wrk is pinned to. */
  cpu: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 };

function durationUs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot read duration '${text}'`);
  return Number(match[1]) * UNIT_US[match[2]!]!;
}

function secondsOf(text: string): number {
  return durationUs(text) / 1_000_000;
}

/** Reads the report `wrk --latency` prints. Throws when a figure is missing, so a bad run cannot pass for a slow one. */
export function parseWrkOutput(output: string): WrkResult {
  const percentile = (p: number): number => {
    const match = new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm').exec(output);
    if (!match) throw new Error(`wrk: no ${p}% latency in output (run with --latency):\n${output}`);
    return durationUs(match[1]!);
  };
  const total = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(output);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!total || !rate) throw new Error(`wrk: no request count in output:\n${output}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: secondsOf(total[2]!),
    requestsPerSecond: Number(rate[1]),
    p50Us: percentile(50),
    p75Us: percentile(75),
    p90Us: percentile(90),
    p99Us: percentile(99),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** Runs `wrk -t1 --latency` pinned to one core and parses its report. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    '-c',
    String(options.cpu),
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--latency',
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (options.script) args.push('-s', options.script);
  args.push(options.url);
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { timeout: (options.durationSeconds + 15) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      try {
        resolve(parseWrkOutput(stdout));
      } catch (parseError) {
        reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
      }
    });
  });
}
