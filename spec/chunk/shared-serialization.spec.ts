import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { ChunkEncoder } from '../../lib/chunk/chunk-encoder.js';
import { MessageChunker, chunkShared, type SharedMessage } from '../../lib/chunk/message-chunker.js';
import { OutboundChunkState } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { createMessage } from '../../lib/message/message.js';
import { createPrng } from '../helpers/prng.js';

/** Messages like a live stream: audio and video on their own chunk streams, one stream id. */
function mediaMessages(count: number, seed: number): SharedMessage[] {
  const prng = createPrng(seed);
  const out: SharedMessage[] = [];
  let t = 16_777_000; // crosses the extended-timestamp threshold on the way
  for (let i = 0; i < count; i++) {
    t += prng.int(40);
    const video = prng.int(3) === 0;
    const size = video ? 100 + prng.int(20_000) : 10 + prng.int(400);
    out.push({ ...createMessage(video ? 6 : 4, 1, video ? 9 : 8, prng.bytes(size), t), shared: new Map() });
  }
  return out;
}

/** Runs messages through MessageChunker (+ optional chunk stage) → ChunkEncoder; returns the bytes and the pushes. */
async function send(messages: SharedMessage[], chunkSize: number, stage?: Transform): Promise<{ bytes: Buffer; pushes: number }> {
  const parts: Buffer[] = [];
  const sink = new Writable({ write: (b: Buffer, _e, cb) => (parts.push(b), cb()) });
  const stages = [Readable.from(messages, { objectMode: true }), new MessageChunker({ chunkSize }), ...(stage ? [stage] : []), new ChunkEncoder(), sink];
  await (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
  return { bytes: Buffer.concat(parts), pushes: parts.length };
}

function plainBytes(messages: SharedMessage[], chunkSize: number): Buffer {
  const state = new OutboundChunkState();
  return Buffer.concat(messages.map((m) => serializeMessage({ ...m, shared: undefined } as SharedMessage, state, chunkSize)));
}

test('shared serialization gives the same bytes as plain chunking, built once for many connections', async () => {
  for (const chunkSize of [128, 4096]) {
    const messages = mediaMessages(200, chunkSize);
    const expected = plainBytes(messages, chunkSize);
    const first = await send(messages, chunkSize);
    const second = await send(messages, chunkSize);
    assert.ok(first.bytes.equals(expected), `chunk size ${chunkSize}: first connection`);
    assert.ok(second.bytes.equals(expected), `chunk size ${chunkSize}: second connection`);
    // One wire form per message for both connections (same header state), one push per message.
    assert.ok(messages.every((m) => m.shared!.size === 1));
    assert.equal(second.pushes, messages.length);
  }
});

test('connections in different header states get their own wire form, each correct', () => {
  const m: SharedMessage = { ...createMessage(6, 1, 9, Buffer.alloc(300, 7), 1000), shared: new Map() };
  const fresh = new OutboundChunkState();
  const warm = new OutboundChunkState();
  chunkShared(createMessage(6, 1, 9, Buffer.alloc(300), 960), new Map(), warm, 128);
  const a = chunkShared(m, m.shared!, fresh, 128);
  const b = chunkShared(m, m.shared!, warm, 128);
  assert.equal(m.shared!.size, 2);
  assert.deepEqual([a[0]!.fmt, b[0]!.fmt], [0, 2]);
  const plainWarm = new OutboundChunkState();
  serializeMessage(createMessage(6, 1, 9, Buffer.alloc(300), 960), plainWarm, 128);
  assert.ok(Buffer.concat(b.map((c) => c.wire!)).equals(serializeMessage(m, plainWarm, 128)));
  // The payload views are the tails of the wire views.
  for (const c of [...a, ...b]) assert.ok(c.wire!.subarray(c.wire!.length - c.payload.length).equals(c.payload));
});

test('a chunk stage that swaps payloads turns the shared bytes off for that chunk', async () => {
  const messages = mediaMessages(20, 7);
  const swap = new Transform({
    objectMode: true,
    transform: (c: Chunk, _e, cb) => cb(null, { ...c, payload: Buffer.alloc(c.payload.length, 0xee) }),
  });
  const { bytes } = await send(messages, 4096, swap);
  const expected = plainBytes(messages.map((m) => ({ ...m, data: Buffer.alloc(m.data.length, 0xee) })), 4096);
  assert.ok(bytes.equals(expected), 'the swapped payloads went out, not the cached ones');
});

test('serializeSharedMedia with a SharedWireCache: same bytes as plain serialization for every connection state, checks kept', async () => {
  const { SharedWireCache } = await import('../../lib/chunk/message-chunker.js');
  const messages = mediaMessages(120, 11);
  // Three connections: two in step, one that skipped the first 10 messages (other header state).
  const chunkers = [new MessageChunker({ chunkSize: 4096 }), new MessageChunker({ chunkSize: 4096 }), new MessageChunker({ chunkSize: 4096 })];
  const plain = [new OutboundChunkState(), new OutboundChunkState(), new OutboundChunkState()];
  messages.forEach((m, i) => {
    const cache = new SharedWireCache();
    chunkers.forEach((chunker, c) => {
      if (c === 2 && i < 10) return;
      const wire = chunker.serializeSharedMedia(cache, m.chunkStreamId, m.messageStreamId, m.timestamp, m.type, m.data);
      const expected = serializeMessage({ ...m, shared: undefined } as SharedMessage, plain[c]!, 4096);
      assert.ok(wire.equals(expected), `message ${i}, connection ${c}`);
    });
  });
  const bad = new SharedWireCache();
  assert.throws(() => chunkers[0]!.serializeSharedMedia(bad, 1, 1, 0, 9, Buffer.alloc(4)), /chunk stream/i, 'csid 1 is refused');
  // A plain Map still works (the generic path).
  const m = messages[0]!;
  const viaMap = new MessageChunker({ chunkSize: 4096 }).serializeSharedMedia(new Map(), m.chunkStreamId, m.messageStreamId, m.timestamp, m.type, m.data);
  assert.ok(viaMap.equals(serializeMessage({ ...m, shared: undefined } as SharedMessage, new OutboundChunkState(), 4096)));
});
