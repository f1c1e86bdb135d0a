/**
 * The shared vector tests: decode, encode, round-trip, and truncation at every offset. A
 * truncated vector must throw AMF_TRUNCATED unless the cut falls exactly between two top-level
 * values (then the prefix is itself valid and decodes to the leading values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmfError } from '../../lib/errors.js';
import type { AmfVector } from './hex.js';

export interface Codec {
  encode(...values: unknown[]): Buffer;
  decode(buf: Buffer): unknown[];
  reader(buf: Buffer): { offset: number; read(): unknown };
}

/** Offsets where each top-level value ends. */
function valueEnds(codec: Codec, bytes: Buffer): number[] {
  const reader = codec.reader(bytes);
  const ends: number[] = [];
  while (reader.offset < bytes.length) {
    reader.read();
    ends.push(reader.offset);
  }
  return ends;
}

export function runVectorSuite(format: string, vectors: AmfVector[], codec: Codec): void {
  for (const v of vectors) {
    test(`${format} decode: ${v.name}`, () => {
      const decoded = codec.decode(v.bytes);
      assert.deepStrictEqual(decoded, v.values);
      v.check?.(decoded);
    });

    if (v.encodeFrom !== null) {
      test(`${format} encode: ${v.name}`, () => {
        assert.deepStrictEqual(codec.encode(...(v.encodeFrom ?? v.values)).toString('hex'), v.bytes.toString('hex'));
      });
    }

    if (v.roundTrip !== false) {
      test(`${format} round-trip: ${v.name}`, () => {
        const again = codec.encode(...codec.decode(v.bytes));
        assert.equal(again.toString('hex'), v.bytes.toString('hex'));
      });
    }

    test(`${format} truncation at every offset: ${v.name}`, () => {
      const ends = valueEnds(codec, v.bytes);
      for (let cut = 0; cut < v.bytes.length; cut++) {
        const prefix = v.bytes.subarray(0, cut);
        const complete = ends.indexOf(cut);
        if (cut === 0 || complete >= 0) {
          // A clean boundary: the prefix holds whole values only.
          assert.equal(codec.decode(prefix).length, complete + 1, `cut ${cut}`);
          continue;
        }
        assert.throws(
          () => codec.decode(prefix),
          (err: unknown) => err instanceof AmfError && err.code === 'ERR_AMF_TRUNCATED' && /truncated/.test(err.message),
          `cut at ${cut} of ${v.bytes.length}`,
        );
      }
    });
  }
}
