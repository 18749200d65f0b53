import { isIP } from 'node:net';

/** The address as a number, to compare range bounds; undefined when it is not an IP address. */
export function ipToBigInt(address: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(address);
  if (family === 4) return { family, value: v4ToBigInt(address) };
  if (family !== 6) return undefined;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes its two 16-bit groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  const text = tail === undefined ? address : address.slice(0, -tail.length) + v4ToGroups(tail);
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return { family, value: groups.reduce((sum, group) => (sum << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((sum, octet) => (sum << 8n) | BigInt(Number(octet)), 0n);
}

function v4ToGroups(address: string): string {
  const value = v4ToBigInt(address);
  return `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
}
