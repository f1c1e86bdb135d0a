import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { av1Level, av1ProfileName, findSequenceHeader, parseAv1Config, parseAv1SequenceHeader, readLeb128 } from '../../lib/codec/av1.js';
import { hex } from '../amf/hex.js';
import { av1Record, probeMp4 } from './fixtures.js';

for (const size of ['640x360', '1280x720']) {
  test(`AV1 ${size}: av1C from libaom with its sequence header, checked against ffprobe`, () => {
    const c = parseAv1Config(av1Record(size));
    const probe = probeMp4(`av1-${size}`);
    const [w, h] = size.split('x').map(Number);
    assert.equal(c.sequenceHeader?.width, w);
    assert.equal(c.sequenceHeader?.height, h);
    assert.equal(probe.width, w);
    assert.equal(c.profile, probe.profile);
    assert.equal(c.seqLevelIdx, probe.level);
    assert.equal(c.sequenceHeader?.seqLevelIdx, c.seqLevelIdx);
    assert.equal(c.bitDepth, 8);
    assert.match(c.codecString, /^av01\.0\.\d\dM\.08$/);
  });
}

// A reduced still-picture sequence header (AV1 §5.5.1), bit by bit:
//   seq_profile 000, still_picture 1, reduced_still_picture_header 1, seq_level_idx 00101 (3.1)
//   frame_width_bits_minus_1 1001 (10 bits), frame_height_bits_minus_1 1000 (9 bits)
//   max_frame_width_minus_1 0100111111 (319), max_frame_height_minus_1 011101111 (239)
//   0001 1001 | 0110 0110 | 0001 0011 | 1111 0111 | 0111 1000 → 19 66 13 f7 78
const REDUCED = hex('19 66 13 f7 78');

test('a hand-built reduced still-picture sequence header, inside an OBU and a record', () => {
  assert.deepEqual(parseAv1SequenceHeader(REDUCED), { seqProfile: 0, seqLevelIdx: 5, seqTier: 0, width: 320, height: 240 });
  // OBU header: type 1 (0 0001 0 1 0 = 0x0a), has_size 1, leb128 size 5
  const obu = hex('0a 05', REDUCED);
  const record = hex(
    '81', // marker 1, version 1
    '05', // seq_profile 0, seq_level_idx_0 5
    '0c', // tier 0, high_bitdepth 0, twelve_bit 0, monochrome 0, subsampling 1 1, position 00
    '00', // no initial presentation delay
    // a temporal delimiter OBU first (type 2, size 0), then the sequence header
    '12 00',
    obu,
  );
  const c = parseAv1Config(record);
  assert.deepEqual(c.sequenceHeader, { seqProfile: 0, seqLevelIdx: 5, seqTier: 0, width: 320, height: 240 });
  assert.equal(c.level, 3.1);
  assert.equal(c.codecString, 'av01.0.05M.08');
  // Without a size field the OBU runs to the end.
  assert.equal(findSequenceHeader(hex('08', REDUCED))?.width, 320);
  assert.equal(findSequenceHeader(hex('12 00')), undefined);
});

test('a full sequence header with timing info gives the frame rate', () => {
  // profile 000, still 0, reduced 0, timing_info_present 1,
  // num_units_in_display_tick 1 (32 bits), time_scale 30 (32 bits), equal_picture_interval 1, uvlc 1 (→ 0),
  // decoder_model_info_present 0, initial_display_delay_present 0, operating_points_cnt_minus_1 00000,
  // operating_point_idc 000000000000, seq_level_idx 01001 (> 7 → tier bit 1),
  // frame_width_bits_minus_1 0011, height 0011, width-1 0111 (8... 16px), height-1 1000 (9 → wait 4 bits)
  const bits =
    '000' + '0' + '0' + '1' + '0'.repeat(31) + '1' + '0'.repeat(27) + '11110' + '1' + '1' + '0' + '0' + '00000' +
    '000000000000' + '01001' + '1' + '0011' + '0011' + '0111' + '1000';
  const padded = bits + '0'.repeat(-bits.length & 7);
  const bytes = Buffer.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  assert.deepEqual(parseAv1SequenceHeader(bytes), { seqProfile: 0, seqLevelIdx: 9, seqTier: 1, width: 8, height: 9, frameRate: 30 });
});

test('AV1 helpers and errors', () => {
  assert.deepEqual(readLeb128(hex('ff 01'), 0), { value: 255, end: 2 });
  assert.throws(() => readLeb128(hex('ff ff ff ff ff ff ff ff ff'), 0), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => readLeb128(hex('ff ff ff ff 7f'), 0), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => readLeb128(hex('80'), 0), { code: ErrorCode.CODEC_TRUNCATED });
  assert.deepEqual([0, 1, 2, 5].map(av1ProfileName), ['Main', 'High', 'Professional', 'Profile 5']);
  assert.deepEqual([0, 8, 13].map(av1Level), [2, 4, 5.1]);
  assert.throws(() => parseAv1Config(hex('81 00')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseAv1Config(hex('01 00 00 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseAv1Config(hex('81 00 00 00 8a')), { code: ErrorCode.CODEC_INVALID }); // forbidden bit
  assert.throws(() => parseAv1Config(hex('81 00 00 00 0a 09 00')), { code: ErrorCode.CODEC_TRUNCATED });
  // 10/12-bit signalling in profile 2
  assert.equal(parseAv1Config(hex('81 40 60 00')).bitDepth, 12);
  assert.equal(parseAv1Config(hex('81 40 40 00')).bitDepth, 10);
  assert.equal(parseAv1Config(hex('81 00 40 00')).bitDepth, 10);
});
