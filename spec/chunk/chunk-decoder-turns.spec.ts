/**
 * Issue 11, item 3: a ChunkDecoder parses at most `chunksPerTurn` chunks per event-loop turn and
 * only while its reader has room; the rest of the read waits, nothing is lost or reordered.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { ChunkDecoder, DEFAULT_CHUNKS_PER_TURN } from '../../lib/chunk/chunk-decoder.js';
import { ChunkParser } from '../../lib/chunk/chunk-parser.js';

/** `count` one-byte audio messages on csid 4: a fmt 0 header first, then fmt 2 (timestamp delta 1). */
function tinyMessages(count: number): Buffer {
  const out = Buffer.alloc(12 + 1 + (count - 1) * 5);
  out.set([0x04, 0, 0, 0, 0, 0, 1, 8, 1, 0, 0, 0, 0], 0);
  for (let i = 1, p = 13; i < count; i++, p += 5) out.set([0x84, 0, 0, 1, i & 0xff], p);
  return out;
}

test('one read of 13 000 messages is parsed over several turns, a bounded batch each, all in order', async () => {
  const count = 13_000;
  const decoder = new ChunkDecoder();
  const chunks: Chunk[] = [];
  let batch = 0;
  let maxBatch = 0;
  let turns = 0;
  const tick = (): void => {
    turns++;
    if (batch > maxBatch) maxBatch = batch;
    batch = 0;
    if (chunks.length < count) setImmediate(tick);
  };
  decoder.on('data', (c: Chunk) => {
    chunks.push(c);
    batch++;
  });
  setImmediate(tick);
  decoder.end(tinyMessages(count));
  await once(decoder, 'end');
  if (batch > maxBatch) maxBatch = batch;
  assert.equal(chunks.length, count);
  for (let i = 0; i < count; i++) assert.ok(chunks[i]!.timestamp === i && chunks[i]!.payload[0] === (i & 0xff), `chunk ${i}`);
  assert.ok(maxBatch <= DEFAULT_CHUNKS_PER_TURN, `${maxBatch} chunks in one turn`);
  assert.ok(turns >= count / DEFAULT_CHUNKS_PER_TURN - 1, `${turns} turns`);
});

test('with nobody reading, parsing stops at the highWaterMark and the write waits', async () => {
  const decoder = new ChunkDecoder({ highWaterMark: 8 });
  let written = false;
  decoder.write(tinyMessages(100), () => (written = true));
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(decoder.readableLength, 8);
  assert.equal(written, false, 'the read is not done while its chunks wait');
  const got: Chunk[] = [];
  decoder.on('data', (c: Chunk) => got.push(c));
  decoder.end();
  await once(decoder, 'end');
  assert.equal(got.length, 100);
  assert.ok(written);
});

test('chunksPerTurn is an option', async () => {
  const decoder = new ChunkDecoder({ chunksPerTurn: 10 });
  let batch = 0;
  let maxBatch = 0;
  let total = 0;
  const tick = (): void => {
    if (batch > maxBatch) maxBatch = batch;
    batch = 0;
    if (total < 100) setImmediate(tick);
  };
  setImmediate(tick);
  decoder.on('data', () => {
    batch++;
    total++;
  });
  decoder.end(tinyMessages(100));
  await once(decoder, 'end');
  assert.equal(total, 100);
  assert.ok(maxBatch <= 10, `${maxBatch}`);
});

test('bytesPerTurn: reads written in one go are taken in about bytesPerTurn bytes per turn', async () => {
  const decoder = new ChunkDecoder({ chunkSize: 65536, bytesPerTurn: 128 * 1024 });
  // 16 reads of one 60 000-byte message each.
  const message = Buffer.alloc(12 + 60_000, 5);
  message.set([0x04, 0, 0, 0, 0x00, 0xea, 0x60, 9, 1, 0, 0, 0], 0);
  const perTurn: number[] = [];
  let count = 0;
  decoder.on('data', () => count++);
  const tick = (): void => {
    perTurn.push(count);
    count = 0;
    if (perTurn.reduce((a, b) => a + b, 0) < 16) setImmediate(tick);
  };
  setImmediate(tick);
  for (let i = 0; i < 16; i++) decoder.write(Buffer.from(message));
  decoder.end();
  await once(decoder, 'end');
  perTurn.push(count);
  assert.equal(perTurn.reduce((a, b) => a + b, 0), 16);
  // 128 KiB is two reads and a bit: at most three messages between two turns.
  assert.ok(Math.max(...perTurn) <= 3, `messages per turn: ${perTurn.join(' ')}`);
});

test('ChunkParser.pause() stops after the chunk being delivered; resume() goes on with the same chunks, in order', () => {
  const bytes = tinyMessages(50);
  const all: number[] = [];
  const plain = new ChunkParser({}, { onChunk: (c) => all.push(c.timestamp), onSetChunkSize() {}, onWindowAckSize() {}, onAcknowledgement() {} });
  assert.equal(plain.push(bytes), true);
  const got: number[] = [];
  let pushes = 0;
  const parser = new ChunkParser(
    {},
    {
      onChunk: (c) => {
        got.push(c.timestamp);
        if (got.length % 7 === 0) parser.pause();
      },
      onSetChunkSize() {},
      onWindowAckSize() {},
      onAcknowledgement() {},
    },
  );
  let done = parser.push(bytes);
  while (!done) {
    pushes++;
    assert.equal(got.length % 7, 0, 'stopped right after the chunk that paused');
    done = parser.resume();
  }
  assert.deepEqual(got, all);
  assert.equal(pushes, 7);
  assert.equal(parser.bufferedBytes, 0);
});
