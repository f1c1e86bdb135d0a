import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ChunkDecoder } from '../../lib/chunk/chunk-decoder.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { ChunkError, ErrorCode } from '../../lib/errors.js';
import { decodePieces, splits } from './stream-helpers.js';
import { fill, vectors } from './vectors.js';

for (const v of vectors) {
  test(`decode: ${v.name}`, async () => {
    const options = v.chunkSize === undefined ? {} : { chunkSize: v.chunkSize };
    const whole = await decodePieces([v.bytes], options);
    assert.deepEqual(whole.chunks, v.chunks);
    assert.deepEqual(whole.messages, v.messages);
    assert.deepEqual(whole.setChunkSizes, v.setChunkSizes ?? []);
    for (const pieces of splits(v.bytes)) {
      const split = await decodePieces(pieces, options);
      assert.deepEqual(split.chunks, v.chunks, `split into ${pieces.map((p) => p.length).join('+')}`);
      assert.deepEqual(split.messages, v.messages, `split into ${pieces.map((p) => p.length).join('+')}`);
    }
  });
}

/** A copy of `b` in its own ArrayBuffer (Buffer.from would share the 8 KiB pool). */
function ownBuffer(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

test('payloads are views of the read when a chunk does not span reads, copies when it does', async () => {
  const v = vectors.find((x) => x.name.includes('307-byte'))!;
  const read = ownBuffer(v.bytes);
  const { chunks } = await decodePieces([read]);
  for (const c of chunks) assert.ok(c.payload.buffer === read.buffer, 'same ArrayBuffer as the read');
  assert.equal(chunks[1]!.payload.byteOffset, read.byteOffset + 12 + 128 + 1);
  // Split inside the second chunk's payload: that one chunk is copied, the others stay views.
  const a = ownBuffer(v.bytes.subarray(0, 200));
  const b = ownBuffer(v.bytes.subarray(200));
  const split = await decodePieces([a, b]);
  assert.ok(split.chunks[0]!.payload.buffer === a.buffer);
  assert.ok(split.chunks[1]!.payload.buffer !== a.buffer && split.chunks[1]!.payload.buffer !== b.buffer);
  assert.ok(split.chunks[2]!.payload.buffer === b.buffer);
});

// --- Extended timestamps on type-3 chunks -------------------------------------------------------

/** A 200-byte message at 0x01000000 ms on csid 5: fmt 0 with extended timestamp, then a fmt 3 continuation. */
function extendedMessage(continuationExtended: number[] | null, payload = fill(200, 0x30)): Buffer {
  return Buffer.from([
    0x05, 0xff, 0xff, 0xff, 0x00, 0x00, 0xc8, 0x09, 0x01, 0x00, 0x00, 0x00, // fmt 0, csid 5, marker, length 200, type 9, stream 1
    0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000
    ...payload.slice(0, 128),
    0xc5, // fmt 3 continuation
    ...(continuationExtended ?? []),
    ...payload.slice(128),
  ]);
}

test('extended timestamp omitted on type-3 continuation chunks (old librtmp/OBS; the 4 h 39 min bug) is tolerated', async () => {
  const payload = fill(200, 0x30);
  const bytes = extendedMessage(null, payload);
  for (const pieces of [[bytes], ...splits(bytes)]) {
    const { messages } = await decodePieces(pieces);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.timestamp, 0x01000000);
    assert.deepEqual(messages[0]!.data, Buffer.from(payload));
  }
});

test('extended timestamp present on type-3 continuation chunks (spec, ffmpeg) is consumed', async () => {
  const payload = fill(200, 0x30);
  const bytes = extendedMessage([0x01, 0x00, 0x00, 0x00], payload);
  for (const pieces of [[bytes], ...splits(bytes)]) {
    const { messages, chunks } = await decodePieces(pieces);
    assert.deepEqual(messages[0]!.data, Buffer.from(payload));
    assert.equal(chunks[1]!.payload.length, 72);
  }
});

test('extended timestamp on a continuation written as the absolute timestamp (not the delta) is consumed', async () => {
  // fmt 0 at 0 on csid 5, then fmt 1 with extended delta 0x01000010 → absolute 0x01000010 + 0x10.
  const bytes = Buffer.from([
    0x05, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0xee, // fmt 0, ts 16, length 1
    0x45, 0xff, 0xff, 0xff, 0x00, 0x00, 0x82, 0x09, // fmt 1, marker, length 130, type 9
    0x01, 0x00, 0x00, 0x10, // extended delta 0x01000010
    ...fill(128, 0),
    0xc5, 0x01, 0x00, 0x00, 0x20, // continuation repeating the absolute timestamp 0x01000020
    0xab, 0xcd,
  ]);
  const { messages } = await decodePieces([bytes]);
  assert.equal(messages[1]!.timestamp, 0x01000020);
  assert.deepEqual(messages[1]!.data, Buffer.from([...fill(128, 0), 0xab, 0xcd]));
});

test('extended timestamp omitted on a fmt 3 chunk that starts a new message is tolerated too', async () => {
  const bytes = Buffer.from([
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x0b, // fmt 0, ts 0, length 2
    0x87, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x0c, 0x0d, // fmt 2, extended delta 0x01000000
    0xc7, 0x0e, 0x0f, // fmt 3 new message, extended field left out
  ]);
  for (const pieces of [[bytes], ...splits(bytes)]) {
    const { messages } = await decodePieces(pieces);
    assert.deepEqual(
      messages.map((m) => [m.timestamp, [...m.data]]),
      [[0, [0x0a, 0x0b]], [0x01000000, [0x0c, 0x0d]], [0x02000000, [0x0e, 0x0f]]],
    );
  }
});

// --- Set Chunk Size, Window Acknowledgement Size, acknowledgements -----------------------------

/** A protocol control message on csid 2: type, 4-byte big-endian value. */
function control(type: number, value: number): number[] {
  return [0x02, 0, 0, 0, 0, 0, 4, type, 0, 0, 0, 0, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

test('Set Chunk Size is applied at the exact byte, even when the control message itself arrives in 1-byte chunks', async () => {
  const setOne = control(1, 1);
  const bytes = Buffer.from([
    ...setOne, // chunk size 1 from here on
    0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, // Set Chunk Size again, now in 1-byte chunks
    0x00, 0xc2, 0x00, 0xc2, 0x01, 0xc2, 0x00, // 0x00000100 = 256
    0x03, 0, 0, 0, 0, 0, 3, 20, 0, 0, 0, 0, 0x61, 0x62, 0x63, // 3 bytes in one chunk at size 256
  ]);
  for (const pieces of [[bytes], ...splits(bytes)]) {
    const d = await decodePieces(pieces);
    assert.deepEqual(d.setChunkSizes, [1, 256]);
    assert.deepEqual(d.messages.map((m) => m.type), [1, 1, 20]);
    assert.deepEqual(d.messages[1]!.data, Buffer.from([0, 0, 1, 0]));
    assert.equal(d.chunks.length, 1 + 4 + 1);
  }
});

test('Window Acknowledgement Size (type 5) is recognised inline and getters report the state', async () => {
  const decoder = new ChunkDecoder({ initialBytes: 3073 });
  assert.equal(decoder.windowAckSize, 0);
  assert.equal(decoder.chunkSize, 128);
  const sizes: number[] = [];
  decoder.on('windowAckSize', (n) => sizes.push(n));
  decoder.resume();
  decoder.write(Buffer.from([...control(5, 2500000), ...control(1, 4096)]));
  assert.deepEqual(sizes, [2500000]);
  assert.equal(decoder.windowAckSize, 2500000);
  assert.equal(decoder.chunkSize, 4096);
  assert.equal(decoder.bytesReceived, 3073 + 32);
  decoder.end();
  await once(decoder, 'end');
});

/** One fmt 0 message of `n` payload bytes on csid 3 at chunk size 4096 (n ≤ 4096). */
function oneChunk(n: number): number[] {
  return [0x03, 0, 0, 0, n >>> 16, (n >>> 8) & 0xff, n & 0xff, 8, 1, 0, 0, 0, ...fill(n, 0)];
}

test('acknowledgement fires once the window is crossed, with total bytes received, counting from the last one', async () => {
  const bytes = Buffer.from(oneChunk(588)); // 600 bytes
  // Write sizes 50, 49, 1, 150, 99, 2, 249: totals 50, 99, 100, 250, 349, 351, 600.
  const sizes = [50, 49, 1, 150, 99, 2, 249];
  const pieces: Buffer[] = [];
  let at = 0;
  for (const s of sizes) pieces.push(bytes.subarray(at, (at += s)));
  const d = await decodePieces(pieces, { chunkSize: 4096, windowAckSize: 100 });
  // 100 (after write 3), 250 (150 since 100), 351 (101 since 250), 600 (249 since 351): one per write.
  assert.deepEqual(d.acknowledgements, [[2, 100], [3, 250], [5, 351], [6, 600]]);
});

test('acknowledgement counts handshake bytes (initialBytes) and fires once for a read spanning several windows', async () => {
  const bytes = Buffer.from(oneChunk(988)); // 1000 bytes
  const d = await decodePieces([bytes.subarray(0, 10), bytes.subarray(10)], { chunkSize: 4096, windowAckSize: 300, initialBytes: 295 });
  // 295 + 10 = 305 ≥ 300 → ack 305; then 990 more in one read (3.3 windows) → one ack at 1295.
  assert.deepEqual(d.acknowledgements, [[0, 305], [1, 1295]]);
});

test('acknowledgement sequence number wraps at 2^32', async () => {
  const d = await decodePieces([Buffer.from(oneChunk(188))], { chunkSize: 4096, windowAckSize: 100, initialBytes: 2 ** 32 - 10 });
  assert.deepEqual(d.acknowledgements, [[0, 190]]);
});

test('a Window Acknowledgement Size received inline starts acknowledgements', async () => {
  const bytes = Buffer.from([...control(5, 50), ...oneChunk(40)]);
  const d = await decodePieces([bytes.subarray(0, 16), bytes.subarray(16, 40), bytes.subarray(40)], { chunkSize: 4096 });
  // The window (50) is known after the first read; totals 16, 40, 68: only the last crosses it.
  assert.deepEqual(d.windowAckSizes, [50]);
  assert.deepEqual(d.acknowledgements, [[2, 68]]);
});

test('Uint8Array writes are accepted like Buffers', async () => {
  const v = vectors[0]!;
  const u8 = new Uint8Array(v.bytes);
  const decoder = new ChunkDecoder();
  const chunks: Chunk[] = [];
  decoder.on('data', (c: Chunk) => chunks.push(c));
  decoder.end(u8);
  await once(decoder, 'end');
  assert.deepEqual(chunks, v.chunks);
});

// --- Errors ----------------------------------------------------------------------------------------

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ChunkError, `expected ChunkError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

test('ERR_CHUNK_SIZE_INVALID: Set Chunk Size of 0, with the top bit set, above maxChunkSize, or short', async () => {
  await assert.rejects(decodePieces([Buffer.from(control(1, 0))]), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  await assert.rejects(decodePieces([Buffer.from(control(1, 0x80000000))]), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  await assert.rejects(decodePieces([Buffer.from(control(1, 5000))], { maxChunkSize: 4096 }), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  await assert.rejects(decodePieces([Buffer.from(control(1, 65536 * 16 + 1))]), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  const short = Buffer.from([0x02, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0x01, 0x00]);
  await assert.rejects(decodePieces([short]), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  // The largest legal value passes when the limit allows it.
  const d = await decodePieces([Buffer.from(control(1, 0x7fffffff))], { maxChunkSize: 0x7fffffff });
  assert.deepEqual(d.setChunkSizes, [0x7fffffff]);
});

test('ERR_CHUNK_NO_PREVIOUS_HEADER: fmt 1, 2 or 3 on a chunk stream never opened by fmt 0', async () => {
  for (const first of [[0x43, 0, 0, 0, 0, 0, 1, 8, 0], [0x83, 0, 0, 0, 0], [0xc3, 0]]) {
    await assert.rejects(decodePieces([Buffer.from(first)]), rejectsWith(ErrorCode.CHUNK_NO_PREVIOUS_HEADER));
  }
});

test('ERR_CHUNK_MESSAGE_TOO_LARGE: a header claiming more than maxMessageSize (fmt 0 and fmt 1)', async () => {
  const fmt0 = Buffer.from([0x03, 0, 0, 0, 0, 0, 101, 8, 0, 0, 0, 0]);
  await assert.rejects(decodePieces([fmt0], { maxMessageSize: 100 }), rejectsWith(ErrorCode.CHUNK_MESSAGE_TOO_LARGE));
  const fmt1 = Buffer.from([0x03, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xaa, 0x43, 0, 0, 0, 0, 0, 101, 8]);
  await assert.rejects(decodePieces([fmt1], { maxMessageSize: 100 }), rejectsWith(ErrorCode.CHUNK_MESSAGE_TOO_LARGE));
});

test('ERR_CHUNK_TOO_MANY_STREAMS: more distinct chunk stream ids than maxChunkStreams', async () => {
  const msg = (csid: number): number[] => [csid, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xaa];
  await decodePieces([Buffer.from([...msg(3), ...msg(4)])], { maxChunkStreams: 2 });
  await assert.rejects(
    decodePieces([Buffer.from([...msg(3), ...msg(4), ...msg(5)])], { maxChunkStreams: 2 }),
    rejectsWith(ErrorCode.CHUNK_TOO_MANY_STREAMS),
  );
});

test('ERR_CHUNK_PARTIAL_BYTES_EXCEEDED: incomplete messages across chunk streams over maxPartialBytes', async () => {
  const start = (csid: number): number[] => [csid, 0, 0, 0, 0, 0x01, 0x00, 8, 0, 0, 0, 0, ...fill(128, 0)]; // 256-byte message, first 128
  // Exactly at the limit: accepted (the stream then ends mid-message, hence truncated, not over the limit).
  await assert.rejects(decodePieces([Buffer.from([...start(3), ...start(4)])], { maxPartialBytes: 256 }), rejectsWith(ErrorCode.CHUNK_TRUNCATED));
  await assert.rejects(
    decodePieces([Buffer.from([...start(3), ...start(4), ...start(5)])], { maxPartialBytes: 256 }),
    rejectsWith(ErrorCode.CHUNK_PARTIAL_BYTES_EXCEEDED),
  );
});

test('ERR_CHUNK_INVALID_INPUT: writing something other than bytes to the decoder', async () => {
  for (const bad of ['text', { a: 1 }, 42]) {
    const decoder = new ChunkDecoder();
    decoder.write(bad);
    const [err] = await once(decoder, 'error');
    rejectsWith(ErrorCode.CHUNK_INVALID_INPUT)(err);
  }
});

test('ERR_CHUNK_TRUNCATED: the stream ends inside a chunk header, a payload, or a message', async () => {
  const v = vectors.find((x) => x.name.includes('307-byte'))!;
  for (const cut of [1, 5, 12, 100, 12 + 128, 12 + 128 + 1 + 5]) {
    await assert.rejects(decodePieces([v.bytes.subarray(0, cut)]), rejectsWith(ErrorCode.CHUNK_TRUNCATED), `cut at ${cut}`);
  }
});

test('after an error the decoder stays failed', async () => {
  const decoder = new ChunkDecoder();
  decoder.write(Buffer.from([0xc3, 0]));
  const [err] = await once(decoder, 'error');
  rejectsWith(ErrorCode.CHUNK_NO_PREVIOUS_HEADER)(err);
  assert.equal(decoder.destroyed, true);
});

test('ERR_CHUNK_INVALID_OPTION: options out of range', () => {
  const bad: Array<Record<string, number>> = [
    { chunkSize: 0 },
    { chunkSize: 2000, maxChunkSize: 1000 },
    { maxChunkSize: 0x80000000 },
    { maxMessageSize: 0x1000000 },
    { maxChunkStreams: 0 },
    { maxPartialBytes: 1.5 },
    { windowAckSize: -1 },
    { initialBytes: -1 },
    { highWaterMark: 0 },
  ];
  for (const options of bad) {
    assert.throws(() => new ChunkDecoder(options), rejectsWith(ErrorCode.CHUNK_INVALID_OPTION), JSON.stringify(options));
  }
});

test('a fmt 0/1/2 header in the middle of a message abandons that message', async () => {
  const bytes = Buffer.from([
    0x04, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0, ...fill(128, 0), // 200-byte message, first chunk only
    0x44, 0, 0, 5, 0, 0, 2, 9, 0x0a, 0x0b, // fmt 1: new 2-byte message
  ]);
  const d = await decodePieces([bytes]);
  assert.deepEqual(d.messages.map((m) => [m.timestamp, [...m.data]]), [[5, [0x0a, 0x0b]]]);
});

test('Abort naming a chunk stream with nothing pending, or a short Abort, changes nothing', async () => {
  const bytes = Buffer.from([
    ...control(2, 9), // abort csid 9: unknown
    0x02, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 3, // 2-byte abort: ignored here, passed on
    0x02, 0, 0, 0, 0, 0, 2, 5, 0, 0, 0, 0, 0, 3, // 2-byte window ack size: ignored here, passed on
    0x03, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x99,
  ]);
  const d = await decodePieces([bytes], { windowAckSize: 7 });
  assert.deepEqual(d.messages.map((m) => m.type), [2, 2, 5, 8]);
  assert.deepEqual(d.windowAckSizes, []);
});
