import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { parseEnhancedAudio, parseEnhancedVideo } from '../../lib/codec/enhanced.js';
import { hex } from '../amf/hex.js';
import { exAudio, exVideo, multitrack, withModEx } from './enhanced-tags.js';

test('single-track video: SequenceStart, CodedFrames with composition time, CodedFramesX', () => {
  assert.deepEqual(parseEnhancedVideo(exVideo(1, 0, 'hvc1', hex('01 02'))), {
    frameType: 1, packetType: 0, tracks: [{ trackId: 0, fourCc: 'hvc1', packetType: 0, body: hex('01 02') }],
  });
  const coded = parseEnhancedVideo(exVideo(2, 1, 'avc1', hex('ff ff fe 00 00 00 01 65')));
  assert.equal(coded.tracks[0]!.compositionTime, -2);
  assert.deepEqual(coded.tracks[0]!.body, hex('00 00 00 01 65'));
  assert.deepEqual(parseEnhancedVideo(exVideo(2, 3, 'hvc1', hex('aa'))).tracks[0]!.body, hex('aa'));
  assert.deepEqual(parseEnhancedVideo(exVideo(2, 1, 'av01', hex('aa'))).tracks[0]!.body, hex('aa'), 'av01 has no composition time');
});

test('video Multitrack: OneTrack, ManyTracks, ManyTracksManyCodecs', () => {
  const one = parseEnhancedVideo(multitrack(0x96, 0, 1, 'hvc1', [{ trackId: 3, body: hex('00 00 05 aa bb') }]));
  assert.equal(one.multitrackType, 0);
  assert.deepEqual(one.tracks, [{ trackId: 3, fourCc: 'hvc1', packetType: 1, compositionTime: 5, body: hex('aa bb') }]);
  const many = parseEnhancedVideo(multitrack(0x96, 1, 0, 'av01', [{ trackId: 0, body: hex('01') }, { trackId: 1, body: hex('02 03') }]));
  assert.deepEqual(many.tracks.map((t) => [t.trackId, t.fourCc, t.body.toString('hex')]), [[0, 'av01', '01'], [1, 'av01', '0203']]);
  const codecs = parseEnhancedVideo(multitrack(0x96, 2, 0, undefined, [{ trackId: 0, fourCc: 'avc1', body: hex('01') }, { trackId: 1, fourCc: 'vp09', body: hex('02') }]));
  assert.deepEqual(codecs.tracks.map((t) => [t.trackId, t.fourCc]), [[0, 'avc1'], [1, 'vp09']]);
});

test('ModEx prefixes are skipped (short and long size forms, chained)', () => {
  const inner = hex('68 76 63 31', '00 00 07', 'cc');
  const p = parseEnhancedVideo(withModEx(0x90, hex('00 01 02'), 0, 1, inner));
  assert.equal(p.packetType, 1);
  assert.equal(p.frameType, 1);
  assert.deepEqual(p.tracks[0], { trackId: 0, fourCc: 'hvc1', packetType: 1, compositionTime: 7, body: hex('cc') });
  const long = parseEnhancedVideo(withModEx(0x90, Buffer.alloc(300, 1), 0, 0, hex('61 76 30 31 dd')));
  assert.deepEqual(long.tracks[0]!.body, hex('dd'));
  // two ModEx blocks in a row: the first's next packet type is ModEx again
  const chained = Buffer.concat([hex('97 00 aa 07 00 bb 00'), Buffer.from('vp09'), hex('ee')]);
  assert.deepEqual(parseEnhancedVideo(chained).tracks[0]!.body, hex('ee'));
  const audio = parseEnhancedAudio(Buffer.concat([hex('97 02 00 00 00 01'), Buffer.from('Opus'), hex('ff')]));
  assert.deepEqual(audio.tracks[0], { trackId: 0, fourCc: 'Opus', packetType: 1, body: hex('ff') });
});

test('audio: single track and multitrack', () => {
  assert.deepEqual(parseEnhancedAudio(exAudio(0, 'fLaC', hex('01'))).tracks, [{ trackId: 0, fourCc: 'fLaC', packetType: 0, body: hex('01') }]);
  const many = parseEnhancedAudio(multitrack(0x95, 1, 1, 'Opus', [{ trackId: 0, body: hex('01') }, { trackId: 2, body: hex('02') }]));
  assert.deepEqual(many.tracks.map((t) => [t.trackId, t.fourCc, t.packetType]), [[0, 'Opus', 1], [2, 'Opus', 1]]);
});

test('malformed enhanced packets are typed codec errors', () => {
  const cases = [
    hex('90 68 76'), //                          FourCC cut short
    hex('97'), //                                ModEx without a size
    hex('97 05 00'), //                          ModEx data cut short
    hex('97 ff 00'), //                          long ModEx size cut short
    hex('96 10 68 76 63 31 00 00 00 05 aa'), //  track size beyond the payload
    hex('96 20 61 76'), //                       ManyTracksManyCodecs FourCC cut short
    hex('96 00 68 76 63 31'), //                 OneTrack without a track id
    hex('96 10 68 76 63 31 00 00'), //           track size cut short
    hex('96 01 68 76 63 31 00 00 00'), //        avc/hevc CodedFrames without composition time
  ];
  for (const bytes of cases) {
    assert.throws(() => parseEnhancedVideo(bytes), (err: { code?: string }) => err.code === ErrorCode.CODEC_TRUNCATED, bytes.toString('hex'));
  }
  assert.throws(() => parseEnhancedVideo(hex('17 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseEnhancedAudio(hex('af 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseEnhancedAudio(hex('')), { code: ErrorCode.CODEC_TRUNCATED });
});
