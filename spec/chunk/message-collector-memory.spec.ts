/**
 * Issue 11, item 1: a partial message costs its payload bytes plus a small constant whatever the
 * chunk size, and assembling stays linear in bytes. The attack: Set Chunk Size 1, then a large
 * message in 1-byte chunks (before the fix every chunk left a Buffer view in the partial message:
 * ~125 bytes of memory per 2 wire bytes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { ChunkParser } from '../../lib/chunk/chunk-parser.js';
import { MessageCollector, accumulatorCapacity, EXACT_ALLOCATION_LIMIT } from '../../lib/chunk/message-collector.js';
import type { Message } from '../../lib/message/message.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Set Chunk Size `size` on csid 2, as its own message. */
function setChunkSize(size: number): Buffer {
  const b = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32BE(size, 12);
  return b;
}

/**
 * A `length`-byte video message on csid 3 at chunk size 1: a fmt 0 header and the first byte,
 * then a fmt 3 header (0xC3) before every further byte. Payload byte i is i & 0xff.
 */
function oneByteChunks(length: number): Buffer {
  const out = Buffer.allocUnsafe(12 + 1 + 2 * (length - 1));
  out.set([0x03, 0, 0, 0, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, 9, 1, 0, 0, 0], 0);
  out[12] = 0;
  for (let i = 1, p = 13; i < length; i++, p += 2) {
    out[p] = 0xc3;
    out[p + 1] = i & 0xff;
  }
  return out;
}

/** The same message at chunk size 65536 (fmt 3 headers every 64 KiB). */
function largeChunks(length: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x03, 0, 0, 0, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, 9, 1, 0, 0, 0])];
  for (let i = 0; i < length; i += 65536) {
    if (i > 0) parts.push(Buffer.from([0xc3]));
    const n = Math.min(65536, length - i);
    const p = Buffer.allocUnsafe(n);
    for (let j = 0; j < n; j++) p[j] = (i + j) & 0xff;
    parts.push(p);
  }
  return Buffer.concat(parts);
}

/** The cores as a connection runs them (reads owned, in-place assembly on), fed 64 KiB reads. */
function cores(): { parser: ChunkParser; collector: MessageCollector; messages: Message[]; feed(bytes: Buffer, upTo?: number): void } {
  const collector = new MessageCollector({ assembleInPlace: true });
  const messages: Message[] = [];
  const parser = new ChunkParser(
    { ownsInput: true },
    {
      onChunk(chunk: Chunk) {
        const m = collector.add(chunk);
        if (m) messages.push(m);
      },
      onSetChunkSize() {},
      onWindowAckSize() {},
      onAcknowledgement() {},
    },
  );
  const feed = (bytes: Buffer, upTo = bytes.length): void => {
    // Each read its own memory, as socket reads are (the collector may rewrite them in place).
    for (let i = 0; i < upTo; i += 65536) parser.push(Buffer.from(bytes.subarray(i, Math.min(upTo, i + 65536))));
  };
  return { parser, collector, messages, feed };
}

/** Heap and ArrayBuffer bytes in use after full GCs (backing stores are freed a turn later). */
async function heldMemory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('a 4 MiB message in 1-byte chunks, all but its last byte held: memory grows by its payload plus a constant', async () => {
  const length = 4 * 1024 * 1024;
  const wire = oneByteChunks(length);
  const c = cores();
  c.feed(setChunkSize(1));
  const before = await heldMemory();
  c.feed(wire, wire.length - 2);
  const during = await heldMemory();
  const growth = during - before;
  console.log(`# 1-byte chunks: ${length - 1} bytes held grew heap+arrayBuffers by ${growth} bytes`);
  // The old collector: one view per chunk, ~4 M views ≈ 400 MB of heap. Now: one buffer of the
  // message's length (4 MiB) and a few objects.
  assert.ok(growth < length + 2 * 1024 * 1024, `holding ${length - 1} of ${length} bytes grew memory by ${growth} bytes`);
  assert.equal(c.collector.partialCount, 1);
  assert.equal(c.collector.partialBytes, accumulatorCapacity(length - 1, length));
  c.feed(wire.subarray(wire.length - 2));
  assert.equal(c.messages.length, 2);
  const data = c.messages[1]!.data;
  assert.equal(data.length, length);
  for (let i = 0; i < length; i += 4099) assert.equal(data[i], i & 0xff, `byte ${i}`);
  assert.equal(c.collector.partialBytes, 0);
});

test('assembling 1-byte chunks is linear in bytes: 2 MiB takes about 4x 512 KiB', () => {
  const time = (length: number): number => {
    const wire = oneByteChunks(length);
    const c = cores();
    c.feed(setChunkSize(1));
    // CPU time, not wall time: on a shared machine the OS may not run this process for a while.
    const start = process.cpuUsage();
    c.feed(wire);
    const used = process.cpuUsage(start);
    assert.equal(c.messages[1]!.length, length);
    return (used.user + used.system) * 1000;
  };
  time(256 * 1024); // warm up
  // The least of three runs: GC and caches vary.
  const small = Math.min(time(512 * 1024), time(512 * 1024), time(512 * 1024));
  const large = Math.min(time(2 * 1024 * 1024), time(2 * 1024 * 1024), time(2 * 1024 * 1024));
  const ratio = large / small;
  console.log(`# 1-byte chunks: 512 KiB in ${(small / 1e6).toFixed(0)} ms, 2 MiB in ${(large / 1e6).toFixed(0)} ms`);
  assert.ok(ratio < 8, `2 MiB took ${(large / 1e6).toFixed(0)} ms, 512 KiB ${(small / 1e6).toFixed(0)} ms: ratio ${ratio.toFixed(2)}`);
  // Absolute: ~2 wire bytes per payload byte, a chunk object each; the old path took 4.9 s for 4 MB.
  assert.ok(large < 2.5e9, `2 MiB in 1-byte chunks took ${(large / 1e6).toFixed(0)} ms`);
});

test('large chunks: a 16 MiB message spanning reads costs its length, bytes intact', async () => {
  const length = 16 * 1024 * 1024 - 1;
  const wire = largeChunks(length);
  const c = cores();
  c.feed(setChunkSize(65536));
  const before = await heldMemory();
  c.feed(wire, wire.length - 100);
  const growth = (await heldMemory()) - before;
  console.log(`# 64 KiB chunks: ${length - 99} bytes held grew heap+arrayBuffers by ${growth} bytes`);
  assert.ok(growth < length + 2 * 1024 * 1024, `grew by ${growth}`);
  assert.ok(c.collector.partialBytes <= length);
  c.feed(wire.subarray(wire.length - 100));
  const data = c.messages[1]!.data;
  assert.equal(data.length, length);
  for (let i = 0; i < length; i += 65521) assert.equal(data[i], i & 0xff, `byte ${i}`);
});

test('accumulatorCapacity: whole up to 1 MiB, then steps of 4 capped at the length', () => {
  assert.equal(accumulatorCapacity(10, 5000), 5000);
  assert.equal(accumulatorCapacity(10, EXACT_ALLOCATION_LIMIT), EXACT_ALLOCATION_LIMIT);
  assert.equal(accumulatorCapacity(10, 16_000_000), EXACT_ALLOCATION_LIMIT);
  assert.equal(accumulatorCapacity(EXACT_ALLOCATION_LIMIT + 1, 16_000_000), 4 * (EXACT_ALLOCATION_LIMIT + 1));
  assert.equal(accumulatorCapacity(5_000_000, 16_000_000), 16_000_000);
});

test('partialBytes and the memory account agree through views, buffer growth, completion and Abort', () => {
  let charged = 0;
  const collector = new MessageCollector({ memoryAccount: { charge: (n) => (charged += n) } });
  const chunk = (csid: number, offset: number, payload: Buffer, length: number): Chunk => ({
    fmt: offset === 0 ? 0 : 3, chunkStreamId: csid, timestamp: 0, timestampField: 0, extendedTimestamp: false,
    messageLength: length, messageTypeId: 9, messageStreamId: 1, messageOffset: offset, payload,
  });
  const length = 3 * 1024 * 1024;
  let offset = 0;
  for (let i = 0; i < 20; i++, offset += 1000) {
    collector.add(chunk(4, offset, Buffer.alloc(1000, i), length));
    assert.equal(charged, collector.partialBytes);
  }
  assert.equal(collector.partialBytes, EXACT_ALLOCATION_LIMIT, 'past 8 views: one buffer');
  collector.add(chunk(5, 0, Buffer.alloc(10), 20));
  assert.equal(charged, EXACT_ALLOCATION_LIMIT + 10);
  collector.abort(4);
  assert.equal(charged, 10);
  const m = collector.add(chunk(5, 10, Buffer.alloc(10, 1), 20));
  assert.equal(m!.length, 20);
  assert.equal(charged, 0);
  assert.equal(collector.partialBytes, 0);
});
