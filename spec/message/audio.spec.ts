import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  AacPacketType,
  AudioPacketType,
  SoundFormat,
  decodeAudioHeader,
  isAudioSequenceHeader,
  type AudioHeader,
} from '../../lib/message/audio.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

/** FLV spec v10.1 §E.4.2.1 and Enhanced RTMP v2 (SoundFormat 9 = ExHeader). */
const vectors: Array<{ name: string; payload: Buffer; header: AudioHeader }> = [
  {
    name: 'AAC sequence header, 44 kHz 16-bit stereo',
    payload: bytes(
      0xaf, //       1010 11 1 1: AAC (10), 44 kHz (3), 16-bit (1), stereo (1)
      0x00, //       AACPacketType 0 = sequence header
      0x12, 0x10, // AudioSpecificConfig: AAC-LC, 44.1 kHz, 2 channels
    ),
    header: { isExHeader: false, soundFormat: 10, soundRate: 3, soundSize: 1, soundType: 1, aacPacketType: 0, headerLength: 2 },
  },
  {
    name: 'AAC raw frame',
    payload: bytes(0xaf, 0x01, /* raw */ 0x21, 0x10, 0x04),
    header: { isExHeader: false, soundFormat: 10, soundRate: 3, soundSize: 1, soundType: 1, aacPacketType: 1, headerLength: 2 },
  },
  {
    name: 'MP3 44 kHz 16-bit mono',
    payload: bytes(0x2e, /* 0010 11 1 0 */ 0xff, 0xfb),
    header: { isExHeader: false, soundFormat: 2, soundRate: 3, soundSize: 1, soundType: 0, headerLength: 1 },
  },
  {
    name: 'G.711 A-law 5.5 kHz 16-bit mono',
    payload: bytes(0x72 /* 0111 00 1 0 */),
    header: { isExHeader: false, soundFormat: 7, soundRate: 0, soundSize: 1, soundType: 0, headerLength: 1 },
  },
  {
    name: 'Enhanced: Opus SequenceStart',
    payload: bytes(0x90, /* 1001 = ExHeader, packet type 0 */ 'Opus', /* FourCC */ 'OpusHead'),
    header: { isExHeader: true, packetType: 0, fourCc: 'Opus', headerLength: 5 },
  },
  {
    name: 'Enhanced: FLAC CodedFrames',
    payload: bytes(0x91, 'fLaC', 0xff, 0xf8),
    header: { isExHeader: true, packetType: 1, fourCc: 'fLaC', headerLength: 5 },
  },
  {
    name: 'Enhanced: Multitrack, one track of Opus',
    payload: bytes(
      0x95, //   ExHeader, packet type 5 = Multitrack
      0x01, //   multitrack type 0 (one track), track packet type 1 (coded frames)
      'Opus', // FourCC shared by the tracks
      0x00, //   track id
    ),
    header: { isExHeader: true, packetType: 5, multitrackType: 0, trackPacketType: 1, fourCc: 'Opus', headerLength: 6 },
  },
  {
    name: 'Enhanced: Multitrack, many tracks many codecs (FourCC per track)',
    payload: bytes(0x95, 0x20 /* type 2, track packet type 0 */, 'Opus'),
    header: { isExHeader: true, packetType: 5, multitrackType: 2, trackPacketType: 0, headerLength: 2 },
  },
  {
    name: 'Enhanced: ModEx',
    payload: bytes(0x97, 0x00),
    header: { isExHeader: true, packetType: 7, headerLength: 1 },
  },
];

test('audio header vectors decode', () => {
  for (const v of vectors) assert.deepEqual(decodeAudioHeader(v.payload), v.header, v.name);
});

test('every truncation inside the header is ERR_MESSAGE_TRUNCATED', () => {
  for (const v of vectors) {
    const header = v.payload.subarray(0, v.header.headerLength);
    assertTruncations(header, decodeAudioHeader, v.name, true);
    for (let n = 0; n < header.length; n++) {
      assert.equal((thrown(() => decodeAudioHeader(header.subarray(0, n))) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
    }
    // Codec data after the header is not looked at.
    assert.deepEqual(decodeAudioHeader(header), v.header, v.name);
  }
});

test('isAudioSequenceHeader: AAC packet type 0 and Enhanced SequenceStart only; never throws', () => {
  const cases: Array<[Buffer, boolean]> = [
    [bytes(0xaf, 0x00, 0x12, 0x10), true],
    [bytes(0xaf, 0x01), false],
    [bytes(0x2e, 0x00), false],
    [bytes(0x90, 'Opus'), true],
    [bytes(0x91, 'Opus'), false],
    [bytes(0xaf), false],
    [Buffer.alloc(0), false],
  ];
  for (const [payload, expected] of cases) assert.equal(isAudioSequenceHeader(payload), expected, payload.toString('hex'));
});

test('named constants follow the FLV and Enhanced RTMP specs', () => {
  assert.equal(SoundFormat.Aac, 10);
  assert.equal(SoundFormat.ExHeader, 9);
  assert.equal(SoundFormat.Mp3, 2);
  assert.deepEqual(AacPacketType, { SequenceHeader: 0, Raw: 1 });
  assert.equal(AudioPacketType.Multitrack, 5);
  assert.equal(AudioPacketType.ModEx, 7);
});

test('an empty audio payload is ERR_MESSAGE_TRUNCATED', () => {
  const err = thrown(() => decodeAudioHeader(Buffer.alloc(0)));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED);
});

test('fuzz: decodeAudioHeader throws only RtmpError', () => {
  const { ok, failed } = fuzz(decodeAudioHeader, vectors.map((v) => v.payload), 20_000, 0xa0d10);
  assert.ok(ok > 0 && failed > 0, `${ok} ok, ${failed} failed`);
  fuzz(isAudioSequenceHeader, vectors.map((v) => v.payload), 20_000, 0xa0d11);
});
