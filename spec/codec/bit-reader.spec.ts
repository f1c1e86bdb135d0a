import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { BitReader, unescapeRbsp } from '../../lib/codec/bit-reader.js';
import { hex } from '../amf/hex.js';

// Exp-Golomb codes (H.264 Table 9-2): 1 → 0, 010 → 1, 011 → 2, 00100 → 3, 00111 → 6, 0001000 → 7.
test('ue(v)/se(v) per Table 9-2 and 9-3', () => {
  // 1 010 011 00100 00111 0001000 (+ padding): 1010 0110 0100 0011 1000 1000 → a6 43 88
  const r = new BitReader(hex('a6 43 88'));
  assert.deepEqual([r.ue(), r.ue(), r.ue(), r.ue(), r.ue(), r.ue()], [0, 1, 2, 3, 6, 7]);
  // se: codeNum 1 → 1, 2 → -1, 3 → 2, 4 → -2: 010 011 00100 00101 → 0100 1100 1000 0101 → 4c 85
  const s = new BitReader(hex('4c 85'));
  assert.deepEqual([s.se(), s.se(), s.se(), s.se()], [1, -1, 2, -2]);
});

test('bits, flags, skip, alignment and bounds', () => {
  const r = new BitReader(hex('ff 00 80 12 34 56 78'), 0, 7, 'test');
  assert.equal(r.bits(4), 15);
  assert.equal(r.flag(), true);
  r.byteAlign();
  assert.equal(r.byteOffset, 1);
  assert.equal(r.bits(8), 0);
  assert.equal(r.bit(), 1);
  r.skip(7);
  assert.equal(r.bits(32), 0x12345678);
  assert.equal(r.bitsLeft, 0);
  assert.throws(() => r.bits(1), { code: ErrorCode.CODEC_TRUNCATED, message: 'test: needs 1 more bit(s), 0 left' });
  assert.throws(() => new BitReader(hex('00 00 00 00 00')).ue(), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => new BitReader(hex('00 00 00 00 00')).skip(41), { code: ErrorCode.CODEC_TRUNCATED });
});

test('unescapeRbsp drops every emulation prevention byte, and copies nothing without one', () => {
  const plain = hex('67 64 00 1f');
  assert.equal(unescapeRbsp(plain), plain);
  assert.deepEqual(unescapeRbsp(hex('00 00 03 01 00 00 03 00 00 00 03')), hex('00 00 01 00 00 00 00 00'));
  assert.deepEqual(unescapeRbsp(hex('aa 00 00 03')), hex('aa 00 00'));
});
