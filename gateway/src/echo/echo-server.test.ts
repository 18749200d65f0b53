import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../runtime/testing.js';
import { startEchoServer, type EchoServer } from './index.js';

describe('echo server', () => {
  let echo: EchoServer;

  beforeAll(async () => {
    echo = await startEchoServer();
  });

  afterAll(async () => {
    await echo.close();
  });

  it('echoes method, path, query, headers and body', async () => {
    const res = await call(`${echo.url}/anything/x?a=1`, { method: 'PUT', headers: { 'x-test': 'yes' }, body: 'hello' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ method: 'PUT', path: '/anything/x', query: { a: '1' }, body: 'hello', bodyBytes: 5 });
    expect(res.json<{ headers: Record<string, string> }>().headers['x-test']).toBe('yes');
  });

  it('answers /status/<code> with that status', async () => {
    expect((await call(`${echo.url}/status/418`)).status).toBe(418);
    expect((await call(`${echo.url}/status/204`)).status).toBe(204);
    expect((await call(`${echo.url}/status/99`)).status).toBe(400);
  });

  it('waits on /delay/<ms>', async () => {
    const started = Date.now();
    const res = await call(`${echo.url}/delay/120`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('streams /bytes/<n>', async () => {
    const res = await call(`${echo.url}/bytes/200000`);
    expect(res.body.length).toBe(200000);
    expect(res.headers['content-length']).toBe('200000');
  });

  it('answers a bare GET / cheaply', async () => {
    const res = await call(`${echo.url}/`);
    expect([res.status, res.text]).toEqual([200, 'ok\n']);
  });
});
