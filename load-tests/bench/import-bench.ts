/**
 * API import benchmark (issue #3): imports a generated OpenAPI spec with 2,000 operations and a
 * ~5 MB spec through the REST API of a real control plane on PostgreSQL, end to end (parse,
 * validate, write), and prints a table against the targets. Run by hand:
 *
 *   npm run bench:import --workspace load-tests
 *
 * Uses DATABASE_URL when set, else a throwaway database on postgres://postgres@127.0.0.1:5432.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { createControlPlane, createLogger, loadConfig } from '@portico/control-plane';

const RUNS = 3;

function operation(i: number, padding: number) {
  const schema = {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: { type: 'integer', format: 'int64', description: `Identifier of item ${i}` },
      name: { type: 'string', maxLength: 200, description: 'x'.repeat(padding) },
      tags: { type: 'array', items: { type: 'string' } },
      owner: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } } },
    },
  };
  return {
    [`/resources${i}/{id}`]: {
      get: {
        operationId: `getResource${i}`,
        summary: `Get resource ${i}`,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
          { name: 'expand', in: 'query', schema: { type: 'string', enum: ['owner', 'tags'] } },
        ],
        responses: {
          200: {
            description: 'The resource',
            content: { 'application/json': { schema, example: { id: i, name: `item ${i}`, tags: ['a'] } } },
          },
          404: { description: 'Not found' },
        },
      },
      put: {
        operationId: `putResource${i}`,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        requestBody: { required: true, content: { 'application/json': { schema } } },
        responses: { 200: { description: 'Updated', content: { 'application/json': { schema } } } },
      },
    },
  };
}

function spec(paths: number, padding: number): string {
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: `Generated ${paths * 2} operations`, version: '1.0.0' },
    servers: [{ url: 'https://backend.example.com/v1' }],
    paths: Object.assign({}, ...Array.from({ length: paths }, (_, i) => operation(i, padding))) as Record<string, unknown>,
  });
}

async function throwawayDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `portico_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  const database = process.env.DATABASE_URL ? { url: process.env.DATABASE_URL, drop: async () => {} } : await throwawayDatabase();
  const config = {
    ...loadConfig({ ...process.env, DATABASE_URL: database.url, PORTICO_DATA_DIR: '/tmp/portico-bench' }),
    port: 0,
    host: '127.0.0.1',
    seedDemo: false,
  };
  const controlPlane = await createControlPlane(config, createLogger('warn'));
  const base = `http://127.0.0.1:${await controlPlane.listen()}/api/v1`;
  try {
    const signUp = await fetch(`${base}/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${Date.now()}@example.com`,
        password: 'benchmark password',
        name: 'Bench',
        organization: 'Bench',
      }),
    });
    const session = (await signUp.json()) as { workspace: { id: string }; csrfToken: string };
    const cookie = signUp.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken };

    const cases = [
      { name: '2,000 operations', text: spec(1000, 40), targetSeconds: 5 },
      { name: '~5 MB spec', text: spec(1200, 950), targetSeconds: 15 },
    ];
    const rows: string[][] = [];
    for (const c of cases) {
      const times: number[] = [];
      let operations = 0;
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const res = await fetch(`${base}/workspaces/${session.workspace.id}/apis/import`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ source: { content: c.text }, path: `bench-${run}-${randomBytes(3).toString('hex')}` }),
        });
        const body = (await res.json()) as { created?: number; error?: unknown };
        times.push((performance.now() - started) / 1000);
        if (!res.ok) throw new Error(`import failed: ${JSON.stringify(body.error)}`);
        operations = body.created ?? 0;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      rows.push([
        c.name,
        `${(c.text.length / 1024 / 1024).toFixed(2)} MB`,
        String(operations),
        `${median.toFixed(2)} s`,
        `${times[0]!.toFixed(2)}–${times.at(-1)!.toFixed(2)} s`,
        `< ${c.targetSeconds} s`,
        `${(median / c.targetSeconds).toFixed(2)}`,
        median < c.targetSeconds ? 'yes' : 'NO',
      ]);
    }
    const header = ['spec', 'size', 'operations', 'median', 'range', 'target', 'median/target', 'met'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(`API import through POST /api/v1/workspaces/{id}/apis/import, ${RUNS} runs each, node ${process.version}`);
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of rows) console.log(line(row));
  } finally {
    await controlPlane.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
