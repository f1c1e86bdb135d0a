import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChunker, chunkMessage } from '../../lib/chunk/message-chunker.js';
import { ChunkStreamWriterState, OutboundChunkState, nextChunkSize } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import { ChunkError, ErrorCode } from '../../lib/errors.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { chunkMessages, encodeMessages } from './stream-helpers.js';
import { vectors } from './vectors.js';

/** serializeMessage over a message list, switching chunk size after Set Chunk Size like the chunker. */
function serializeAll(messages: Message[], chunkSize = 128): Buffer {
  const state = new OutboundChunkState();
  const out: Buffer[] = [];
  let size = chunkSize;
  for (const m of messages) {
    out.push(serializeMessage(m, state, size));
    size = nextChunkSize(m, size);
  }
  return Buffer.concat(out);
}

for (const v of vectors.filter((x) => x.chunkerWritesThis)) {
  test(`chunk + encode: ${v.name}`, async () => {
    assert.deepEqual(await chunkMessages(v.messages, v.chunkSize), v.chunks);
    assert.deepEqual(await encodeMessages(v.messages, v.chunkSize), v.bytes);
    assert.deepEqual(serializeAll(v.messages, v.chunkSize), v.bytes);
  });
}

const fmts = async (messages: Message[]): Promise<number[]> => (await chunkMessages(messages)).map((c) => c.fmt);

test('header choice: fmt 0 first, on a stream id change, and when the timestamp goes backwards', async () => {
  const d = Buffer.from([1]);
  assert.deepEqual(
    await fmts([
      createMessage(3, 1, 8, d, 100),
      createMessage(3, 2, 8, d, 110), // other message stream
      createMessage(3, 2, 8, d, 90), // backwards
      createMessage(3, 2, 8, d, 2 ** 31 + 90), // 2^31 ahead: treated as backwards too
    ]),
    [0, 0, 0, 0],
  );
});

test('header choice: fmt 1 for a new length or type, fmt 2 for a new delta, fmt 3 only once a delta repeats', async () => {
  const one = Buffer.from([1]);
  const two = Buffer.from([1, 2]);
  assert.deepEqual(
    await fmts([
      createMessage(4, 1, 8, one, 0), // fmt 0
      createMessage(4, 1, 8, one, 0), // delta 0 after fmt 0: fmt 2 (no delta established yet)
      createMessage(4, 1, 8, one, 0), // delta 0 again: fmt 3
      createMessage(4, 1, 8, two, 10), // new length: fmt 1
      createMessage(4, 1, 9, two, 20), // new type: fmt 1 (delta 10 again, but type differs)
      createMessage(4, 1, 9, two, 30), // same everything, delta 10: fmt 3
      createMessage(4, 1, 9, two, 45), // delta 15: fmt 2
    ]),
    [0, 2, 3, 1, 1, 3, 2],
  );
});

test('a forward timestamp wrap past 2^32 is a small delta, not a reset', async () => {
  const d = Buffer.from([1]);
  const chunks = await chunkMessages([createMessage(5, 1, 8, d, 0xfffffff0), createMessage(5, 1, 8, d, 0x10)]);
  assert.deepEqual(chunks.map((c) => [c.fmt, c.timestampField, c.extendedTimestamp]), [[0, 0xfffffff0, true], [2, 0x20, false]]);
});

test('timestamps are taken modulo 2^32', async () => {
  const [c] = await chunkMessages([{ ...createMessage(3, 0, 20, Buffer.alloc(1)), timestamp: 2 ** 32 + 5 }]);
  assert.equal(c!.timestamp, 5);
});

test('the chunker switches its chunk size right after chunking a Set Chunk Size message', async () => {
  const chunker = new MessageChunker();
  assert.equal(chunker.chunkSize, 128);
  const big = Buffer.alloc(300, 1);
  const chunks = await chunkMessages([
    createMessage(3, 0, 20, big),
    createMessage(2, 0, 1, Buffer.from([0, 0, 0x01, 0x00])), // 256
    createMessage(3, 0, 20, big),
  ]);
  assert.deepEqual(chunks.map((c) => c.payload.length), [128, 128, 44, 4, 256, 44]);
  chunker.write(createMessage(2, 0, 1, Buffer.from([0, 0, 0x10, 0x00])));
  assert.equal(chunker.chunkSize, 4096);
  chunker.destroy();
});

test('serializeMessage accepts a single chunk stream state and matches the connection-wide one', () => {
  const m1 = createMessage(6, 1, 9, Buffer.alloc(300, 2), 1000);
  const m2 = createMessage(6, 1, 9, Buffer.alloc(300, 3), 1033);
  const single = new ChunkStreamWriterState();
  const whole = new OutboundChunkState();
  assert.deepEqual(
    Buffer.concat([serializeMessage(m1, single, 128), serializeMessage(m2, single, 128)]),
    Buffer.concat([serializeMessage(m1, whole, 128), serializeMessage(m2, whole, 128)]),
  );
  assert.deepEqual(chunkMessage(m1, new ChunkStreamWriterState(), 4096).length, 1);
});

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ChunkError, `expected ChunkError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

test('typed errors for messages the chunker cannot send', async () => {
  const ok = createMessage(3, 0, 20, Buffer.from([1]));
  const cases: Array<[unknown, string]> = [
    ['msg', ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...ok, data: [1] }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...ok, chunkStreamId: 1 }, ErrorCode.CHUNK_STREAM_ID_INVALID],
    [{ ...ok, chunkStreamId: 65600 }, ErrorCode.CHUNK_STREAM_ID_INVALID],
    [{ ...ok, chunkStreamId: 2.5 }, ErrorCode.CHUNK_STREAM_ID_INVALID],
    [{ ...ok, length: 2 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...ok, type: 300 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...ok, messageStreamId: 2 ** 32 }, ErrorCode.CHUNK_INVALID_INPUT],
    [{ ...ok, timestamp: Number.NaN }, ErrorCode.CHUNK_INVALID_INPUT],
    [createMessage(3, 0, 20, Buffer.alloc(0x1000000)), ErrorCode.CHUNK_MESSAGE_TOO_LARGE],
    [createMessage(2, 0, 1, Buffer.from([0, 0, 0, 0])), ErrorCode.CHUNK_SIZE_INVALID],
    [createMessage(2, 0, 1, Buffer.from([0x80, 0, 0, 0])), ErrorCode.CHUNK_SIZE_INVALID],
    [createMessage(2, 0, 1, Buffer.from([0, 1])), ErrorCode.CHUNK_SIZE_INVALID],
  ];
  for (const [bad, code] of cases) {
    await assert.rejects(chunkMessages([bad]), rejectsWith(code), String(code));
  }
  // Streams refuse null themselves; the pure functions report it typed.
  assert.throws(() => chunkMessage(null as unknown as Message, new OutboundChunkState(), 128), rejectsWith(ErrorCode.CHUNK_INVALID_INPUT));
  assert.throws(() => serializeMessage(ok, new OutboundChunkState(), 0), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  assert.throws(() => serializeMessage(ok, new OutboundChunkState(), 0x80000000), rejectsWith(ErrorCode.CHUNK_SIZE_INVALID));
  assert.throws(() => new MessageChunker({ chunkSize: 0 }), rejectsWith(ErrorCode.CHUNK_INVALID_OPTION));
});
