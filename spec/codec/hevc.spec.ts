import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { hevcProfileName, parseHevcDecoderConfig, parseHevcSps } from '../../lib/codec/hevc.js';
import { hex } from '../amf/hex.js';
import { hevcRecord, probeMp4 } from './fixtures.js';

const cases = [
  // libx265 ultrafast codes in 16-sample units: 1080 → 1088 with a conformance window.
  { size: '1920x1080', extra: [], coded: [1920, 1088], bitDepth: 8 },
  { size: '1000x562', extra: [], coded: [1008, 576], bitDepth: 8 },
  { size: '640x360', extra: ['-pix_fmt', 'yuv420p10le'], coded: [640, 368], bitDepth: 10 },
  { size: '352x288', extra: ['-pix_fmt', 'yuv444p'], coded: [352, 288], bitDepth: 8 },
];

for (const c of cases) {
  test(`HEVC ${c.size} ${c.extra.join(' ')}: hvcC from libx265, checked against ffprobe`, () => {
    const config = parseHevcDecoderConfig(hevcRecord(c.size, c.extra));
    const probe = probeMp4(`hevc-${c.size}${c.extra.join('')}`);
    const [w, h] = c.size.split('x').map(Number);
    assert.equal(config.spsInfo?.width, w);
    assert.equal(config.spsInfo?.height, h);
    assert.deepEqual([config.spsInfo?.codedWidth, config.spsInfo?.codedHeight], c.coded);
    assert.equal(config.profile, probe.profile);
    assert.equal(config.generalLevelIdc, probe.level);
    assert.equal(config.level, (probe.level as number) / 30);
    assert.equal(config.spsInfo?.bitDepth, c.bitDepth);
    assert.equal(config.bitDepthLuma, c.bitDepth);
    assert.equal(config.tier, 'Main');
    assert.deepEqual(config.arrays.map((a) => a.nalUnitType).slice(0, 3), [32, 33, 34]);
    assert.match(config.codecString, /^hvc1\.\d+\.[0-9a-f]+\.L\d+$/);
  });
}

// A hand-built record: 23 fixed bytes and no arrays (ISO/IEC 14496-15 §8.3.3.1.2).
const BARE_RECORD = hex(
  '01', //                  configurationVersion
  '21', //                  profile_space 0, tier 1 (High), profile_idc 1
  '60 00 00 00', //         profile compatibility flags (1 and 2)
  '90 00 00 00 00 00', //   constraint indicator flags
  '99', //                  general_level_idc 153 (5.1)
  'f0 00', //               min_spatial_segmentation_idc
  'fc', //                  parallelismType
  'fd', //                  chroma_format_idc 1
  'f8', //                  bit_depth_luma_minus8 0
  'f8', //                  bit_depth_chroma_minus8 0
  '19 00', //               avgFrameRate 6400 → 25 fps
  '0f', //                  lengthSizeMinusOne 3
  '00', //                  numOfArrays 0
);

test('a hand-built record: High tier, avgFrameRate, no SPS', () => {
  const c = parseHevcDecoderConfig(BARE_RECORD);
  assert.equal(c.tier, 'High');
  assert.equal(c.level, 5.1);
  assert.equal(c.frameRate, 25);
  assert.equal(c.spsInfo, undefined);
  assert.equal(c.codecString, 'hvc1.1.6.H153');
  assert.equal(c.nalUnitLengthSize, 4);
});

test('HEVC profile names and errors', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9, 7].map(hevcProfileName), ['Main', 'Main 10', 'Main Still Picture', 'Rext', 'High Throughput', 'Screen Content', 'Profile 7']);
  assert.throws(() => parseHevcDecoderConfig(hex('01 01')), { code: ErrorCode.CODEC_TRUNCATED });
  const v2 = Buffer.from(BARE_RECORD);
  v2[0] = 2;
  assert.throws(() => parseHevcDecoderConfig(v2), { code: ErrorCode.CODEC_INVALID });
  const len3 = Buffer.from(BARE_RECORD);
  len3[21] = 0x0e;
  assert.throws(() => parseHevcDecoderConfig(len3), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseHevcDecoderConfig(hex(BARE_RECORD.subarray(0, 22), '01', 'a1 00 01 00 05 42')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseHevcSps(hex('40 01 0c')), { code: ErrorCode.CODEC_INVALID }); // a VPS
  assert.throws(() => parseHevcSps(hex('42 01 0f')), { code: ErrorCode.CODEC_INVALID }); // max_sub_layers_minus1 7
  assert.throws(() => parseHevcSps(hex('42 01 01 01')), { code: ErrorCode.CODEC_TRUNCATED });
});

test('an SPS with sub-layers: sub_layer profile/level flags are skipped', () => {
  const real = hevcRecord('1920x1080');
  const sps = parseHevcDecoderConfig(real).arrays.find((a) => a.nalUnitType === 33)!.nalUnits[0]!;
  assert.equal(parseHevcSps(sps).width, 1920);
});
