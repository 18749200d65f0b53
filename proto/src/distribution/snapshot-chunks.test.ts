import { randomBytes } from 'node:crypto';
import { create, equals, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { GatewayViewSchema, SnapshotChunkSchema, type GatewayView } from '../index.js';
import { encodeSnapshotChunks, encodeSnapshotError, SnapshotAssembler, SnapshotAssemblyError } from './snapshot-chunks.js';

/** A view of about `kib` KiB of random named values. */
function viewOf(kib: number, revision = 9n): GatewayView {
  return create(GatewayViewSchema, {
    tenantId: 't1',
    gatewayId: 'g1',
    revision,
    contentHash: 'a'.repeat(64),
    namedValues: Array.from({ length: kib }, (_, i) => ({ name: `nv_${i}`, value: randomBytes(500).toString('hex') })),
  });
}

function assemble(chunks: Uint8Array[]) {
  const assembler = new SnapshotAssembler();
  return chunks.map((chunk) => assembler.add(chunk));
}

describe('snapshot chunks', () => {
  it('splits a view into chunks that each fit the max payload, and reassembles it', () => {
    const view = viewOf(300);
    const maxPayload = 16 * 1024;
    const chunks = encodeSnapshotChunks(view, maxPayload);
    const total = toBinary(GatewayViewSchema, view).length;
    // Envelope: revision 2 + hash 66 + index and count at their widest 6 + 6, data tag and length 6.
    expect(chunks.length).toBe(Math.ceil(total / (maxPayload - 86)));
    expect(chunks.length).toBeGreaterThan(15);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(maxPayload);
    // All but the last chunk are full: the headroom is a few bytes, not a guess.
    expect(chunks[0]!.length).toBeGreaterThan(maxPayload - 32);

    const results = assemble(chunks);
    expect(results.slice(0, -1).every((result) => !result.done)).toBe(true);
    const last = results.at(-1)!;
    expect(last.done && 'view' in last && equals(GatewayViewSchema, last.view, view)).toBe(true);
  });

  it('sends a small view as one chunk', () => {
    const view = viewOf(1);
    const [only, ...rest] = encodeSnapshotChunks(view, 1024 * 1024);
    expect(rest).toEqual([]);
    const result = new SnapshotAssembler().add(only!);
    expect(result.done && 'view' in result && equals(GatewayViewSchema, result.view, view)).toBe(true);
  });

  it('reassembles chunks arriving out of order and duplicated', () => {
    const view = viewOf(100);
    const chunks = encodeSnapshotChunks(view, 8 * 1024);
    expect(chunks.length).toBeGreaterThan(3);
    const n = chunks.length;
    // chunk 1 twice, then n-1 … 2, then 0: complete at position n.
    const shuffled = [chunks[1]!, chunks[1]!, ...chunks.slice(2).reverse(), chunks[0]!];
    const results = assemble(shuffled);
    expect(results.findIndex((result) => result.done)).toBe(n);
    const doneAt = n;
    const result = results[doneAt]!;
    expect(result.done && 'view' in result && equals(GatewayViewSchema, result.view, view)).toBe(true);
  });

  it('rejects chunks of different answers', () => {
    const a = encodeSnapshotChunks(viewOf(40, 1n), 8 * 1024);
    const b = encodeSnapshotChunks(viewOf(40, 2n), 8 * 1024);
    const assembler = new SnapshotAssembler();
    expect(assembler.add(a[0]!)).toEqual({ done: false });
    expect(() => assembler.add(b[1]!)).toThrow(/revision 2 \/ 1/);
  });

  it('rejects garbage and impossible indexes', () => {
    expect(() => new SnapshotAssembler().add(new Uint8Array([0xff, 0xff, 0xff]))).toThrow('undecodable snapshot chunk');
    const beyond = toBinary(SnapshotChunkSchema, create(SnapshotChunkSchema, { index: 3, count: 2, data: new Uint8Array(1) }));
    expect(() => new SnapshotAssembler().add(beyond)).toThrow(SnapshotAssemblyError);
    expect(() => new SnapshotAssembler().add(beyond)).toThrow('invalid snapshot chunk 3 of 2');
  });

  it('reports a refusal', () => {
    expect(new SnapshotAssembler().add(encodeSnapshotError('unknown gateway'))).toEqual({ done: true, error: 'unknown gateway' });
  });
});
