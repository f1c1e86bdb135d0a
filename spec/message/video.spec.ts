import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  AvcPacketType,
  VideoCodecId,
  VideoFrameType,
  VideoPacketType,
  decodeVideoHeader,
  isKeyframe,
  isVideoSequenceHeader,
  type VideoHeader,
} from '../../lib/message/video.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

/** FLV spec v10.1 §E.4.3.1 and Enhanced RTMP (bit 0x80 of the first byte). */
const vectors: Array<{ name: string; payload: Buffer; header: VideoHeader }> = [
  {
    name: 'AVC sequence header (keyframe)',
    payload: bytes(
      0x17, //             frame type 1 (key), codec 7 (AVC)
      0x00, //             AVCPacketType 0 = sequence header
      0x00, 0x00, 0x00, // composition time 0
      0x01, 0x64, 0x00, 0x0c, // AVCDecoderConfigurationRecord starts (version 1, High, level 1.2)
    ),
    header: { isExHeader: false, frameType: 1, codecId: 7, avcPacketType: 0, compositionTime: 0, headerLength: 5 },
  },
  {
    name: 'AVC inter frame, composition time +66 ms',
    payload: bytes(0x27, /* inter, AVC */ 0x01, /* NALU */ 0x00, 0x00, 0x42, /* 66 */ 0x00, 0x00, 0x00, 0x02),
    header: { isExHeader: false, frameType: 2, codecId: 7, avcPacketType: 1, compositionTime: 66, headerLength: 5 },
  },
  {
    name: 'AVC NALU with a negative composition time (-2, signed 24-bit)',
    payload: bytes(0x27, 0x01, 0xff, 0xff, 0xfe /* -2 */),
    header: { isExHeader: false, frameType: 2, codecId: 7, avcPacketType: 1, compositionTime: -2, headerLength: 5 },
  },
  {
    name: 'AVC end of sequence',
    payload: bytes(0x17, 0x02, 0x00, 0x00, 0x00),
    header: { isExHeader: false, frameType: 1, codecId: 7, avcPacketType: 2, compositionTime: 0, headerLength: 5 },
  },
  {
    name: 'legacy HEVC (codec 12) sequence header',
    payload: bytes(0x1c, /* key, codec 12 */ 0x00, 0x00, 0x00, 0x00, 0x01),
    header: { isExHeader: false, frameType: 1, codecId: 12, avcPacketType: 0, compositionTime: 0, headerLength: 5 },
  },
  {
    name: 'AVC info/command frame: no AVC packet header',
    payload: bytes(0x57, /* frame type 5, AVC */ 0x00 /* command: start of seek */),
    header: { isExHeader: false, frameType: 5, codecId: 7, headerLength: 1 },
  },
  {
    name: 'Sorenson H.263 disposable inter frame',
    payload: bytes(0x32, /* frame type 3, codec 2 */ 0x00, 0x00, 0x84),
    header: { isExHeader: false, frameType: 3, codecId: 2, headerLength: 1 },
  },
  {
    name: 'Enhanced: HEVC SequenceStart',
    payload: bytes(
      0x90, //   1 001 0000: ExHeader, frame type 1 (key), packet type 0 (SequenceStart)
      'hvc1', // FourCC
      0x01, //   HEVCDecoderConfigurationRecord starts
    ),
    header: { isExHeader: true, frameType: 1, packetType: 0, fourCc: 'hvc1', headerLength: 5 },
  },
  {
    name: 'Enhanced: HEVC CodedFrames with composition time 33',
    payload: bytes(0x91, /* key, CodedFrames */ 'hvc1', 0x00, 0x00, 0x21, /* 33 ms */ 0x00, 0x00, 0x00, 0x10),
    header: { isExHeader: true, frameType: 1, packetType: 1, fourCc: 'hvc1', compositionTime: 33, headerLength: 8 },
  },
  {
    name: 'Enhanced: AVC CodedFrames with a negative composition time',
    payload: bytes(0xa1, /* inter, CodedFrames */ 'avc1', 0xff, 0xff, 0xff /* -1 */),
    header: { isExHeader: true, frameType: 2, packetType: 1, fourCc: 'avc1', compositionTime: -1, headerLength: 8 },
  },
  {
    name: 'Enhanced: AV1 CodedFrames (no composition time)',
    payload: bytes(0xa1, 'av01', 0x12, 0x00),
    header: { isExHeader: true, frameType: 2, packetType: 1, fourCc: 'av01', headerLength: 5 },
  },
  {
    name: 'Enhanced: HEVC CodedFramesX (composition time implied 0)',
    payload: bytes(0xa3, /* inter, CodedFramesX */ 'hvc1', 0x00, 0x00),
    header: { isExHeader: true, frameType: 2, packetType: 3, fourCc: 'hvc1', headerLength: 5 },
  },
  {
    name: 'Enhanced: Metadata',
    payload: bytes(0xd4, /* frame type 5, Metadata */ 'av01', 0x02),
    header: { isExHeader: true, frameType: 5, packetType: 4, fourCc: 'av01', headerLength: 5 },
  },
  {
    name: 'Enhanced: MPEG2TSSequenceStart (AV1)',
    payload: bytes(0x95, 'av01', 0x80),
    header: { isExHeader: true, frameType: 1, packetType: 5, fourCc: 'av01', headerLength: 5 },
  },
  {
    name: 'Enhanced: Multitrack, many tracks of one codec',
    payload: bytes(
      0x96, //   key, packet type 6 = Multitrack
      0x11, //   multitrack type 1 (many tracks), track packet type 1 (CodedFrames)
      'avc1', // shared FourCC
    ),
    header: { isExHeader: true, frameType: 1, packetType: 6, multitrackType: 1, trackPacketType: 1, fourCc: 'avc1', headerLength: 6 },
  },
  {
    name: 'Enhanced: Multitrack, many tracks many codecs',
    payload: bytes(0x96, 0x20, 0x00, 'hvc1'),
    header: { isExHeader: true, frameType: 1, packetType: 6, multitrackType: 2, trackPacketType: 0, headerLength: 2 },
  },
  {
    name: 'Enhanced: ModEx',
    payload: bytes(0x97, 0x00, 0x01),
    header: { isExHeader: true, frameType: 1, packetType: 7, headerLength: 1 },
  },
];

test('video header vectors decode', () => {
  for (const v of vectors) assert.deepEqual(decodeVideoHeader(v.payload), v.header, v.name);
});

test('every truncation inside the header is ERR_MESSAGE_TRUNCATED', () => {
  for (const v of vectors) {
    const header = v.payload.subarray(0, v.header.headerLength);
    assertTruncations(header, decodeVideoHeader, v.name, true);
    for (let n = 0; n < header.length; n++) {
      assert.equal((thrown(() => decodeVideoHeader(header.subarray(0, n))) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
    }
    assert.deepEqual(decodeVideoHeader(header), v.header, v.name);
  }
});

test('isKeyframe: frame type 1 or 4, legacy or enhanced; never throws', () => {
  const cases: Array<[Buffer, boolean]> = [
    [bytes(0x17, 0x01), true],
    [bytes(0x47), true], // generated keyframe
    [bytes(0x27, 0x01), false],
    [bytes(0x57, 0x00), false],
    [bytes(0x91, 'hvc1'), true],
    [bytes(0xa1, 'hvc1'), false],
    [Buffer.alloc(0), false],
  ];
  for (const [payload, expected] of cases) assert.equal(isKeyframe(payload), expected, payload.toString('hex'));
});

test('isVideoSequenceHeader: AVC/HEVC packet type 0, Enhanced SequenceStart/MPEG2TSSequenceStart', () => {
  const cases: Array<[Buffer, boolean]> = [
    [bytes(0x17, 0x00, 0, 0, 0), true],
    [bytes(0x1c, 0x00, 0, 0, 0), true],
    [bytes(0x17, 0x01, 0, 0, 0), false],
    [bytes(0x57, 0x00), false], // command frame
    [bytes(0x12, 0x00), false], // H.263: no packet type
    [bytes(0x90, 'hvc1'), true],
    [bytes(0x95, 'av01'), true],
    [bytes(0x91, 'hvc1'), false],
    [bytes(0x17), false],
    [Buffer.alloc(0), false],
  ];
  for (const [payload, expected] of cases) assert.equal(isVideoSequenceHeader(payload), expected, payload.toString('hex'));
});

test('named constants follow the FLV and Enhanced RTMP specs', () => {
  assert.deepEqual(VideoFrameType, { Keyframe: 1, InterFrame: 2, DisposableInterFrame: 3, GeneratedKeyframe: 4, InfoOrCommand: 5 });
  assert.equal(VideoCodecId.Avc, 7);
  assert.equal(VideoCodecId.Hevc, 12);
  assert.deepEqual(AvcPacketType, { SequenceHeader: 0, Nalu: 1, EndOfSequence: 2 });
  assert.equal(VideoPacketType.Multitrack, 6);
  assert.equal(VideoPacketType.ModEx, 7);
});

test('an empty video payload is ERR_MESSAGE_TRUNCATED', () => {
  const err = thrown(() => decodeVideoHeader(Buffer.alloc(0)));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED);
});

test('fuzz: video header parsers throw only RtmpError', () => {
  const seeds = vectors.map((v) => v.payload);
  const { ok, failed } = fuzz(decodeVideoHeader, seeds, 20_000, 0x51de0);
  assert.ok(ok > 0 && failed > 0, `${ok} ok, ${failed} failed`);
  fuzz(isKeyframe, seeds, 20_000, 0x51de1);
  fuzz(isVideoSequenceHeader, seeds, 20_000, 0x51de2);
});
