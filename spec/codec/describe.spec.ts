import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecmaArray } from '../../lib/amf/index.js';
import { ErrorCode, RtmpError } from '../../lib/errors.js';
import { describeStream, StreamDescriber } from '../../lib/codec/describe.js';
import { createDataMessage, encodeData, setDataFrame } from '../../lib/message/data.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { hex } from '../amf/hex.js';
import { exAudio, exVideo, multitrack, withModEx } from './enhanced-tags.js';
import { aacConfig, av1Record, avcRecord, hevcRecord, opusHead, rawAudio, vp9Keyframe, vp9Record } from './fixtures.js';

const video = (payload: Buffer, timestamp = 0) => ({ kind: 'video' as const, streamId: 1, timestamp, payload });
const audio = (payload: Buffer, timestamp = 0) => ({ kind: 'audio' as const, streamId: 1, timestamp, payload });

test('legacy AVC + AAC sequence headers (events)', () => {
  const d = describeStream([
    video(hex('17 00 00 00 00', avcRecord('1920x1080', 30, ['-preset', 'superfast', '-profile:v', 'high']))),
    audio(hex('af 00', aacConfig(48000, 2))),
  ]);
  assert.deepEqual(d.video, {
    codec: 'h264', trackId: 0, codecId: 7, profile: 'High', level: 4, width: 1920, height: 1080, bitDepth: 8,
    codecString: d.video?.codecString, frameRate: 30,
  });
  assert.deepEqual(d.audio, { codec: 'aac', trackId: 0, soundFormat: 10, sampleRate: 48000, channels: 2, profile: 'LC', codecString: 'mp4a.40.2' });
  assert.equal(d.metadata, undefined);
});

test('legacy HEVC (codec id 12) and seed Messages / FLV tags as input', () => {
  const d = describeStream([
    createMessage(6, 1, MessageType.Video, hex('1c 00 00 00 00', hevcRecord('1920x1080'))),
    { type: 8, timestamp: 0, data: hex('af 00', aacConfig(44100, 1)) },
  ]);
  assert.deepEqual([d.video?.codec, d.video?.width, d.video?.height, d.video?.profile, d.video?.tier], ['hevc', 1920, 1080, 'Main', 'Main']);
  assert.deepEqual([d.audio?.sampleRate, d.audio?.channels], [44100, 1]);
});

test('Enhanced RTMP video: hvc1, av01, vp09 and avc1 SequenceStart from real encoder configs', () => {
  const hevc = describeStream([video(exVideo(1, 0, 'hvc1', hevcRecord('1000x562')))]).video;
  assert.deepEqual([hevc?.codec, hevc?.fourCc, hevc?.width, hevc?.height, hevc?.profile], ['hevc', 'hvc1', 1000, 562, 'Main']);
  assert.equal(hevc?.codecId, undefined);
  const tenBit = describeStream([video(exVideo(1, 0, 'hvc1', hevcRecord('640x360', ['-pix_fmt', 'yuv420p10le'])))]).video;
  assert.deepEqual([tenBit?.profile, tenBit?.bitDepth], ['Main 10', 10]);
  const av1 = describeStream([video(exVideo(1, 0, 'av01', av1Record('640x360')))]).video;
  assert.deepEqual([av1?.codec, av1?.width, av1?.height, av1?.profile, av1?.tier], ['av1', 640, 360, 'Main', 'Main']);
  const vp9 = describeStream([video(exVideo(1, 0, 'vp09', vp9Record('352x288'))), video(exVideo(1, 3, 'vp09', vp9Keyframe('352x288')))]).video;
  assert.deepEqual([vp9?.codec, vp9?.profile, vp9?.bitDepth, vp9?.width, vp9?.height], ['vp9', 'Profile 0', 8, 352, 288]);
  const avc = describeStream([video(exVideo(1, 0, 'avc1', avcRecord('320x240', 25, ['-preset', 'ultrafast'])))]).video;
  assert.deepEqual([avc?.codec, avc?.fourCc, avc?.width, avc?.frameRate], ['h264', 'avc1', 320, 25]);
});

test('Enhanced RTMP video: Metadata (colorInfo), SequenceEnd, MPEG2TSSequenceStart, inter frames', () => {
  const colorInfo = { colorConfig: { bitDepth: 10, colorPrimaries: 9 } };
  const d = describeStream([
    video(exVideo(1, 0, 'hvc1', hevcRecord('1920x1080'))),
    video(exVideo(5, 4, 'hvc1', encodeData(['colorInfo', colorInfo]))),
    video(exVideo(2, 1, 'hvc1', hex('00 00 00 00 00 00 01 02'))),
    video(exVideo(1, 5, 'av01', hex('80'))), // a codec change on track 0: starts over
    video(exVideo(2, 2, 'av01', hex(''))),
  ]);
  assert.deepEqual(d.video, { codec: 'av1', trackId: 0, fourCc: 'av01' });
  const withMeta = describeStream([video(exVideo(1, 0, 'hvc1', hevcRecord('1920x1080'))), video(exVideo(5, 4, 'hvc1', encodeData(['colorInfo', colorInfo])))]);
  assert.deepEqual(withMeta.video?.videoMetadata, { colorInfo });
  // a VP9 inter frame says nothing about the size
  const inter = describeStream([video(exVideo(2, 1, 'vp09', hex('86 00')))]);
  assert.equal(inter.video?.width, undefined);
});

test('Enhanced RTMP audio: Opus, fLaC, mp4a SequenceStart; ac-3, ec-3, .mp3 coded frames; MultichannelConfig', () => {
  const one = (payload: Buffer) => describeStream([audio(payload)]).audio;
  assert.deepEqual(one(exAudio(0, 'Opus', opusHead(2))), { codec: 'opus', trackId: 0, fourCc: 'Opus', sampleRate: 48000, channels: 2 });
  assert.deepEqual(one(exAudio(0, 'fLaC', rawAudio('flac', 44100, 2))), { codec: 'flac', trackId: 0, fourCc: 'fLaC', sampleRate: 44100, channels: 2, bitDepth: 16 });
  assert.deepEqual(one(exAudio(0, 'mp4a', aacConfig(48000, 1)))?.channels, 1);
  assert.deepEqual(one(exAudio(1, 'ac-3', rawAudio('ac3', 48000, 6))), { codec: 'ac3', trackId: 0, fourCc: 'ac-3', sampleRate: 48000, channels: 6 });
  assert.deepEqual(one(exAudio(1, 'ec-3', rawAudio('eac3', 48000, 2)))?.codec, 'eac3');
  assert.deepEqual(one(exAudio(1, '.mp3', rawAudio('mp3', 44100, 2))), { codec: 'mp3', trackId: 0, fourCc: '.mp3', sampleRate: 44100, channels: 2 });
  assert.equal(one(exAudio(4, 'Opus', hex('01 06 00 00 00 3f')))?.channels, 6);
  assert.deepEqual(one(exAudio(2, 'zzzz', hex(''))), { codec: 'unknown', trackId: 0, fourCc: 'zzzz' });
  // A described track does not re-parse each frame.
  const d = new StreamDescriber();
  d.push(audio(exAudio(1, 'ac-3', rawAudio('ac3', 48000, 6))));
  d.push(audio(exAudio(1, 'ac-3', hex('00'))));
  assert.equal(d.errors.length, 0);
});

test('multitrack: each track described, video/audio are the lowest track id', () => {
  const d = describeStream([
    video(multitrack(0x96, 2, 0, undefined, [
      { trackId: 2, fourCc: 'av01', body: av1Record('1280x720') },
      { trackId: 1, fourCc: 'hvc1', body: hevcRecord('1920x1080') },
    ])),
    audio(multitrack(0x95, 1, 0, 'Opus', [{ trackId: 0, body: opusHead(1) }, { trackId: 1, body: opusHead(2) }])),
  ]);
  assert.deepEqual(d.videoTracks.map((t) => [t.trackId, t.codec, t.width, t.height]), [[1, 'hevc', 1920, 1080], [2, 'av1', 1280, 720]]);
  assert.equal(d.video?.trackId, 1);
  assert.deepEqual(d.audioTracks.map((t) => [t.trackId, t.channels]), [[0, 1], [1, 2]]);
});

test('ModEx before the FourCC', () => {
  const d = describeStream([video(withModEx(0x90, hex('00 00 10'), 0, 0, hex(Buffer.from('hvc1'), hevcRecord('1920x1080'))))]);
  assert.deepEqual([d.video?.codec, d.video?.width], ['hevc', 1920]);
});

test('legacy audio formats from the FLV flags (§E.4.2.1) and MP3 frames', () => {
  const one = (payload: Buffer) => describeStream([audio(payload)]).audio;
  assert.deepEqual(one(hex('2f', rawAudio('mp3', 48000, 1))), { codec: 'mp3', trackId: 0, soundFormat: 2, bitDepth: 16, channels: 1, sampleRate: 48000 });
  assert.deepEqual(one(hex('2f')), { codec: 'mp3', trackId: 0, soundFormat: 2, bitDepth: 16, channels: 2, sampleRate: 44100 });
  assert.deepEqual(one(hex('b2 00')), { codec: 'speex', trackId: 0, soundFormat: 11, bitDepth: 16, channels: 1, sampleRate: 16000 });
  assert.deepEqual(one(hex('42 00'))?.sampleRate, 16000);
  assert.deepEqual(one(hex('52 00'))?.sampleRate, 8000);
  assert.deepEqual(one(hex('e2 00'))?.sampleRate, 8000);
  assert.deepEqual(one(hex('72 00'))?.codec, 'g711a');
  assert.deepEqual(one(hex('82 00'))?.sampleRate, 8000);
  assert.deepEqual(one(hex('3d 00')), { codec: 'pcm', trackId: 0, soundFormat: 3, bitDepth: 8, channels: 2, sampleRate: 44100 });
  assert.deepEqual(one(hex('c6 00'))?.codec, 'unknown');
  assert.deepEqual(one(hex('af 01 00'))?.sampleRate, undefined, 'AAC flags are not the stream');
});

test('onMetaData (with or without @setDataFrame, events or messages) fills what the media leaves open', () => {
  const meta = { width: 640, height: 480, framerate: 29.97, videocodecid: 4, audiocodecid: 2, audiosamplerate: 22050, stereo: false };
  const d = describeStream([
    { kind: 'data', streamId: 1, timestamp: 0, name: '@setDataFrame', values: ['onMetaData', ecmaArray({ ...meta })] },
    video(hex('14 00 00')), // VP6 keyframe: no size in the FLV header
  ]);
  assert.deepEqual(d.video, { codec: 'vp6', trackId: 0, codecId: 4, width: 640, height: 480, frameRate: 29.97 });
  assert.deepEqual(d.metadata, meta);
  // Metadata alone: the codec comes from videocodecid / audiocodecid, FourCC numbers included.
  const onlyMeta = describeStream([createDataMessage(setDataFrame({ videocodecid: 0x68766331, audiocodecid: 0x4f707573, width: 1, stereo: true }))]);
  assert.deepEqual(onlyMeta.video, { codec: 'hevc', trackId: 0, width: 1 });
  assert.deepEqual(onlyMeta.audio, { codec: 'opus', trackId: 0, channels: 2 });
  const amf3 = describeStream([createDataMessage(['onMetaData', { videocodecid: 'av01', audiocodecid: 'fLaC' }], { objectEncoding: 3 })]);
  assert.deepEqual([amf3.video?.codec, amf3.audio?.codec], ['av1', 'flac']);
  const odd = describeStream([{ kind: 'data', name: 'onMetaData', values: [{ videocodecid: true, audiocodecid: 99 }] }]);
  assert.deepEqual([odd.video?.codec, odd.audio?.codec], ['unknown', 'unknown']);
  const unknownFourCc = describeStream([{ kind: 'data', name: 'onMetaData', values: [{ videocodecid: 'xxxx', audiocodecid: 'yyyy' }] }]);
  assert.deepEqual([unknownFourCc.video?.codec, unknownFourCc.audio?.codec], ['unknown', 'unknown']);
  // Other data and non-object metadata are ignored.
  assert.equal(describeStream([{ kind: 'data', name: 'onCuePoint', values: [{}] }, { kind: 'data', name: 'onMetaData', values: [3] }]).metadata, undefined);
});

test('bad configurations are recorded as typed errors (or thrown when strict); other input is ignored', () => {
  const d = new StreamDescriber();
  d.push(video(hex('17 00 00 00 00 01 42')));
  d.push(audio(hex('af 00 00 00')));
  d.push(video(exVideo(1, 0, 'av01', hex('00'))));
  d.push(null as never);
  d.push({ kind: 'command' });
  d.push(video(hex('')));
  d.push(audio(hex('')));
  d.push(video(hex('57 00'))); // info/command frame: not a picture
  assert.equal(d.errors.length, 3);
  assert.ok(d.errors.every((e) => e instanceof RtmpError));
  assert.deepEqual(d.description.video, { codec: 'av1', trackId: 0, fourCc: 'av01' });
  for (let i = 0; i < 20; i++) d.push(audio(hex('af 00 00 00')));
  assert.equal(d.errors.length, 16, 'bounded');
  const strict = new StreamDescriber({ strict: true });
  assert.throws(() => strict.push(audio(hex('af 00 00 00'))), { code: ErrorCode.CODEC_INVALID });
});
