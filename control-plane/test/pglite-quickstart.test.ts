import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './http-client.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * The quick start as a new user runs it: no DATABASE_URL, so embedded PGlite under the data
 * dir; the same migrations; a seeded demo tenant whose credentials work.
 */
describe('quick start on embedded PGlite', () => {
  let child: ChildProcess;
  let dataDir: string;
  let base: string;
  let gatewayPort: number;
  let output = '';
  const started = Date.now();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'portico-quickstart-'));
    const port = await freePort();
    gatewayPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_PORT: String(port),
      PORTICO_HOST: '127.0.0.1',
      PORTICO_GATEWAY_PORT: String(gatewayPort),
      PORTICO_GATEWAY_ADMIN_PORT: String(await freePort()),
      PORTICO_ECHO_PORT: String(await freePort()),
    };
    delete env.PORTICO_NATS_URL;
    delete env.DATABASE_URL;
    delete env.PORTICO_SECRET_KEY;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: path.resolve(import.meta.dirname, '..'), env });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  }, 10_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  // A bound on "it starts at all", not a speed claim: PGlite's initdb takes 2–8 s when idle and
  // much longer on a machine busy with other test files.
  it('answers /readyz', async () => {
    let status = 0;
    while (Date.now() - started < 90_000 && status !== 200) {
      status = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, output).toBe(200);
  }, 95_000);

  it('serves the demo API through the embedded gateway: 200 with the demo key, 401 without', async () => {
    while (!output.includes('Try it:') && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(output, output).toContain('Try it:');
    const env = readFileSync(path.join(dataDir, 'demo.env'), 'utf8');
    const key = /^PORTICO_DEMO_KEY=(.+)$/m.exec(env)?.[1];
    const url = /^PORTICO_DEMO_URL=(.+)$/m.exec(env)?.[1];
    expect(url).toBe(`http://localhost:${gatewayPort}/echo/hello`);
    // What the README tells a new user to run, with curl's URL.
    const withKey = await fetch(url!.replace('localhost', '127.0.0.1'), { headers: { 'Ocp-Apim-Subscription-Key': key! } });
    expect(withKey.status).toBe(200);
    expect(await withKey.json()).toMatchObject({ method: 'GET', path: '/hello' });
    const withoutKey = await fetch(url!.replace('localhost', '127.0.0.1'));
    expect(withoutKey.status).toBe(401);
    expect(await withoutKey.json()).toMatchObject({ code: 'subscription_key_missing' });
  }, 65_000);

  it('writes the demo credentials to .data/demo.env (mode 0600) and prints them', () => {
    const env = readFileSync(path.join(dataDir, 'demo.env'), 'utf8');
    const email = /^PORTICO_DEMO_EMAIL=(.+)$/m.exec(env)?.[1];
    const password = /^PORTICO_DEMO_PASSWORD=(.+)$/m.exec(env)?.[1];
    expect(email).toBe('admin@demo.portico.local');
    expect(password!.length).toBeGreaterThanOrEqual(16);
    expect(statSync(path.join(dataDir, 'demo.env')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(output).toContain(password);
    expect(output).toContain('PORTICO_SECRET_KEY is not set');
  });

  it('signs in as the demo admin and signs up a new tenant on PGlite', async () => {
    const env = readFileSync(path.join(dataDir, 'demo.env'), 'utf8');
    const password = /^PORTICO_DEMO_PASSWORD=(.+)$/m.exec(env)![1]!;
    const admin = new HttpClient(base);
    const signIn = await admin.request('POST', '/api/v1/auth/sign-in', { email: 'admin@demo.portico.local', password });
    expect(signIn.status, signIn.text).toBe(200);
    const workspaces = await admin.request('GET', '/api/v1/workspaces');
    expect(workspaces.json.items).toMatchObject([{ name: 'Default', isDefault: true }]);

    const newcomer = new HttpClient(base);
    const signUp = await newcomer.request('POST', '/api/v1/auth/sign-up', {
      email: 'newcomer@example.com',
      password: 'a long enough password',
      name: 'Newcomer',
      organization: 'Newco',
    });
    expect(signUp.status, signUp.text).toBe(200);
    const created = await newcomer.request('POST', '/api/v1/workspaces', { name: 'Payments' });
    expect(created.status, created.text).toBe(200);
    const audit = await newcomer.request<{ items: { action: string }[] }>('GET', '/api/v1/audit-log');
    expect(audit.json.items.map((e) => e.action)).toEqual(['workspace.create', 'auth.sign_up']);
  });
});
