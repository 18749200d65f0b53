import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../src/control-plane.js';
import { openPostgres } from '../src/db/client.js';
import { createLogger } from '../src/lib/logger.js';
import { createHarness, testConfig, type Harness } from './harness.js';
import { adminClient, databaseUrl, freshDatabaseName } from './postgres.js';

describe('health endpoints', () => {
  let h: Harness;
  let cp: ControlPlane;
  let base: string;

  beforeAll(async () => {
    h = await createHarness();
    cp = await createControlPlane(
      testConfig({ databaseUrl: h.database.url, port: 0, host: '127.0.0.1' }),
      createLogger('silent'),
      {
        ...h.database,
        close: async () => {},
      },
    );
    base = `http://127.0.0.1:${await cp.listen()}`;
  });
  afterAll(async () => {
    await cp.close();
    await h.close();
  });

  it('/healthz answers while the process is up', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('/readyz answers 200 when the database is reachable and migrated', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
  });

  it('/readyz answers 503 when migrations are missing, and 200 once applied', async () => {
    const name = freshDatabaseName();
    const admin = adminClient();
    await admin.unsafe(`create database "${name}"`);
    const empty = await openPostgres(databaseUrl(name), { max: 1 });
    try {
      expect(await empty.ready()).toBe(false);
      await empty.migrate();
      expect(await empty.ready()).toBe(true);
    } finally {
      await empty.close();
      await admin.unsafe(`drop database "${name}" with (force)`);
      await admin.end();
    }
  });

  it('/readyz answers 503 when the database is unreachable', async () => {
    const unreachable = await openPostgres('postgres://postgres@127.0.0.1:1/nowhere', { max: 1 });
    try {
      expect(await unreachable.ready()).toBe(false);
    } finally {
      await unreachable.close();
    }
  });

  it('serves an OpenAPI 3.1 document describing the REST API and its error model', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/workspaces', '/workspaces/{workspaceId}', '/tokens', '/audit-log', '/auth/sign-in']),
    );
    expect(doc.paths['/auth/sign-in']!.post!.security ?? []).toEqual([]);
    expect(doc.paths['/workspaces']!.post!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/workspaces']!.post!.responses['400']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('answers unknown routes with the error model', async () => {
    const res = await fetch(`${base}/api/v1/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'CP_ERR_NOT_FOUND' } });
    const wrongMethod = await fetch(`${base}/api/v1/workspaces`, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });
});
