/**
 * Test support for the message codecs: a byte builder for commented vectors, the truncation
 * sweep, and the seeded fuzz loop. Every decoder must fail with an `RtmpError` only.
 */
import assert from 'node:assert/strict';
import { RtmpError } from '../../lib/errors.js';
import { createPrng } from '../helpers/prng.js';

/** Concatenates numbers (bytes), number arrays and ASCII strings into a Buffer. */
export function bytes(...parts: Array<number | number[] | string | Buffer>): Buffer {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );
}

/** An AMF0 string: marker 0x02, 16-bit length, bytes. */
export function amf0String(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return bytes(0x02, [b.length >> 8, b.length & 0xff], b);
}

/** A 16-bit-length UTF-8 string without marker (object keys, shared object names). */
export function u16String(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return bytes([b.length >> 8, b.length & 0xff], b);
}

/** An AMF0 number: marker 0x00 and a big-endian double. */
export function amf0Number(n: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeDoubleBE(n, 1);
  return b;
}

/** Calls `fn` and returns the error it throws (fails the test if it does not). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

/** Asserts `fn` throws an `RtmpError` (any layer) and returns it. */
export function assertRtmpError(fn: () => unknown, what: string): RtmpError {
  const err = thrown(fn);
  if (!(err instanceof RtmpError)) {
    assert.fail(`${what}: expected an RtmpError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  return err;
}

/**
 * Decodes every strict prefix of `payload`. Each must either decode or throw an `RtmpError`; with
 * `mustThrow` (fixed layouts, where no prefix is a whole message) each must throw.
 */
export function assertTruncations(payload: Buffer, decode: (b: Buffer) => unknown, what: string, mustThrow: boolean): void {
  for (let n = 0; n < payload.length; n++) {
    // A copy, so a read past the prefix cannot see the rest of the original buffer.
    const prefix = Buffer.from(payload.subarray(0, n));
    let threw = false;
    try {
      decode(prefix);
    } catch (err) {
      threw = true;
      if (!(err instanceof RtmpError)) {
        assert.fail(`${what} truncated to ${n}: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
    if (mustThrow && !threw) assert.fail(`${what} truncated to ${n} bytes decoded without error`);
  }
}

/**
 * Feeds `count` inputs to `decode`: random byte strings, and mutations (flips, truncations,
 * insertions, splices) of the seed payloads. Only `RtmpError`s may come out. Returns how many
 * inputs decoded without error (so a test can check the fuzzer reached the success paths).
 */
export function fuzz(decode: (b: Buffer) => unknown, seeds: Buffer[], count: number, seed: number): { ok: number; failed: number } {
  const prng = createPrng(seed);
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const input = i % 4 === 0 || seeds.length === 0 ? prng.bytes(prng.int(64)) : mutate(seeds[prng.int(seeds.length)]!, prng);
    try {
      decode(input);
      ok++;
    } catch (err) {
      if (!(err instanceof RtmpError)) {
        assert.fail(`fuzz seed ${seed} input ${i} (${input.toString('hex')}): ${err instanceof Error ? err.stack : String(err)}`);
      }
      failed++;
    }
  }
  return { ok, failed };
}

function mutate(buf: Buffer, prng: ReturnType<typeof createPrng>): Buffer {
  const out = Buffer.from(buf);
  const edits = 1 + prng.int(4);
  let cur = out;
  for (let e = 0; e < edits; e++) {
    const pos = cur.length === 0 ? 0 : prng.int(cur.length);
    switch (prng.int(5)) {
      case 0: // flip a byte
        if (cur.length) cur[pos] = prng.int(256);
        break;
      case 1: // flip a bit
        if (cur.length) cur[pos]! ^= 1 << prng.int(8);
        break;
      case 2: // truncate
        cur = cur.subarray(0, pos);
        break;
      case 3: // insert random bytes
        cur = Buffer.concat([cur.subarray(0, pos), prng.bytes(1 + prng.int(8)), cur.subarray(pos)]);
        break;
      default: // set an interesting value
        if (cur.length) cur[pos] = [0x00, 0x01, 0x02, 0x03, 0x05, 0x08, 0x09, 0x0a, 0x11, 0x7f, 0x80, 0xff][prng.int(12)]!;
    }
  }
  return cur;
}
