import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyResponse } from '../../pipeline/policy-context.js';
import { PolicyServices } from '../../pipeline/policy-services.js';
import { compileTestPipeline, runInbound } from '../../pipeline/testing.js';
import { OutboundClient, outboundClientKey } from '../../runtime/upstream/outbound-client.js';
import { OutboundGuard } from '../../runtime/upstream/outbound-guard.js';

function servicesAllowing(...hosts: string[]): PolicyServices {
  const services = new PolicyServices();
  services.set(outboundClientKey, new OutboundClient(new OutboundGuard(hosts)));
  return services;
}

describe('send-request at run time', () => {
  let server: Server;
  let url = '';
  const allowed = servicesAllowing('127.0.0.1');

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 1500);
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-seen-method': req.method });
        res.end(
          JSON.stringify({ url: req.url, auth: req.headers.authorization ?? null, body: Buffer.concat(chunks).toString() }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await allowed.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('calls the URL with the method, headers and body given, and keeps the response in the variable', async () => {
    const ctx = await runInbound(
      {
        inbound: [
          {
            'send-request': {
              'response-variable-name': 'introspection',
              'set-url': `${url}/introspect?x=1`,
              'set-method': 'POST',
              'set-header': [{ name: 'authorization', value: ['@("Bearer " + request.headers["x-token"])'] }],
              'set-body': { value: '@("token=" + request.headers["x-token"])' },
            },
          },
        ],
      },
      { headers: ['x-token', 'abc'] },
      { services: allowed },
    );
    const response = ctx.variables.get('introspection');
    expect(response).toBeInstanceOf(PolicyResponse);
    const answer = response as PolicyResponse;
    expect(answer.status).toBe(200);
    expect(answer.headers.first('x-seen-method')).toBe('POST');
    expect(JSON.parse(answer.body!.toString())).toEqual({ url: '/introspect?x=1', auth: 'Bearer abc', body: 'token=abc' });
  });

  it('copies the current request in copy mode', async () => {
    const ctx = await runInbound(
      { inbound: [{ 'send-request': { mode: 'copy', 'response-variable-name': 'copy', 'set-url': `${url}/copied` } }] },
      { method: 'PUT', headers: ['authorization', 'Basic x'], body: Buffer.from('payload') },
      { services: allowed },
    );
    const answer = ctx.variables.get('copy') as PolicyResponse;
    expect(answer.headers.first('x-seen-method')).toBe('PUT');
    expect(JSON.parse(answer.body!.toString())).toMatchObject({ auth: 'Basic x', body: 'payload' });
  });

  it('keeps an error status as a response, and fails on-error on a timeout unless ignore-error', async () => {
    const missing = await runInbound(
      { inbound: [{ 'send-request': { 'response-variable-name': 'r', 'set-url': `${url}/missing`, 'set-method': 'GET' } }] },
      {},
      { services: allowed },
    );
    expect((missing.variables.get('r') as PolicyResponse).status).toBe(404);

    const slow = { 'response-variable-name': 'r', 'set-url': `${url}/slow`, 'set-method': 'GET', timeout: 1 };
    const failed = await runInbound({ inbound: [{ 'send-request': slow }] }, {}, { services: allowed });
    expect(failed.response?.status).toBe(504);
    expect(failed.lastError).toMatchObject({ source: 'send-request', reason: 'upstream-timeout' });

    const ignored = await runInbound(
      { inbound: [{ 'send-request': { ...slow, 'ignore-error': true } }] },
      {},
      { services: allowed },
    );
    expect(ignored.response).toBeUndefined();
    expect(ignored.variables.get('r')).toBeNull();
  });

  it('refuses loopback, private and metadata targets unless allowed', async () => {
    const services = servicesAllowing();
    for (const target of [
      `${url}/x`,
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/',
      'http://[::1]/',
      'http://localhost/',
    ]) {
      const ctx = await runInbound(
        { inbound: [{ 'send-request': { 'response-variable-name': 'r', 'set-url': target, 'set-method': 'GET', timeout: 5 } }] },
        {},
        { services },
      );
      expect(ctx.lastError, target).toMatchObject({ source: 'send-request', reason: 'outbound-address-blocked' });
      expect(ctx.response?.status).toBe(502);
    }
    await services.close();
  });

  it('refuses a client certificate, which this gateway cannot present', () => {
    expect(() =>
      compileTestPipeline({
        inbound: [
          {
            'send-request': {
              'response-variable-name': 'r',
              'set-url': 'https://example.com',
              'set-method': 'GET',
              'authentication-certificate': { 'certificate-id': 'cert-1' },
            },
          },
        ],
      }),
    ).toThrow(/authentication-certificate/);
  });
});
