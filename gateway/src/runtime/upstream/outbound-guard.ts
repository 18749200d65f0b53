import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';

/**
 * The SSRF guard (DESIGN §11) for calls whose target a policy computes (send-request,
 * set-backend-service base-url, a redirect off the backend's origin): refuses loopback, private,
 * CGNAT, link-local (cloud metadata at 169.254.169.254), unique-local, multicast and reserved
 * addresses. Addresses are checked after DNS resolution, inside the connection's own lookup, so a
 * name that resolves to a public address when checked and to 127.0.0.1 when connecting
 * (DNS rebinding) cannot slip through.
 *
 * Hosts named in the allow-list are called whatever they resolve to: exact host names or IP
 * literals, `*.example.com` for any name under example.com, and CIDR ranges (`10.1.0.0/16`)
 * for resolved addresses.
 *
 * @example
 * const guard = OutboundGuard.fromList('billing.internal, 10.1.0.0/16');
 * guard.refusesHost('169.254.169.254'); // true
 */
export class OutboundGuard {
  readonly #hosts: ReadonlySet<string>;
  readonly #suffixes: readonly string[];
  readonly #allowed: BlockList;
  readonly #hasAllowedRanges: boolean;
  /** For net/tls connect: resolves like dns.lookup, failing when an address is refused. */
  readonly lookup: LookupFunction;

  constructor(allow: readonly string[] = []) {
    const hosts = new Set<string>();
    const suffixes: string[] = [];
    this.#allowed = new BlockList();
    let ranges = false;
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (entry === '') continue;
      const slash = entry.indexOf('/');
      if (slash !== -1) {
        const address = entry.slice(0, slash);
        const prefix = Number(entry.slice(slash + 1));
        const family = isIP(address);
        if (family === 0 || !Number.isInteger(prefix)) throw new Error(`outbound allow-list: '${raw}' is not a CIDR range`);
        this.#allowed.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
        ranges = true;
      } else if (entry.startsWith('*.')) suffixes.push(entry.slice(1));
      else hosts.add(unbracket(entry));
    }
    this.#hosts = hosts;
    this.#suffixes = suffixes;
    this.#hasAllowedRanges = ranges;
    this.lookup = this.#lookup.bind(this) as LookupFunction;
  }

  /** From a comma- or space-separated list (`PORTICO_OUTBOUND_ALLOW`). */
  static fromList(list: string | undefined): OutboundGuard {
    return new OutboundGuard((list ?? '').split(/[\s,]+/));
  }

  /** The host (a URL's `hostname`) is on the allow-list: it is called whatever it resolves to. */
  allowsHost(hostname: string): boolean {
    const host = unbracket(hostname.toLowerCase());
    if (this.#hosts.has(host)) return true;
    for (const suffix of this.#suffixes) if (host.endsWith(suffix) && host.length > suffix.length) return true;
    return false;
  }

  /** Whether an IP literal host is refused; names are checked when they resolve (`lookup`). */
  refusesHost(hostname: string): boolean {
    const host = unbracket(hostname);
    const family = isIP(host);
    return family !== 0 && !this.allowsHost(host) && this.refusesAddress(host, family);
  }

  refusesAddress(address: string, family: number): boolean {
    if (this.#hasAllowedRanges && this.#allowed.check(address, family === 6 ? 'ipv6' : 'ipv4')) return false;
    return isForbiddenAddress(address, family);
  }

  #lookup(
    hostname: string,
    options: LookupAllOptions | { all?: boolean; family?: number },
    callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    const all = options.all === true;
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, all ? [] : '', 0);
      if (!this.allowsHost(hostname)) {
        for (const { address, family } of addresses) {
          if (this.refusesAddress(address, family))
            return callback(new OutboundAddressRefused(hostname, address), all ? [] : '', 0);
        }
      }
      if (all) return callback(null, addresses);
      const [first] = addresses;
      if (first === undefined)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  }
}

/** A connection the guard refused: its target resolved to an address the gateway does not call. */
export class OutboundAddressRefused extends Error {
  override readonly name = 'OutboundAddressRefused';
  readonly code = 'PORTICO_OUTBOUND_REFUSED';

  constructor(hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, which outbound policy calls may not reach`);
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT (RFC 6598); Alibaba's metadata at 100.100.100.200
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique-local (AWS metadata at fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** Loopback, private, CGNAT, link-local, unique-local, multicast or reserved. */
export function isForbiddenAddress(address: string, family: number): boolean {
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:127.0.0.1, NAT64 64:ff9b::7f00:1) is checked as IPv4.
    const embedded = embeddedIpv4(address);
    if (embedded !== undefined) return FORBIDDEN.check(embedded, 'ipv4');
    return FORBIDDEN.check(address, 'ipv6');
  }
  return FORBIDDEN.check(address, 'ipv4');
}

function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const prefix = lower.startsWith('::ffff:') ? 7 : lower.startsWith('64:ff9b::') ? 9 : -1;
  if (prefix === -1) return undefined;
  const rest = lower.slice(prefix);
  if (isIP(rest) === 4) return rest;
  const groups = rest.split(':');
  if (groups.length !== 2) return undefined;
  const high = parseInt(groups[0]!, 16);
  const low = parseInt(groups[1]!, 16);
  if (!(high >= 0 && high <= 0xffff && low >= 0 && low <= 0xffff)) return undefined;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
