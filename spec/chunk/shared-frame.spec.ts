import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { ChunkEncoder } from '../../lib/chunk/chunk-encoder.js';
import { ChunkWriter, type FramedMessage } from '../../lib/chunk/chunk-writer.js';
import { MessageChunker } from '../../lib/chunk/message-chunker.js';
import { OutboundChunkState } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import { SharedFrame } from '../../lib/chunk/shared-frame.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { ErrorCode } from '../../lib/errors.js';
import { createMessage } from '../../lib/message/message.js';
import { createPrng } from '../helpers/prng.js';

/** Messages like a live stream: audio and video on their own chunk streams, one stream id, each with its frame. */
function mediaMessages(count: number, seed: number): FramedMessage[] {
  const prng = createPrng(seed);
  const out: FramedMessage[] = [];
  let t = 16_777_000; // crosses the extended-timestamp threshold on the way
  for (let i = 0; i < count; i++) {
    t += prng.int(40);
    const video = prng.int(3) === 0;
    const size = video ? 100 + prng.int(20_000) : 10 + prng.int(400);
    const m = createMessage(video ? 6 : 4, 1, video ? 9 : 8, prng.bytes(size), t);
    out.push({ ...m, frame: new SharedFrame(m.type, m.timestamp, m.data) });
  }
  return out;
}

/** Runs messages through MessageChunker (+ optional chunk stage) → ChunkEncoder; returns the bytes and the pushes. */
async function send(messages: FramedMessage[], chunkSize: number, stage?: Transform): Promise<{ bytes: Buffer; pushes: number }> {
  const parts: Buffer[] = [];
  const sink = new Writable({ write: (b: Buffer, _e, cb) => (parts.push(b), cb()) });
  const stages = [Readable.from(messages, { objectMode: true }), new MessageChunker({ chunkSize }), ...(stage ? [stage] : []), new ChunkEncoder(), sink];
  await (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
  return { bytes: Buffer.concat(parts), pushes: parts.length };
}

/** The same messages serialized on their own, no frame: what every path must produce. */
function plainBytes(messages: FramedMessage[], chunkSize: number): Buffer {
  const state = new OutboundChunkState();
  return Buffer.concat(messages.map(({ frame: _, ...m }) => serializeMessage(m, state, chunkSize)));
}

test('framed messages through the chunker adapter: same bytes as plain serialization, built once for many connections', async () => {
  for (const chunkSize of [128, 4096]) {
    const messages = mediaMessages(200, chunkSize);
    const expected = plainBytes(messages, chunkSize);
    const first = await send(messages, chunkSize);
    const second = await send(messages, chunkSize);
    assert.ok(first.bytes.equals(expected), `chunk size ${chunkSize}: first connection`);
    assert.ok(second.bytes.equals(expected), `chunk size ${chunkSize}: second connection`);
    // One wire form per message for both connections (same header state), one push per message.
    assert.ok(messages.every((m) => m.frame!.serializations === 1));
    assert.equal(second.pushes, messages.length);
  }
});

test('ChunkWriter.serializeFrame: connections in different header states get their own bytes, each correct', () => {
  const messages = mediaMessages(120, 11);
  // Three writers: two in step, one that skipped the first 10 messages (another header state).
  const writers = [new ChunkWriter({ chunkSize: 4096 }), new ChunkWriter({ chunkSize: 4096 }), new ChunkWriter({ chunkSize: 4096 })];
  const plain = [new OutboundChunkState(), new OutboundChunkState(), new OutboundChunkState()];
  const wires: Buffer[][] = [[], [], []];
  messages.forEach(({ frame, ...m }, i) => {
    writers.forEach((writer, c) => {
      if (c === 2 && i < 10) return;
      const wire = writer.serializeFrame(frame!, m.chunkStreamId, m.messageStreamId);
      wires[c]!.push(wire);
      assert.ok(wire.equals(serializeMessage(m, plain[c]!, 4096)), `message ${i}, connection ${c}`);
    });
  });
  // Writers in the same state share the very buffers; the third one needed its own header once.
  assert.ok(wires[0]!.every((w, i) => w === wires[1]![i]));
  assert.ok(messages[10]!.frame!.serializations >= 1 && messages[10]!.frame!.serializations <= 2);
  assert.equal(writers[0]!.bytesProduced, wires[0]!.reduce((n, w) => n + w.length, 0), 'every byte produced is counted');
});

test('a frame answers every shape it was asked for, old ones included', () => {
  const frame = new SharedFrame(9, 1000, Buffer.alloc(300, 7));
  const shapes: Array<[number, number, 0 | 1 | 2 | 3, number, boolean, number]> = [
    [6, 1, 0, 1000, false, 128],
    [6, 1, 2, 40, false, 128],
    [6, 2, 0, 1000, false, 4096],
  ];
  const first = shapes.map((s) => frame.wire(...s));
  const again = shapes.map((s) => frame.wire(...s));
  assert.equal(frame.serializations, 3);
  first.forEach((w, i) => assert.equal(again[i], w, `shape ${i} reused`));
});

test('a frame refuses what no connection could send (typed errors)', () => {
  assert.throws(() => new SharedFrame(256, 0, Buffer.alloc(1)), (e: { code?: string }) => e.code === ErrorCode.CHUNK_INVALID_INPUT);
  assert.throws(() => new SharedFrame(9, Number.NaN, Buffer.alloc(1)), (e: { code?: string }) => e.code === ErrorCode.CHUNK_INVALID_INPUT);
  assert.throws(() => new SharedFrame(9, 0, 'x' as unknown as Buffer), (e: { code?: string }) => e.code === ErrorCode.CHUNK_INVALID_INPUT);
  const writer = new ChunkWriter();
  const frame = new SharedFrame(9, 0, Buffer.alloc(4));
  assert.throws(() => writer.serializeFrame(frame, 1, 1), (e: { code?: string }) => e.code === ErrorCode.CHUNK_STREAM_ID_INVALID, 'csid 1 is refused');
  assert.throws(() => writer.serializeFrame(frame, 6, -1), (e: { code?: string }) => e.code === ErrorCode.CHUNK_INVALID_INPUT);
  assert.equal(writer.bytesProduced, 0, 'nothing was produced');
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

test('a message whose payload or timestamp a stage replaced is sent as itself, not as its stale frame', () => {
  const m = createMessage(6, 1, 9, Buffer.alloc(200, 1), 500);
  const frame = new SharedFrame(m.type, m.timestamp, m.data);
  const replaced = { ...m, data: Buffer.alloc(200, 2), frame };
  const retimed = { ...m, timestamp: 540, frame };
  for (const changed of [replaced, retimed]) {
    const { frame: _, ...own } = changed;
    assert.ok(new ChunkWriter().serialize(changed).equals(serializeMessage(own, new OutboundChunkState(), 128)));
  }
  assert.equal(frame.serializations, 0, 'the stale frame was never used');
});
