import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchRefused, isPrivateAddress, safeFetchText } from './safe-fetch.js';

describe('safeFetchText', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/spec') return res.end('openapi: 3.1.0');
      if (req.url === '/redirect') return res.writeHead(302, { location: '/spec' }).end();
      if (req.url === '/big') return res.end('x'.repeat(5000));
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const open = { maxBytes: 1000, timeoutMs: 500, allowPrivate: true };

  it('fetches and follows redirects', async () => {
    expect((await safeFetchText(`${base}/redirect`, open)).text).toBe('openapi: 3.1.0');
  });

  it('refuses loopback and private addresses unless allowed, by literal and by name', async () => {
    await expect(safeFetchText(`${base}/spec`, { ...open, allowPrivate: false })).rejects.toThrow(
      /127\.0\.0\.1 is a private or loopback address/,
    );
    const port = new URL(base).port;
    await expect(safeFetchText(`http://localhost:${port}/spec`, { ...open, allowPrivate: false })).rejects.toThrow(
      /localhost resolves to .* private or loopback/,
    );
  });

  it('stops at the size limit, the time limit and non-200 answers', async () => {
    await expect(safeFetchText(`${base}/big`, open)).rejects.toThrow('larger than 1000 bytes');
    await expect(safeFetchText(`${base}/slow`, open)).rejects.toThrow('No complete answer within 500 ms');
    await expect(safeFetchText(`${base}/missing`, open)).rejects.toThrow('answered 404');
  });

  it('accepts only plain http(s) URLs', async () => {
    await expect(safeFetchText('file:///etc/passwd', open)).rejects.toBeInstanceOf(FetchRefused);
    await expect(safeFetchText('http://user:pw@example.com/', open)).rejects.toThrow('Credentials in the URL');
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:808:808', false],
    ['8.8.8.8', false],
    ['2001:4860:4860::8888', false],
  ])('%s private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
