import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { aacProfileName, parseAacConfig } from '../../lib/codec/aac.js';
import { hex } from '../amf/hex.js';
import { aacConfig } from './fixtures.js';

test('ffmpeg aac, 44100 Hz stereo: LC', () => {
  const c = parseAacConfig(aacConfig(44100, 2));
  assert.deepEqual([c.objectType, c.sampleRate, c.channels, c.profile, c.codecString, c.sbr, c.ps], [2, 44100, 2, 'LC', 'mp4a.40.2', false, false]);
});

test('ffmpeg aac, 48000 Hz mono and 22050 Hz 6 channels', () => {
  const mono = parseAacConfig(aacConfig(48000, 1));
  assert.deepEqual([mono.sampleRate, mono.channels, mono.frameLength], [48000, 1, 1024]);
  const surround = parseAacConfig(aacConfig(22050, 6));
  assert.deepEqual([surround.sampleRate, surround.channels, surround.channelConfiguration], [22050, 6, 6]);
});

// Hand-built configs (ISO/IEC 14496-3 §1.6.2.1), bit by bit.
const vectors = [
  // 00010 0100 0010 0 0 0 → LC, index 4 (44100), 2 channels, GASpecificConfig 000
  { name: 'LC 44100 stereo', bytes: hex('12 10'), expect: { objectType: 2, sampleRate: 44100, channels: 2, sbr: false, ps: false, profile: 'LC' } },
  // 00101 0110 0010 0011 00010 0 0 0 → explicit SBR: core 24000 stereo, extension 48000 (index 3), core LC
  { name: 'HE-AAC explicit (object type 5)', bytes: hex('2b 11 88 00'), expect: { objectType: 2, signalledObjectType: 5, coreSampleRate: 24000, sampleRate: 48000, channels: 2, sbr: true, ps: false, profile: 'HE-AAC', codecString: 'mp4a.40.5' } },
  // 11101 0110 0001 0011 00010 000 → explicit PS: core 24000 mono, 48000 out, stereo
  { name: 'HE-AACv2 explicit (object type 29)', bytes: hex('eb 09 88 00'), expect: { objectType: 2, signalledObjectType: 29, sampleRate: 48000, channels: 2, sbr: true, ps: true, profile: 'HE-AACv2' } },
  // LC 24000 mono (00010 0110 0001 000) + sync 0x2b7 (01010110111) + 00101 + sbr 1 + index 3 (0011)
  // + sync 0x548 (10101001000) + ps 1:
  // 0001 0011 0000 1000 | 0101 0110 1110 0101 | 1001 1101 0100 1000 | 1000 0000 → 13 08 56 e5 9d 48 80
  { name: 'backward-compatible SBR + PS signalling', bytes: hex('13 08 56 e5 9d 48 80'), expect: { objectType: 2, coreSampleRate: 24000, sampleRate: 48000, channels: 2, sbr: true, ps: true } },
  // 00010 1111 000000000001111101000000 (8000) 0001 000 → explicit rate
  { name: 'explicit 24-bit sampling rate', bytes: hex('17 80 0f a0 08'), expect: { sampleRate: 8000, channels: 1 } },
  // object type escape: 11111 000011 (32 + 3 = 35, no GA config), index 0011, channels 0010
  { name: 'escaped object type 35', bytes: hex('f8 66 40'), expect: { objectType: 35, sampleRate: 48000, channels: 2 } },
];

for (const v of vectors) {
  test(`AudioSpecificConfig: ${v.name}`, () => {
    const c = parseAacConfig(v.bytes) as unknown as Record<string, unknown>;
    for (const [k, value] of Object.entries(v.expect)) assert.equal(c[k], value, k);
  });
}

test('channelConfiguration 0: channels from the program_config_element', () => {
  // LC 48000 config 0: 00010 0011 0000 | GA 000 | PCE: tag 0000, object 01, index 0011,
  // front 0001, side 0000, back 0000, lfe 00, assoc 000, cc 0000, no mixdowns 000,
  // front element: is_cpe 1, tag 0000
  // 00010 0011 0000 000 0000 01 0011 0001 0000 0000 00 000 0000 0 0 0 1 0000 → 11 80 04 c4 00 00 20
  const c = parseAacConfig(hex('11 80 04 c4 00 00 20'));
  assert.equal(c.channels, 2);
  assert.equal(c.channelConfiguration, 0);
});

test('AAC errors and names', () => {
  assert.throws(() => parseAacConfig(hex('00 00')), { code: ErrorCode.CODEC_INVALID }); // object type 0
  assert.throws(() => parseAacConfig(hex('16 80')), { code: ErrorCode.CODEC_INVALID }); // rate index 13
  assert.throws(() => parseAacConfig(hex('12 40')), { code: ErrorCode.CODEC_INVALID }); // channel config 8 (reserved)
  assert.throws(() => parseAacConfig(hex('12')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.deepEqual([1, 3, 4, 23, 39, 42, 99].map(aacProfileName), ['Main', 'SSR', 'LTP', 'LD', 'ELD', 'USAC', 'Object type 99']);
});
