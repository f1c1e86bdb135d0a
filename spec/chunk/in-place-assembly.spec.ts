/**
 * In-place assembly: ChunkDecoder `ownsInput` → MessageAssembler `assembleInPlace` (and their
 * synchronous cores). Messages whose chunks lie back to back in one read become views of that read;
 * everything else is joined as before. Every read is a fresh copy here, because assembly rewrites it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkParser } from '../../lib/chunk/chunk-parser.js';
import { ChunkDecoder } from '../../lib/chunk/chunk-decoder.js';
import { encodeChunkHeader } from '../../lib/chunk/chunk-header.js';
import { MessageCollector } from '../../lib/chunk/message-collector.js';
import { MessageAssembler } from '../../lib/chunk/message-assembler.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { createPrng, type Prng } from '../helpers/prng.js';
import { randomMessages, randomSplit } from './random-corpus.js';
import { decodePieces, encodeMessages, splits, type Decoded } from './stream-helpers.js';
import { fill, vectors } from './vectors.js';

/** Each piece copied into memory of its own, as a socket read is. */
function ownReads(pieces: Buffer[]): Buffer[] {
  return pieces.map((p) => {
    const out = Buffer.allocUnsafeSlow(p.length);
    p.copy(out);
    return out;
  });
}

/** The pieces as views of one fresh copy of their concatenation (adjacent reads sharing memory). */
function sharedReads(pieces: Buffer[]): Buffer[] {
  const whole = Buffer.from(Buffer.concat(pieces));
  const out: Buffer[] = [];
  let at = 0;
  for (const p of pieces) {
    out.push(whole.subarray(at, at + p.length));
    at += p.length;
  }
  return out;
}

function decodeInPlace(reads: Buffer[], chunkSize?: number): Promise<Decoded> {
  return decodePieces(reads, chunkSize === undefined ? { ownsInput: true } : { chunkSize, ownsInput: true }, { assembleInPlace: true });
}

function decodeCopying(reads: Buffer[], chunkSize?: number): Promise<Decoded> {
  return decodePieces(reads, chunkSize === undefined ? {} : { chunkSize });
}

/** Messages assembled in place: views of a read that are not simply one chunk's payload. */
function inPlaceMessages(decoded: Decoded, reads: Buffer[]): Message[] {
  const memories = new Set<ArrayBufferLike>(reads.map((r) => r.buffer));
  const payloads = new Set(decoded.chunks.map((c) => c.payload));
  return decoded.messages.filter((m) => memories.has(m.data.buffer) && !payloads.has(m.data));
}

/** Chunk header bytes (fmt 0 for the first chunk of a message, fmt 3 after), via encodeChunkHeader. */
function header(m: Message, offset: number): Buffer {
  const extended = m.timestamp >= 0xffffff;
  return encodeChunkHeader({
    fmt: offset === 0 ? 0 : 3,
    chunkStreamId: m.chunkStreamId,
    timestamp: m.timestamp,
    timestampField: m.timestamp,
    extendedTimestamp: extended,
    messageLength: m.length,
    messageTypeId: m.type,
    messageStreamId: m.messageStreamId,
    messageOffset: offset,
    payload: Buffer.alloc(0),
  });
}

/**
 * A wire with messages on several chunk streams interleaved chunk by chunk at random (up to three
 * in flight, each on its own chunk stream), so some messages are back to back and others are not.
 * `completed`: the messages in the order their last chunk is written (the order they decode in).
 */
function interleavedWire(rng: Prng, messages: Message[], chunkSize: number): { wire: Buffer; completed: Message[] } {
  const parts: Buffer[] = [];
  const completed: Message[] = [];
  const active: Array<{ m: Message; offset: number }> = [];
  let next = 0;
  while (next < messages.length || active.length > 0) {
    const busy = new Set(active.map((a) => a.m.chunkStreamId));
    if (next < messages.length && active.length < 3 && !busy.has(messages[next]!.chunkStreamId) && (active.length === 0 || rng.int(3) === 0)) {
      active.push({ m: messages[next++]!, offset: 0 });
    }
    const i = rng.int(active.length);
    const a = active[i]!;
    const size = Math.min(chunkSize, a.m.length - a.offset);
    parts.push(header(a.m, a.offset), a.m.data.subarray(a.offset, a.offset + size));
    a.offset += size;
    if (a.offset === a.m.length) {
      active.splice(i, 1);
      completed.push(a.m);
    }
  }
  return { wire: Buffer.concat(parts), completed };
}

/** Messages on csids 3, 4, 70 and 400 (all three basic header forms), some past the 24-bit timestamp. */
function mixedMessages(rng: Prng, count: number): Message[] {
  const csids = [3, 4, 70, 400];
  const out: Message[] = [];
  let ts = rng.int(2) === 0 ? 0xffff00 : 0;
  for (let i = 0; i < count; i++) {
    ts += rng.int(40);
    const length = rng.int(5) === 0 ? rng.int(20000) : 1 + rng.int(700);
    out.push(createMessage(csids[rng.int(csids.length)]!, 1, 9, rng.bytes(length), ts));
  }
  return out;
}

function assertSameMessages(actual: Message[], expected: Message[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: message count`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.deepEqual(
      [a.chunkStreamId, a.messageStreamId, a.timestamp, a.type, a.length],
      [e.chunkStreamId, e.messageStreamId, e.timestamp >>> 0, e.type, e.length],
      `${what}: message ${i}`,
    );
    assert.ok(a.data.equals(e.data), `${what}: message ${i} data`);
  }
}

for (const v of vectors) {
  test(`in place: ${v.name} — same messages as the copy path, whole, byte by byte and at every split`, async () => {
    const options = v.chunkSize;
    const copied = await decodeCopying([Buffer.from(v.bytes)], options);
    assert.deepEqual(copied.messages, v.messages);
    for (const pieces of [[v.bytes], ...splits(v.bytes)]) {
      for (const reads of [ownReads(pieces), sharedReads(pieces)]) {
        const { messages } = await decodeInPlace(reads, options);
        assert.deepEqual(messages, v.messages, `split into ${pieces.map((p) => p.length).join('+')}`);
      }
    }
  });
}

test('in place: the §5.3.2.2 video message in one read is a view of the read, its headers moved out', async () => {
  const v = vectors.find((x) => x.name.includes('307-byte video'))!;
  const [read] = ownReads([v.bytes]);
  const decoded = await decodeInPlace([read!]);
  const [m] = decoded.messages;
  assert.ok(m!.data.equals(Buffer.from(fill(307, 0x01))));
  // fmt 0 header (12 bytes) then the 307 payload bytes, moved left over the two 1-byte fmt 3 headers.
  assert.equal(m!.data.buffer, read!.buffer);
  assert.equal(m!.data.byteOffset, read!.byteOffset + 12);
  assert.deepEqual(
    decoded.chunks.map((c) => c.headerSize),
    [12, 1, 1],
  );
  // The copy path leaves the read as it was and copies the message.
  const [untouched] = ownReads([v.bytes]);
  const copied = await decodeCopying([untouched!]);
  assert.ok(untouched!.equals(v.bytes));
  assert.notEqual(copied.messages[0]!.data.buffer, untouched!.buffer);
  assert.equal(copied.chunks[0]!.headerSize, undefined);
});

test('in place: headerSize counts the extended timestamp, and is 0 for a chunk whose header spans reads', async () => {
  const v = vectors.find((x) => x.name.startsWith('extended timestamp on fmt 0'))!;
  const whole = await decodeInPlace(ownReads([v.bytes]), v.chunkSize);
  // fmt 0 with an extended timestamp: 1 + 11 + 4; its fmt 3 continuation repeats it: 1 + 4.
  assert.deepEqual(whole.chunks.map((c) => c.headerSize), [16, 5]);
  const reads = ownReads([v.bytes]);
  const again = await decodeInPlace(reads, v.chunkSize);
  assert.equal(inPlaceMessages(again, reads).length, 1);
  assert.deepEqual(again.messages, v.messages);
  // Cut inside the second header: that chunk is not marked, so the message is joined.
  const cut = 12 + 4 + 128 + 2;
  const split = ownReads([v.bytes.subarray(0, cut), v.bytes.subarray(cut)]);
  const decoded = await decodeInPlace(split, v.chunkSize);
  assert.deepEqual(decoded.chunks.map((c) => c.headerSize), [16, 0]);
  assert.equal(inPlaceMessages(decoded, split).length, 0);
  assert.deepEqual(decoded.messages, v.messages);
});

test('in place: random round-trip corpus at random chunk sizes and read splits gives the copy path messages', async () => {
  const rng = createPrng(0x1b7ace);
  let assembledInPlace = 0;
  for (let run = 0; run < 60; run++) {
    const messages = randomMessages(rng);
    const chunkSize = 1 + rng.int(rng.int(2) === 0 ? 200 : 70000);
    const bytes = await encodeMessages(messages, chunkSize);
    const pieces = randomSplit(rng, bytes);
    const copied = await decodeCopying(ownReads(pieces), chunkSize);
    assertSameMessages(copied.messages, messages, `run ${run}, copy path`);
    for (const reads of [ownReads(pieces), sharedReads(pieces)]) {
      const decoded = await decodeInPlace(reads, chunkSize);
      assert.deepEqual(decoded.messages, copied.messages, `run ${run}`);
      assembledInPlace += inPlaceMessages(decoded, reads).length;
    }
  }
  assert.ok(assembledInPlace > 20, `only ${assembledInPlace} messages were assembled in place`);
});

test('in place: interleaved chunk streams in one read fall back to a copy, both messages intact', async () => {
  const a = Buffer.from(fill(200, 0x10));
  const b = Buffer.from(fill(150, 0x80));
  // prettier-ignore
  const bytes = Buffer.concat([
    Buffer.from([0x04, 0, 0, 0, 0, 0, 200, 8, 1, 0, 0, 0]), a.subarray(0, 128), // csid 4 fmt 0, 200-byte audio: first 128
    Buffer.from([0x06, 0, 0, 0, 0, 0, 150, 9, 1, 0, 0, 0]), b.subarray(0, 128), // csid 6 fmt 0, 150-byte video: first 128
    Buffer.from([0xc4]), a.subarray(128), //                                        csid 4 fmt 3: last 72
    Buffer.from([0xc6]), b.subarray(128), //                                        csid 6 fmt 3: last 22
  ]);
  const reads = ownReads([bytes]);
  const decoded = await decodeInPlace(reads);
  assert.equal(decoded.messages.length, 2);
  assert.ok(decoded.messages[0]!.data.equals(a));
  assert.ok(decoded.messages[1]!.data.equals(b));
  assert.equal(inPlaceMessages(decoded, reads).length, 0);
  assert.ok(reads[0]!.equals(bytes), 'a message that falls back leaves the read untouched');
});

test('in place: a back-to-back message inside an interleaved one is assembled in place without touching the other', async () => {
  const outer = Buffer.from(fill(200, 0x10));
  const inner = Buffer.from(fill(300, 0x90));
  // prettier-ignore
  const bytes = Buffer.concat([
    Buffer.from([0x04, 0, 0, 0, 0, 0, 200, 8, 1, 0, 0, 0]), outer.subarray(0, 128),    // csid 4 fmt 0: outer's first 128
    Buffer.from([0x06, 0, 0, 0, 0, 0x01, 0x2c, 9, 1, 0, 0, 0]), inner.subarray(0, 128), // csid 6 fmt 0, 300 bytes: first 128
    Buffer.from([0xc6]), inner.subarray(128, 256), //                                     csid 6 fmt 3: next 128
    Buffer.from([0xc6]), inner.subarray(256), //                                          csid 6 fmt 3: last 44
    Buffer.from([0xc4]), outer.subarray(128), //                                          csid 4 fmt 3: outer's last 72
  ]);
  const reads = ownReads([bytes]);
  const decoded = await decodeInPlace(reads);
  const [innerMessage, outerMessage] = decoded.messages;
  assert.ok(innerMessage!.data.equals(inner));
  assert.ok(outerMessage!.data.equals(outer));
  assert.deepEqual(inPlaceMessages(decoded, reads), [innerMessage]);
  // The outer message's first payload sits before the inner span and its last after it: unmoved.
  assert.ok(reads[0]!.subarray(0, 12 + 128).equals(bytes.subarray(0, 12 + 128)));
  assert.ok(reads[0]!.subarray(bytes.length - 73).equals(bytes.subarray(bytes.length - 73)));
});

test('in place: every message of a long interleaved stream, held to the end, is byte-exact', async () => {
  const rng = createPrng(0x4e1d);
  for (const chunkSize of [128, 1000, 4096]) {
    const { wire, completed: messages } = interleavedWire(rng, mixedMessages(rng, 1500), chunkSize);
    const pieces: Buffer[] = [];
    for (let at = 0; at < wire.length; ) {
      const n = 1 + rng.int(rng.int(4) === 0 ? 300 : 70000);
      pieces.push(wire.subarray(at, at + n));
      at += n;
    }
    for (const reads of [ownReads(pieces), sharedReads(pieces)]) {
      const decoded = await decodeInPlace(reads, chunkSize);
      // Checked only now, after every later message was assembled (in place or not).
      assertSameMessages(decoded.messages, messages, `chunk size ${chunkSize}`);
      const inPlace = inPlaceMessages(decoded, reads).length;
      assert.ok(inPlace > 50, `chunk size ${chunkSize}: only ${inPlace} in place`);
      assert.ok(inPlace < messages.length, `chunk size ${chunkSize}: some must fall back`);
    }
  }
});

test('in place: Abort and a new header mid-message drop the partial message without touching its bytes', async () => {
  const dropped = Buffer.from(fill(128, 0x40));
  const replaced = Buffer.from(fill(128, 0x60));
  const kept = Buffer.from(fill(200, 0x20));
  // prettier-ignore
  const bytes = Buffer.concat([
    Buffer.from([0x04, 0, 0, 0, 0, 0, 200, 8, 1, 0, 0, 0]), dropped,  //       csid 4: first 128 of 200
    Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 0, 0, 0, 4]), //       Abort (type 2) naming csid 4
    Buffer.from([0x06, 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0]), replaced, //       csid 6: first 128 of 200
    Buffer.from([0x46, 0, 0, 5, 0, 0, 200, 9]), kept.subarray(0, 128), //       csid 6 fmt 1 mid-message: a new 200-byte message
    Buffer.from([0xc6]), kept.subarray(128), //                                 csid 6 fmt 3: its last 72
  ]);
  const reads = ownReads([bytes]);
  const decoded = await decodeInPlace(reads);
  assert.deepEqual(
    decoded.messages.map((m) => [m.chunkStreamId, m.type, m.length]),
    [[2, 2, 4], [6, 9, 200]],
  );
  assert.ok(decoded.messages[1]!.data.equals(kept));
  assert.equal(inPlaceMessages(decoded, reads).length, 1);
  // Everything before the kept message's span is as it arrived.
  const keptStart = bytes.length - 72 - 1 - 128;
  assert.ok(reads[0]!.subarray(0, keptStart).equals(bytes.subarray(0, keptStart)));
});

test('in place: Set Chunk Size mid-read — messages before and after it are both assembled in the read', async () => {
  const small = Buffer.from(fill(300, 0x11));
  const large = Buffer.from(fill(1000, 0x22));
  // prettier-ignore
  const bytes = Buffer.concat([
    Buffer.from([0x06, 0, 0, 0, 0, 0x01, 0x2c, 9, 1, 0, 0, 0]), small.subarray(0, 128), // 300 bytes at 128
    Buffer.from([0xc6]), small.subarray(128, 256), Buffer.from([0xc6]), small.subarray(256),
    Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x02, 0x00]), //           Set Chunk Size 512
    Buffer.from([0x06, 0, 0, 0, 0, 0x03, 0xe8, 9, 1, 0, 0, 0]), large.subarray(0, 512), // 1000 bytes at 512
    Buffer.from([0xc6]), large.subarray(512),
  ]);
  const reads = ownReads([bytes]);
  const decoded = await decodeInPlace(reads);
  assert.deepEqual(decoded.setChunkSizes, [512]);
  assert.equal(decoded.messages.length, 3);
  assert.ok(decoded.messages[0]!.data.equals(small));
  assert.ok(decoded.messages[2]!.data.equals(large));
  assert.equal(inPlaceMessages(decoded, reads).length, 2);
});

test('in place: releaseInput() and stopAssemblingInPlace() end it; messages emitted before stay intact', async () => {
  const payload = Buffer.from(fill(300, 0x33));
  const one = Buffer.concat([
    Buffer.from([0x06, 0, 0, 0, 0, 0x01, 0x2c, 9, 1, 0, 0, 0]),
    payload.subarray(0, 128),
    Buffer.from([0xc6]),
    payload.subarray(128, 256),
    Buffer.from([0xc6]),
    payload.subarray(256),
  ]);
  for (const stop of ['decoder', 'assembler'] as const) {
    const decoder = new ChunkDecoder({ ownsInput: true });
    const assembler = new MessageAssembler({ assembleInPlace: true });
    assert.equal(decoder.ownsInput, true);
    assert.equal(assembler.assemblesInPlace, true);
    const messages: Message[] = [];
    decoder.pipe(assembler).on('data', (m: Message) => messages.push(m));
    const [first, second] = ownReads([one, one]);
    decoder.write(first);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(messages.length, 1);
    if (stop === 'decoder') decoder.releaseInput();
    else assembler.stopAssemblingInPlace();
    assert.equal(stop === 'decoder' ? decoder.ownsInput : assembler.assemblesInPlace, false);
    decoder.end(second);
    await new Promise((resolve) => assembler.on('end', resolve));
    assert.equal(messages.length, 2);
    assert.equal(messages[0]!.data.buffer, first!.buffer, `${stop}: in place before`);
    assert.notEqual(messages[1]!.data.buffer, second!.buffer, `${stop}: copied after`);
    assert.ok(second!.equals(one), `${stop}: the later read is untouched`);
    assert.ok(messages[0]!.data.equals(payload) && messages[1]!.data.equals(payload), stop);
  }
});

test('in place: the synchronous cores, fed a long stream read by read, agree with the copy path', () => {
  const rng = createPrng(0x5ca1e);
  const { wire, completed: messages } = interleavedWire(rng, mixedMessages(rng, 800), 4096);
  const pieces: Buffer[] = [];
  for (let at = 0; at < wire.length; at += 65536) pieces.push(wire.subarray(at, at + 65536));
  const results: Message[][] = [];
  for (const inPlace of [false, true]) {
    const collector = new MessageCollector({ assembleInPlace: inPlace });
    assert.equal(collector.assemblesInPlace, inPlace);
    const out: Message[] = [];
    const parser = new ChunkParser(
      { chunkSize: 4096, ownsInput: inPlace },
      {
        onChunk: (c: Chunk) => {
          const m = collector.add(c);
          if (m) out.push(m);
        },
        onSetChunkSize: () => {},
        onWindowAckSize: () => {},
        onAcknowledgement: () => {},
      },
    );
    assert.equal(parser.ownsInput, inPlace);
    for (const r of ownReads(pieces)) parser.push(r);
    parser.end();
    results.push(out);
  }
  assertSameMessages(results[0]!, messages, 'copy');
  assertSameMessages(results[1]!, messages, 'in place');
});
