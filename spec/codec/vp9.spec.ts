import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { parseVp9Config, parseVp9FrameSize } from '../../lib/codec/vp9.js';
import { hex } from '../amf/hex.js';
import { probeMp4, vp9Keyframe, vp9Record } from './fixtures.js';

test('VP9: vpcC from libvpx (a FullBox body), checked against ffprobe', () => {
  const c = parseVp9Config(vp9Record('352x288'));
  const probe = probeMp4('vp9-352x288');
  assert.equal(`Profile ${c.profile}`, probe.profile);
  assert.equal(c.bitDepth, 8);
  assert.equal(c.chromaSubsampling, 1); // 4:2:0 colocated
  assert.match(c.codecString, /^vp09\.00\.\d\d\.08$/);
});

test('VP9 10-bit profile 2', () => {
  const c = parseVp9Config(vp9Record('320x240', ['-pix_fmt', 'yuv420p10le']));
  assert.equal(c.profile, 2);
  assert.equal(c.bitDepth, 10);
});

test('VP9 keyframe size from the uncompressed header; inter frames give nothing', () => {
  assert.deepEqual(parseVp9FrameSize(vp9Keyframe('352x288')), { width: 352, height: 288, profile: 0 });
  assert.deepEqual(parseVp9FrameSize(vp9Keyframe('500x282')), { width: 500, height: 282, profile: 0 });
  // frame_marker 10, profile 00, show_existing 0, frame_type 1 (inter)
  assert.equal(parseVp9FrameSize(hex('84')), undefined);
  // show_existing_frame 1
  assert.equal(parseVp9FrameSize(hex('88')), undefined);
});

// A bare record (no FullBox header), ISO binding §2.2:
const BARE = hex(
  '01', // profile 1
  '1f', // level 3.1
  '82', // bitDepth 8, chromaSubsampling 001, full range 0
  '01 01 01', // colour primaries, transfer, matrix (BT.709)
  '00 00', // no codec initialization data
);

test('a hand-built bare record and errors', () => {
  const c = parseVp9Config(BARE);
  assert.deepEqual([c.profile, c.level, c.bitDepth, c.chromaSubsampling, c.videoFullRange, c.codecString], [1, 3.1, 8, 1, false, 'vp09.01.31.08']);
  assert.throws(() => parseVp9Config(hex('01 1f')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseVp9Config(hex('04 1f 82 01 01 01 00 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseVp9Config(hex('00 1f 92 01 01 01 00 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseVp9FrameSize(hex('40')), { code: ErrorCode.CODEC_INVALID }); // frame_marker 01
  assert.throws(() => parseVp9FrameSize(hex('80 12 34 56')), { code: ErrorCode.CODEC_INVALID }); // bad sync code
  // profile 3 keyframe, RGB: marker 10, profile bits 1 1, reserved 0, show_existing 0, type 0, show 1 | err 0
  // sync 49 83 42, ten_or_twelve 0, color_space 111, reserved 0, width-1 16 bits, height-1 16 bits
  const bits = '10' + '11' + '0' + '0' + '0' + '1' + '0' + '010010011000001101000010' + '0' + '111' + '0' + '0000000000001111' + '0000000000000111';
  const padded = bits + '0'.repeat(-bits.length & 7);
  const frame = Buffer.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  assert.deepEqual(parseVp9FrameSize(frame), { width: 16, height: 8, profile: 3 });
});
