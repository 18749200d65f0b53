import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { GatewayViewSchema, SnapshotChunkSchema, type GatewayView, type SnapshotChunk } from '../index.js';

/**
 * Splitting an encoded GatewayView into SnapshotChunks that each fit in the server's max
 * payload, and putting them back together (DESIGN §6).
 */

/** Largest uint32: the worst case for the varints of `index` and `count`. */
const MAX_UINT32 = 0xffff_ffff;
/** Tag (1 byte) and the longest length varint of a uint32 length (5 bytes) of `data`. */
const DATA_FIELD_OVERHEAD = 6;

/** Encoded chunks of `view`, in order; each is at most `maxPayload` bytes. */
export function encodeSnapshotChunks(view: GatewayView, maxPayload: number): Uint8Array[] {
  const bytes = toBinary(GatewayViewSchema, view);
  const { revision, contentHash } = view;
  // Size of a chunk carrying no data, with the widest index and count it could have.
  const envelope =
    toBinary(SnapshotChunkSchema, create(SnapshotChunkSchema, { revision, contentHash, index: MAX_UINT32, count: MAX_UINT32 }))
      .length + DATA_FIELD_OVERHEAD;
  const chunkSize = maxPayload - envelope;
  if (chunkSize < 1) throw new Error(`max payload ${maxPayload} leaves no room for snapshot data`);
  const count = Math.max(1, Math.ceil(bytes.length / chunkSize));
  const chunks: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const data = bytes.subarray(index * chunkSize, (index + 1) * chunkSize);
    chunks.push(toBinary(SnapshotChunkSchema, create(SnapshotChunkSchema, { revision, contentHash, index, count, data })));
  }
  return chunks;
}

/** The single chunk of a refused request. */
export function encodeSnapshotError(error: string): Uint8Array {
  return toBinary(SnapshotChunkSchema, create(SnapshotChunkSchema, { error, index: 0, count: 1 }));
}

/** Thrown by the assembler when the chunks contradict each other or cannot be decoded. */
export class SnapshotAssemblyError extends Error {
  override name = 'SnapshotAssemblyError';
}

export type AssemblyResult = { done: false } | { done: true; view: GatewayView } | { done: true; error: string };

/**
 * Collects the chunks of one answer in any order, ignoring duplicates. `add` returns the view
 * (or the refusal) once every chunk arrived, and throws `SnapshotAssemblyError` on chunks that
 * do not belong together.
 */
export class SnapshotAssembler {
  #first: SnapshotChunk | undefined;
  #parts: (Uint8Array | undefined)[] = [];
  #received = 0;

  add(bytes: Uint8Array): AssemblyResult {
    let chunk: SnapshotChunk;
    try {
      chunk = fromBinary(SnapshotChunkSchema, bytes);
    } catch (error) {
      throw new SnapshotAssemblyError('undecodable snapshot chunk', { cause: error });
    }
    if (chunk.error) return { done: true, error: chunk.error };
    if (chunk.count < 1 || chunk.index >= chunk.count)
      throw new SnapshotAssemblyError(`invalid snapshot chunk ${chunk.index} of ${chunk.count}`);
    const first = (this.#first ??= chunk);
    if (chunk.count !== first.count || chunk.revision !== first.revision || chunk.contentHash !== first.contentHash)
      throw new SnapshotAssemblyError(
        `snapshot chunks disagree: revision ${chunk.revision} / ${first.revision}, hash ${chunk.contentHash} / ${first.contentHash}, count ${chunk.count} / ${first.count}`,
      );
    if (this.#parts[chunk.index] === undefined) {
      this.#parts[chunk.index] = chunk.data;
      this.#received++;
    }
    if (this.#received < first.count) return { done: false };
    return { done: true, view: this.#decode(first) };
  }

  #decode(first: SnapshotChunk): GatewayView {
    const parts = this.#parts as Uint8Array[];
    const bytes = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    let view: GatewayView;
    try {
      view = fromBinary(GatewayViewSchema, bytes);
    } catch (error) {
      throw new SnapshotAssemblyError('undecodable snapshot', { cause: error });
    }
    if (view.revision !== first.revision || view.contentHash !== first.contentHash)
      throw new SnapshotAssemblyError(
        `snapshot is revision ${view.revision} (${view.contentHash}) but its chunks say ${first.revision} (${first.contentHash})`,
      );
    return view;
  }
}
