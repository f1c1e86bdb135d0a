/**
 * Enhanced RTMP v2 tags in FLV: built by hand from the spec around real encoder configurations
 * (ffmpeg 5.1 cannot write them), muxed, demuxed at every split offset and muxed again byte for
 * byte, and described from what the demuxer gives back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStream } from '../../lib/codec/describe.js';
import type { MediaEvent } from '../../lib/command/events.js';
import { exAudio, exVideo, multitrack } from '../codec/enhanced-tags.js';
import { av1Record, hevcRecord, opusHead, rawAudio, vp9Keyframe, vp9Record } from '../codec/fixtures.js';
import { hex } from '../amf/hex.js';
import { demuxPieces, muxItems, splits } from './support.js';

function media(kind: 'audio' | 'video', timestamp: number, payload: Buffer): MediaEvent {
  return { kind, streamId: 0, timestamp, payload };
}

const items = (): MediaEvent[] => [
  media('video', 0, exVideo(1, 0, 'hvc1', hevcRecord('1920x1080'))),
  media('audio', 0, exAudio(0, 'Opus', opusHead(2))),
  media('video', 0, exVideo(1, 1, 'hvc1', hex('00 00 21 00 00 00 02 26 01'))), // CodedFrames, cts 33
  media('audio', 20, exAudio(1, 'Opus', hex('fc ff fe'))),
  media('video', 40, exVideo(2, 3, 'hvc1', hex('00 00 00 02 02 01'))), // CodedFramesX
  media('video', 80, exVideo(1, 2, 'hvc1', hex(''))), // SequenceEnd
];

test('hvc1 + Opus FLV: mux → demux (every split) → mux is byte-exact, and describes itself', async () => {
  const file = await muxItems(items());
  for (const pieces of [[file], ...splits(file).filter((_, i) => i % 13 === 0)]) {
    const back = await demuxPieces(pieces);
    assert.deepEqual(back.items, items());
  }
  const back = await demuxPieces([file]);
  assert.deepEqual(await muxItems(back.items), file);
  const d = describeStream(back.items);
  assert.deepEqual([d.video?.codec, d.video?.fourCc, d.video?.width, d.video?.height, d.video?.profile], ['hevc', 'hvc1', 1920, 1080, 'Main']);
  assert.deepEqual([d.audio?.codec, d.audio?.sampleRate, d.audio?.channels], ['opus', 48000, 2]);
});

test('av01 / vp09 / fLaC and multitrack tags pass through untouched', async () => {
  const tags = [
    media('video', 0, exVideo(1, 0, 'av01', av1Record('640x360'))),
    media('video', 0, multitrack(0x96, 2, 0, undefined, [{ trackId: 1, fourCc: 'vp09', body: vp9Record('352x288') }])),
    media('video', 0, multitrack(0x96, 1, 3, 'vp09', [{ trackId: 1, body: vp9Keyframe('352x288') }])),
    media('audio', 0, exAudio(0, 'fLaC', rawAudio('flac', 44100, 2).subarray(0, 42))),
  ];
  const file = await muxItems(tags);
  const back = await demuxPieces([file]);
  assert.deepEqual(back.items, tags);
  assert.deepEqual(await muxItems(back.items), file);
  const d = describeStream(back.items);
  assert.deepEqual(d.videoTracks.map((t) => [t.trackId, t.codec, t.width, t.height]), [[0, 'av1', 640, 360], [1, 'vp9', 352, 288]]);
  assert.deepEqual([d.audio?.codec, d.audio?.sampleRate], ['flac', 44100]);
});
