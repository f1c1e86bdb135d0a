/**
 * Seeded random and mutation fuzzing of FlvDemuxer (strict and tolerant), and of the muxer fed
 * with what the demuxer produced: only typed RtmpErrors may come out, and in bounded time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtmpError } from '../../lib/errors.js';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import { fuzzIndices, fuzzReplayIndex, inputPrng, type Prng } from '../helpers/prng.js';
import { hex } from '../amf/hex.js';
import { muxItems } from './support.js';
import { AAC_RAW_TAG, AVC_KEYFRAME_TAG, HEVC_EX_SEQUENCE_START_TAG, ON_METADATA_TAG, vectors } from './vectors.js';

const HEADER = hex('46 4c 56 01 05 00 00 00 09 00 00 00 00');
const TAGS = [AAC_RAW_TAG, AVC_KEYFRAME_TAG, HEVC_EX_SEQUENCE_START_TAG, ON_METADATA_TAG];

function seedFile(prng: Prng): Buffer {
  const parts = [HEADER];
  const n = 1 + prng.int(6);
  for (let i = 0; i < n; i++) parts.push(TAGS[prng.int(TAGS.length)]!);
  return Buffer.concat(parts);
}

function mutate(prng: Prng, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + prng.int(4);
  let result = out;
  for (let e = 0; e < edits; e++) {
    const at = prng.int(result.length);
    switch (prng.int(4)) {
      case 0:
        result[at] = prng.int(256);
        break;
      case 1:
        result[at] ^= 1 << prng.int(8);
        break;
      case 2:
        result = Buffer.concat([result.subarray(0, at), prng.bytes(1 + prng.int(12)), result.subarray(at)]);
        break;
      default:
        result = Buffer.concat([result.subarray(0, at), result.subarray(Math.min(result.length, at + 1 + prng.int(12)))]);
    }
  }
  return result;
}

async function runOne(prng: Prng, input: Buffer): Promise<number> {
  const demuxer = new FlvDemuxer({ tolerant: prng.int(2) === 1, output: prng.int(4) === 0 ? 'messages' : 'events', maxTagSize: 1 << 16 });
  const items: unknown[] = [];
  demuxer.on('data', (i) => items.push(i));
  let error: unknown;
  demuxer.on('error', (err) => (error = err));
  let offset = 0;
  while (offset < input.length) {
    const n = 1 + prng.int(input.length - offset);
    demuxer.write(input.subarray(offset, offset + n));
    offset += n;
  }
  demuxer.end();
  await new Promise((resolve) => {
    demuxer.on('end', resolve);
    demuxer.on('close', resolve);
  });
  if (error !== undefined) assert.ok(error instanceof RtmpError, `not an RtmpError: ${String(error)}`);
  else if (items.length > 0 && prng.int(8) === 0) await muxItems(items); // what came out muxes back
  return items.length;
}

test('FlvDemuxer: 12,000 mutated files and 8,000 random inputs, only RtmpErrors', async () => {
  const started = Date.now();
  let emitted = 0;
  // Each input depends on (seed, index) only (FUZZ_REPLAY=i runs input i alone); batches of 100 run side by side.
  const indices = fuzzIndices(20_000);
  for (let at = 0; at < indices.length; at += 100) {
    const runs = indices.slice(at, at + 100).map((i) => {
      const prng = inputPrng(0xf1f1, i);
      const where = (n: Promise<number>): Promise<number> =>
        n.catch((err: unknown) => {
          throw new Error(`input ${i} (FUZZ_REPLAY=${i}): ${String(err)}`, { cause: err });
        });
      if (i < 12_000) return where(runOne(prng, mutate(prng, prng.int(5) === 0 ? vectors[prng.int(vectors.length)]!.bytes : seedFile(prng))));
      const body = prng.bytes(prng.int(64));
      return where(runOne(prng, prng.int(2) === 0 ? Buffer.concat([HEADER, body]) : body));
    });
    for (const n of await Promise.all(runs)) emitted += n;
  }
  if (fuzzReplayIndex() === undefined) assert.ok(emitted > 1000, `mutations still produce tags (${emitted})`);
  assert.ok(Date.now() - started < 60_000);
});
