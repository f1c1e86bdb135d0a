/**
 * Seeded random and mutation fuzzing of both decoders: whatever the input, only AmfError comes
 * out (never RangeError/TypeError), in bounded time and memory. Plus seeded random values through
 * encode → decode → encode, which must give back equal values and identical bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amf0, amf3, Amf0Reader, Amf3Reader } from '../../lib/amf/index.js';
import { AmfError } from '../../lib/errors.js';
import { createPrng, fuzzIndices, fuzzReplayIndex, inputPrng, type Prng } from '../helpers/prng.js';
import { amf0Vectors } from './amf0-vectors.js';
import { amf3Vectors } from './amf3-vectors.js';
import './fixtures.js';

const INPUTS_PER_KIND = 60_000; // random + mutation = 120k inputs per format
const HEAP_GROWTH_LIMIT = 64 * 1024 * 1024;

/** Bytes that tend to be meaningful: markers, U29 continuation bits, small lengths, 0xff. */
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x7f, 0x80, 0xff];

function randomInput(prng: Prng): Buffer {
  const n = 1 + prng.int(48);
  const buf = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buf[i] = prng.next() < 0.6 ? INTERESTING[prng.int(INTERESTING.length)]! : prng.int(256);
  return buf;
}

function mutate(prng: Prng, source: Buffer): Buffer {
  let buf = Buffer.from(source);
  const edits = 1 + prng.int(3);
  for (let e = 0; e < edits && buf.length > 0; e++) {
    const at = prng.int(buf.length);
    switch (prng.int(6)) {
      case 0: // replace one byte
        buf[at] = prng.int(256);
        break;
      case 1: // an interesting byte
        buf[at] = INTERESTING[prng.int(INTERESTING.length)]!;
        break;
      case 2: // flip a bit
        buf[at] = buf[at]! ^ (1 << prng.int(8));
        break;
      case 3: // insert bytes
        buf = Buffer.concat([buf.subarray(0, at), prng.bytes(1 + prng.int(4)), buf.subarray(at)]);
        break;
      case 4: // delete bytes
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + prng.int(4))]);
        break;
      default: // cut
        buf = buf.subarray(0, at);
    }
  }
  return buf;
}

function fuzz(format: string, decode: (b: Buffer) => unknown[], vectors: Buffer[], seed: number): void {
  const heapStart = process.memoryUsage().heapUsed;
  let maxGrowth = 0;
  let errors = 0;
  // Each input depends on (seed, index) only: FUZZ_REPLAY=i runs input i alone.
  for (const i of fuzzIndices(INPUTS_PER_KIND * 2)) {
    const prng = inputPrng(seed, i);
    const input = i < INPUTS_PER_KIND ? randomInput(prng) : mutate(prng, vectors[prng.int(vectors.length)]!);
    try {
      decode(input);
    } catch (err) {
      if (!(err instanceof AmfError)) {
        assert.fail(`${format} seed ${seed} input #${i} (FUZZ_REPLAY=${i}) ${input.toString('hex')} threw ${String(err)}`);
      }
      errors++;
    }
    if (i % 10_000 === 0) maxGrowth = Math.max(maxGrowth, process.memoryUsage().heapUsed - heapStart);
  }
  assert.ok(maxGrowth < HEAP_GROWTH_LIMIT, `${format} heap grew by ${maxGrowth} bytes`);
  if (fuzzReplayIndex() !== undefined) return;
  // Sanity: the fuzzer really reaches both outcomes.
  assert.ok(errors > INPUTS_PER_KIND / 4 && errors < INPUTS_PER_KIND * 2, `${format}: ${errors} errors`);
}

const small = (vs: { bytes: Buffer }[]): Buffer[] => vs.map((v) => v.bytes).filter((b) => b.length <= 1024);

test('AMF0 decoder under random and mutated input throws only AmfError, memory bounded', () => {
  fuzz('AMF0', (b) => amf0.decode(b), small(amf0Vectors), 0xa3f0);
});

test('AMF3 decoder under random and mutated input throws only AmfError, memory bounded', () => {
  fuzz('AMF3', (b) => amf3.decode(b), small(amf3Vectors), 0xa3f3);
});

test('AMF0 decoder reached through AVM+ with AMF3 fuzz input', () => {
  const prng = createPrng(0x11);
  for (let i = 0; i < 20_000; i++) {
    const input = Buffer.concat([Buffer.from([0x11]), mutate(prng, small(amf3Vectors)[prng.int(10)]!)]);
    try {
      new Amf0Reader(input).read();
    } catch (err) {
      if (!(err instanceof AmfError)) assert.fail(`input ${input.toString('hex')} threw ${String(err)}`);
    }
  }
});

// ---- random values through the encoders ----

function randomString(prng: Prng): string {
  const pool = ['a', 'b', 'key', 'é', '日本', '😀', ' ', 'x'.repeat(40)];
  let s = '';
  for (let i = prng.int(4); i >= 0; i--) s += pool[prng.int(pool.length)];
  return s;
}

function randomNumber(prng: Prng): number {
  const picks = [0, 1, -1, 127, 128, 2 ** 28 - 1, -(2 ** 28), 2 ** 28, 0.5, -0, 1e300, -1e-300, Number.MAX_SAFE_INTEGER];
  return prng.next() < 0.5 ? picks[prng.int(picks.length)]! : Math.round((prng.next() - 0.5) * 2 ** prng.int(40));
}

function randomValue(prng: Prng, amf3Types: boolean, depth = 0): unknown {
  const kinds = amf3Types ? 12 : 9;
  switch (depth > 3 ? prng.int(6) : prng.int(kinds)) {
    case 0:
      return randomNumber(prng);
    case 1:
      return randomString(prng);
    case 2:
      return prng.next() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return new Date(Math.round(prng.next() * 2e12));
    case 6:
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = prng.int(4); i > 0; i--) o[randomString(prng)] = randomValue(prng, amf3Types, depth + 1);
      return o;
    }
    case 8: {
      const a: unknown[] = [];
      for (let i = prng.int(4); i > 0; i--) a.push(randomValue(prng, amf3Types, depth + 1));
      return a;
    }
    case 9:
      return prng.bytes(prng.int(8));
    case 10:
      return new Int32Array([randomNumber(prng) | 0, randomNumber(prng) | 0]);
    default: {
      const m = new Map<unknown, unknown>();
      for (let i = prng.int(3); i > 0; i--) m.set(randomString(prng), randomValue(prng, amf3Types, depth + 1));
      return m;
    }
  }
}

for (const [format, codec, amf3Types] of [
  ['AMF0', amf0, false],
  ['AMF3', amf3, true],
] as const) {
  test(`${format}: random values survive encode → decode → encode (values equal, bytes identical)`, () => {
    const prng = createPrng(format === 'AMF0' ? 100 : 300);
    for (let i = 0; i < 3000; i++) {
      const values = [randomValue(prng, amf3Types), randomValue(prng, amf3Types)];
      const bytes = codec.encode(...values);
      const decoded = codec.decode(bytes);
      assert.deepStrictEqual(decoded, values, `case ${i}: ${bytes.toString('hex')}`);
      assert.equal(codec.encode(...decoded).toString('hex'), bytes.toString('hex'), `case ${i}`);
    }
  });
}

test('Amf3Reader raw reads are bounds-checked too', () => {
  const r = new Amf3Reader(Buffer.from([1]));
  for (const read of [() => r.readUInt32(), () => r.readInt32(), () => r.readDouble(), () => r.readBytes(2)]) {
    assert.throws(read, (err: unknown) => err instanceof AmfError && err.code === 'ERR_AMF_TRUNCATED');
  }
  const past = new Amf0Reader(Buffer.from([5]));
  past.offset = 10;
  assert.equal(past.remaining, 0);
  assert.throws(() => past.read(), (err: unknown) => err instanceof AmfError && err.code === 'ERR_AMF_TRUNCATED');
});
