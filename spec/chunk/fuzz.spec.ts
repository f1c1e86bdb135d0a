/**
 * Seeded random and mutation fuzzing of ChunkDecoder + MessageAssembler. The bulk (100k inputs)
 * runs through their synchronous cores (ChunkParser + MessageCollector: the same code the
 * Transforms call), each input on a fresh pair; a smaller batch goes through the real streams to
 * check that errors only ever arrive through the stream error path. Only typed RtmpErrors may come
 * out, and memory stays within the configured limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChunkDecoder } from '../../lib/chunk/chunk-decoder.js';
import { ChunkParser, type ChunkParserOptions } from '../../lib/chunk/chunk-parser.js';
import { MessageAssembler } from '../../lib/chunk/message-assembler.js';
import { MessageCollector } from '../../lib/chunk/message-collector.js';
import { OutboundChunkState } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import { RtmpError } from '../../lib/errors.js';
import { createMessage } from '../../lib/message/message.js';
import { createPrng, fuzzIndices, fuzzReplayIndex, inputPrng, type Prng } from '../helpers/prng.js';
import { vectors } from './vectors.js';

const LIMITS: ChunkParserOptions = { maxChunkSize: 4096, maxMessageSize: 8192, maxChunkStreams: 8, maxPartialBytes: 4096, windowAckSize: 64 };

/** Valid chunk streams to mutate: the vectors plus a few serialized message runs. */
function seeds(rng: Prng): Buffer[] {
  const out = vectors.map((v) => v.bytes);
  for (let s = 0; s < 20; s++) {
    const state = new OutboundChunkState();
    const parts: Buffer[] = [];
    let ts = rng.int(3) === 0 ? 0xfffff0 : 0;
    for (let i = 0; i < 1 + rng.int(6); i++) {
      ts += rng.int(4) === 0 ? 0x1000000 : rng.int(50);
      const csid = [2, 3, 4, 63, 64, 319, 320, 65599][rng.int(8)]!;
      parts.push(serializeMessage(createMessage(csid, rng.int(3), [8, 9, 20, 1, 2, 5][rng.int(6)]!, rng.bytes(rng.int(300)), ts), state, 128));
    }
    out.push(Buffer.concat(parts));
  }
  return out;
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x41, 0x7f, 0x80, 0xc0, 0xc1, 0xc3, 0xff];

function mutate(rng: Prng, input: Buffer): Buffer {
  let b = Buffer.from(input);
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(b.length + 1);
    switch (rng.int(6)) {
      case 0: // random byte
        if (b.length > 0) b[at % b.length] = rng.int(256);
        break;
      case 1: // interesting byte (markers, fmt bits, 0xFF for timestamps)
        if (b.length > 0) b[at % b.length] = INTERESTING[rng.int(INTERESTING.length)]!;
        break;
      case 2: // insert random bytes
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(8)), b.subarray(at)]);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(16))]);
        break;
      case 4: // duplicate a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + rng.int(64)), b.subarray(at)]);
        break;
      default: // truncate
        b = b.subarray(0, at);
    }
  }
  return b;
}

/** Feeds one input to a fresh parser + collector in 1..3 reads; returns the error, if any. */
function runCore(rng: Prng, input: Buffer): unknown {
  const collector = new MessageCollector(LIMITS);
  const parser = new ChunkParser(LIMITS, {
    onChunk: (c) => {
      collector.add(c);
    },
    onSetChunkSize: () => {},
    onWindowAckSize: () => {},
    onAcknowledgement: () => {},
  });
  try {
    let at = 0;
    for (let reads = 1 + rng.int(3); reads > 0 && at < input.length; reads--) {
      const end = reads === 1 ? input.length : at + rng.int(input.length - at + 1);
      parser.push(input.subarray(at, end));
      at = end;
      // Memory stays bounded by what arrived and by the limits, never by what a header claims.
      assert.ok(parser.bufferedBytes <= input.length);
      assert.ok(parser.partialBytes <= LIMITS.maxPartialBytes! && collector.partialBytes <= LIMITS.maxPartialBytes!);
    }
    parser.end();
    collector.end();
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
  return undefined;
}

test('fuzz: 100k random and mutated inputs through the decoder core give only typed errors, bounded memory', () => {
  const corpus = seeds(createPrng(20240601));
  const codes = new Map<string, number>();
  let clean = 0;
  // Each input depends on (seed, index) only: FUZZ_REPLAY=i runs input i alone.
  for (const i of fuzzIndices(100_000)) {
    const rng = inputPrng(20240601, i);
    const input = rng.int(10) === 0 ? rng.bytes(rng.int(64)) : mutate(rng, corpus[rng.int(corpus.length)]!);
    const err = runCore(rng, input);
    if (err === undefined) {
      clean++;
      continue;
    }
    assert.ok(err instanceof RtmpError, `input ${i} (FUZZ_REPLAY=${i}; ${input.toString('hex')}) threw a non-RtmpError: ${String(err)}`);
    codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
  }
  if (fuzzReplayIndex() !== undefined) return;
  // The fuzzer must reach both outcomes and several distinct checks, or it is not exploring.
  assert.ok(clean > 1000, `only ${clean} inputs decoded cleanly`);
  assert.ok(codes.size >= 4, `only codes ${[...codes.keys()].join(', ')}`);
});

test('fuzz: mutated inputs through the real streams fail only through the pipeline error path', async () => {
  const rng = createPrng(777);
  const corpus = seeds(rng);
  for (let i = 0; i < 500; i++) {
    const input = mutate(rng, corpus[rng.int(corpus.length)]!);
    const cut = rng.int(input.length + 1);
    try {
      await pipeline(
        Readable.from([input.subarray(0, cut), input.subarray(cut)].filter((b) => b.length > 0)),
        new ChunkDecoder(LIMITS),
        new MessageAssembler(LIMITS),
        new Writable({ objectMode: true, write: (_m, _e, cb) => cb() }),
      );
    } catch (err) {
      assert.ok(err instanceof RtmpError, `input ${i} (${input.toString('hex')}): ${String(err)}`);
    }
  }
});
