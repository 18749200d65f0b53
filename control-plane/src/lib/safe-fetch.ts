import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Fetches a document from a URL a tenant gave us, without letting that URL reach inside our
 * network (SSRF): every address a name resolves to is checked, and the connection goes to the
 * checked address (no second lookup an attacker's DNS could answer differently).
 */
export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Allow loopback and private addresses (development and tests only). */
  allowPrivate: boolean;
  maxRedirects?: number;
}

export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) reaches the IPv4 address: judge that one.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPrivateAddress(mapped);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        return callback(new FetchRefused(`${hostname} resolves to ${refused.address}, a private or loopback address`), '', 0);
      }
      const first = addresses[0];
      if (!first) return callback(new FetchRefused(`${hostname} did not resolve`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

export async function safeFetchText(
  url: string,
  options: SafeFetchOptions,
  redirects = 0,
): Promise<{ text: string; contentType: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchRefused('Not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new FetchRefused('Only http and https URLs can be fetched');
  if (parsed.username || parsed.password) throw new FetchRefused('Credentials in the URL are not accepted');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !options.allowPrivate && isPrivateAddress(host))
    throw new FetchRefused(`${host} is a private or loopback address`);

  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      parsed,
      { lookup: guardedLookup(options.allowPrivate), timeout: options.timeoutMs, headers: { accept: '*/*' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects >= (options.maxRedirects ?? 3)) return reject(new FetchRefused('Too many redirects'));
          // Each hop is checked again: a public URL may redirect inward.
          return resolve(safeFetchText(new URL(res.headers.location, parsed).toString(), options, redirects + 1));
        }
        if (status !== 200) {
          res.resume();
          return reject(new FetchRefused(`The server answered ${status}`));
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > options.maxBytes) {
          res.destroy();
          return reject(new FetchRefused(`The document is larger than ${options.maxBytes} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy();
            reject(new FetchRefused(`The document is larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] ?? '' }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new FetchRefused(`No complete answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(error instanceof FetchRefused ? error : new FetchRefused(`Could not fetch: ${error.message}`)),
    );
  });
}
