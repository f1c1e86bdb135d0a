import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { avcProfileName, parseAvcDecoderConfig, parseAvcSps } from '../../lib/codec/avc.js';
import { hex } from '../amf/hex.js';
import { avcProbe, avcRecord } from './fixtures.js';

/** libx264 streams at several sizes, profiles and rates; ffprobe is the oracle for profile and level. */
const cases = [
  { size: '320x240', rate: 25, extra: ['-preset', 'ultrafast'], coded: [320, 240], chroma: 1 },
  { size: '1920x1080', rate: 30, extra: ['-preset', 'superfast', '-profile:v', 'high'], coded: [1920, 1088], chroma: 1 },
  { size: '1280x720', rate: 50, extra: ['-preset', 'superfast', '-profile:v', 'main'], coded: [1280, 720], chroma: 1 },
  { size: '350x198', rate: 24, extra: ['-preset', 'ultrafast'], coded: [352, 208], chroma: 1 },
  // 4:4:4: the crop unit is one sample, so an odd crop is possible (§7.4.2.1.1).
  { size: '642x362', rate: 25, extra: ['-preset', 'superfast', '-pix_fmt', 'yuv444p'], coded: [656, 368], chroma: 3 },
  // 4:2:2 High 4:2:2 with 10-bit samples when the build supports it is not assumed; 4:2:2 8-bit is.
  { size: '640x360', rate: 25, extra: ['-preset', 'superfast', '-pix_fmt', 'yuv422p'], coded: [640, 368], chroma: 2 },
  // Interlaced: frame_mbs_only_flag 0, map units are field macroblock pairs (CropUnitY 4).
  { size: '1920x1080', rate: 25, extra: ['-preset', 'superfast', '-x264-params', 'interlaced=1'], coded: [1920, 1088], chroma: 1 },
];

for (const c of cases) {
  test(`AVC ${c.size}@${c.rate} ${c.extra.join(' ')}: size with cropping, profile, level, frame rate`, () => {
    const config = parseAvcDecoderConfig(avcRecord(c.size, c.rate, c.extra));
    const probe = avcProbe(c.size, c.rate, c.extra);
    const [w, h] = c.size.split('x').map(Number);
    assert.equal(config.spsInfo.width, w);
    assert.equal(config.spsInfo.height, h);
    assert.equal(probe.width, w);
    assert.deepEqual([config.spsInfo.codedWidth, config.spsInfo.codedHeight], c.coded);
    assert.equal(config.profile, probe.profile);
    assert.equal(config.level, (probe.level as number) / 10);
    assert.equal(config.spsInfo.frameRate, c.rate);
    assert.equal(config.spsInfo.chromaFormatIdc, c.chroma);
    assert.equal(config.nalUnitLengthSize, 4);
    assert.equal(config.sps.length, 1);
    assert.equal(config.pps.length, 1);
    assert.match(config.codecString, /^avc1\.[0-9a-f]{6}$/);
  });
}

test('interlaced SPS: frame_mbs_only_flag is 0', () => {
  assert.equal(parseAvcDecoderConfig(avcRecord('1920x1080', 25, ['-preset', 'superfast', '-x264-params', 'interlaced=1'])).spsInfo.frameMbsOnly, false);
});

// A hand-built SPS, bit by bit (H.264 §7.3.2.1.1): Baseline, level 3.0, 16x16, no VUI.
//   67                    NAL header: nal_ref_idc 3, nal_unit_type 7
//   42 c0 1e              profile_idc 66, constraint flags 0xc0, level_idc 30
//   then bits: 1 (sps_id 0) 1 (log2_max_frame_num-4 = 0) 1 (poc type 0) 1 (log2_max_poc_lsb-4 = 0)
//              1 (max_num_ref_frames 0) 0 (gaps) 1 (width_mbs-1 = 0) 1 (height_map_units-1 = 0)
//              1 (frame_mbs_only) 1 (direct_8x8) 0 (no cropping) 0 (no VUI) 1 (stop bit) 000
//   = 1111 1011 | 1100 1000  →  fb c8
const HAND_SPS = hex('67 42 c0 1e fb c8');
const HAND_RECORD = hex(
  '01', //          configurationVersion
  '42 c0 1e', //    profile, compatibility, level
  'ff', //          reserved 111111, lengthSizeMinusOne 3
  'e1', //          reserved 111, numOfSequenceParameterSets 1
  '00 06', HAND_SPS, // SPS length and NAL
  '01', //          numOfPictureParameterSets 1
  '00 02 68 ce', // PPS length 2, PPS
);

test('a hand-built record and SPS', () => {
  const c = parseAvcDecoderConfig(HAND_RECORD);
  assert.deepEqual(c.spsInfo, {
    profileIdc: 66, constraintFlags: 0xc0, levelIdc: 30, chromaFormatIdc: 1, bitDepth: 8,
    codedWidth: 16, codedHeight: 16, width: 16, height: 16, frameMbsOnly: true,
  });
  assert.equal(c.profile, 'Constrained Baseline');
  assert.equal(c.codecString, 'avc1.42c01e');
  assert.deepEqual(c.pps, [hex('68 ce')]);
});

test('profile names (Table A-1 profile_idc values)', () => {
  assert.equal(avcProfileName(77, 0), 'Main');
  assert.equal(avcProfileName(66, 0), 'Baseline');
  assert.equal(avcProfileName(88, 0), 'Extended');
  assert.equal(avcProfileName(110, 0), 'High 10');
  assert.equal(avcProfileName(122, 0), 'High 4:2:2');
  assert.equal(avcProfileName(44, 0), 'CAVLC 4:4:4');
  assert.equal(avcProfileName(1, 0), 'Profile 1');
});

test('AVC errors are typed', () => {
  assert.throws(() => parseAvcDecoderConfig(hex('01 42')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseAvcDecoderConfig(hex('02 42 c0 1e ff e1')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseAvcDecoderConfig(hex('01 42 c0 1e fe e1')), { code: ErrorCode.CODEC_INVALID }); // length size 3
  assert.throws(() => parseAvcDecoderConfig(hex('01 42 c0 1e ff e0 00')), /no SPS/);
  assert.throws(() => parseAvcDecoderConfig(hex('01 42 c0 1e ff e1 00 09 67')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseAvcSps(hex('68 42 c0 1e fb')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseAvcSps(hex('67 42 c0 1e')), { code: ErrorCode.CODEC_TRUNCATED });
  // pic_order_cnt_type 3 is not defined
  assert.throws(() => parseAvcSps(hex('67 42 c0 1e c8 00')), { code: ErrorCode.CODEC_INVALID });
});
