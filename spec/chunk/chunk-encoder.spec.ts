import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ChunkEncoder } from '../../lib/chunk/chunk-encoder.js';
import { encodeChunkHeader } from '../../lib/chunk/chunk-header.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { ChunkError, ErrorCode } from '../../lib/errors.js';
import { encodeChunks } from './stream-helpers.js';
import { fill, vectors } from './vectors.js';

for (const v of vectors) {
  test(`encode: ${v.name}`, async () => {
    assert.deepEqual(await encodeChunks(v.chunks), v.bytes);
  });
}

test('encodeChunkHeader picks the shortest basic header: 1 byte to 63, 2 to 319, 3 to 65599', () => {
  const base: Chunk = vectors[0]!.chunks[0]!;
  const header = (chunkStreamId: number, fmt: Chunk['fmt']): number[] => [...encodeChunkHeader({ ...base, chunkStreamId, fmt }).subarray(0, 4)];
  assert.deepEqual(header(2, 3), [0xc2]);
  assert.deepEqual(header(63, 3), [0xff]);
  assert.deepEqual(header(64, 3), [0xc0, 0x00]);
  assert.deepEqual(header(319, 3), [0xc0, 0xff]);
  assert.deepEqual(header(320, 3), [0xc1, 0x00, 0x01]);
  assert.deepEqual(header(65599, 3), [0xc1, 0xff, 0xff]);
  assert.deepEqual(header(1000, 2), [0x81, 0xa8, 0x03, 0x00]); // 1000 - 64 = 936 = 0x03a8; then delta
});

test('large payloads go out as views of the message, small ones next to their header', async () => {
  const data = Buffer.allocUnsafeSlow(3000);
  data.fill(7);
  const big: Chunk = { fmt: 0, chunkStreamId: 6, timestamp: 0, timestampField: 0, extendedTimestamp: false, messageLength: 3000, messageTypeId: 9, messageStreamId: 1, messageOffset: 0, payload: data.subarray(0, 2000) };
  const encoder = new ChunkEncoder();
  const out: Buffer[] = [];
  encoder.on('data', (b: Buffer) => out.push(b));
  encoder.write(big);
  encoder.write({ ...big, fmt: 3, messageOffset: 2000, payload: data.subarray(2000, 2100) });
  encoder.end();
  await once(encoder, 'end');
  assert.deepEqual(out.map((b) => b.length), [12, 2000, 1 + 100]);
  assert.ok(out[1]!.buffer === data.buffer, 'the 2000-byte payload is not copied');
});

test('chunks queued while corked are written by _writev as one run, with identical bytes', async () => {
  const v = vectors.find((x) => x.name.includes('§5.3.2.1'))!;
  const encoder = new ChunkEncoder();
  const out: Buffer[] = [];
  encoder.on('data', (b: Buffer) => out.push(b));
  encoder.cork();
  for (const c of v.chunks) encoder.write(c);
  encoder.uncork();
  encoder.end();
  await once(encoder, 'end');
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], v.bytes);
});

test('_writev holds its callback while the readable side is full, and releases it on read', async () => {
  const payload = Buffer.alloc(40 * 1024, 1);
  const chunk: Chunk = { fmt: 0, chunkStreamId: 3, timestamp: 0, timestampField: 0, extendedTimestamp: false, messageLength: payload.length, messageTypeId: 9, messageStreamId: 1, messageOffset: 0, payload };
  const encoder = new ChunkEncoder({ highWaterMark: 2 });
  encoder.cork();
  for (let i = 0; i < 4; i++) encoder.write(chunk); // 4 × 40 KiB > the 64 KiB readable high-water mark
  encoder.uncork();
  encoder.end();
  let bytes = 0;
  encoder.on('data', (b: Buffer) => (bytes += b.length));
  await once(encoder, 'end');
  assert.equal(bytes, 4 * (12 + payload.length));
});

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ChunkError, `expected ChunkError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

test('ERR_CHUNK_INVALID_INPUT / ERR_CHUNK_STREAM_ID_INVALID / ERR_CHUNK_MESSAGE_TOO_LARGE for chunks that cannot be written', async () => {
  const good = vectors[0]!.chunks[0]!;
  const cases: Array<[unknown, string]> = [
    ['bytes', ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, payload: 'x' }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, fmt: 4 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, chunkStreamId: 1 }, ErrorCode.CHUNK_STREAM_ID_INVALID],
    [{ ...good, chunkStreamId: 65600 }, ErrorCode.CHUNK_STREAM_ID_INVALID],
    [{ ...good, messageLength: 0x1000000 }, ErrorCode.CHUNK_MESSAGE_TOO_LARGE],
    [{ ...good, messageTypeId: 256 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, messageStreamId: -1 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, timestampField: 2 ** 32 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, extendedTimestamp: 'no' }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...good, timestampField: 0xffffff }, ErrorCode.CHUNK_INVALID_INPUT], // needs the extended field
    [{ ...good, messageOffset: 1 }, ErrorCode.CHUNK_INVALID_INPUT], // payload overruns the message
    [{ ...good, payload: Buffer.from(fill(5, 0)) }, ErrorCode.CHUNK_INVALID_INPUT],
  ];
  for (const [bad, code] of cases) {
    await assert.rejects(encodeChunks([bad]), rejectsWith(code), JSON.stringify(bad));
  }
  assert.throws(() => encodeChunkHeader({ ...good, chunkStreamId: 0 }), rejectsWith(ErrorCode.CHUNK_STREAM_ID_INVALID));
  // Streams refuse null themselves; the pure function reports it typed.
  assert.throws(() => encodeChunkHeader(null as unknown as Chunk), rejectsWith(ErrorCode.CHUNK_INVALID_INPUT));
});

test('a bad chunk in a corked batch fails the batch through the error path', async () => {
  const encoder = new ChunkEncoder();
  encoder.cork();
  encoder.write(vectors[0]!.chunks[0]);
  encoder.write({ bogus: true });
  encoder.uncork();
  const [err] = await once(encoder, 'error');
  rejectsWith(ErrorCode.CHUNK_INVALID_INPUT)(err);
});
