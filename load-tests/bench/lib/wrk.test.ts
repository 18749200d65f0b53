import { describe, expect, it } from 'vitest';
import { parseWrkOutput } from './wrk.js';

const REPORT = `Running 10s test @ http://127.0.0.1:41000/bench/items/42
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.51ms  612.30us  24.01ms   93.12%
    Req/Sec    12.86k   701.23    13.90k    85.00%
  Latency Distribution
     50%    2.41ms
     75%  789.00us
     90%    1.02s
     99%   12.50ms
  128012 requests in 10.01s, 41.21MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  12788.41
Transfer/sec:      4.12MB
`;

describe('parseWrkOutput', () => {
  it('reads throughput, percentiles in microseconds and errors', () => {
    expect(parseWrkOutput(REPORT)).toEqual({
      requests: 128012,
      seconds: 10.01,
      requestsPerSecond: 12788.41,
      p50Us: 2410,
      p75Us: 789,
      p90Us: 1_020_000,
      p99Us: 12_500,
      non2xx: 7,
      socketErrors: 6,
    });
  });

  it('counts no errors when wrk reports none', () => {
    const clean = REPORT.replace(/^\s*Socket errors.*\n/m, '').replace(/^\s*Non-2xx.*\n/m, '');
    expect(parseWrkOutput(clean)).toMatchObject({ non2xx: 0, socketErrors: 0 });
  });

  it('refuses a report without the latency distribution', () => {
    expect(() => parseWrkOutput(REPORT.replace(/Latency Distribution[\s\S]*?(?=\s+\d+ requests)/, ''))).toThrow(/50% latency/);
  });
});
