/** GopCache headers per Enhanced RTMP v2 Multitrack track (veovera enhanced-rtmp v2, "Multitrack Streaming"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GopCache, mediaTracks, type CachedMedia } from '../../lib/server/gop-cache.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const entry = (kind: 'audio' | 'video', payload: Buffer): CachedMedia => ({ kind, timestamp: 0, payload });

test('mediaTracks: legacy and single-track payloads are track 0; Multitrack lists its tracks; malformed is track 0', () => {
  assert.deepEqual(mediaTracks('video', h('17 00 000000 01')), [0]);
  assert.deepEqual(mediaTracks('video', h('90 68766331 01')), [0]);
  // 0x96 Multitrack, 0x10 ManyTracks|SequenceStart, "hvc1", track 2 size 1, track 5 size 1
  assert.deepEqual(mediaTracks('video', h('96 10 68766331 02 000001 aa 05 000001 bb')), [2, 5]);
  // 0x95 audio Multitrack, 0x00 OneTrack|SequenceStart, "Opus", track 3
  assert.deepEqual(mediaTracks('audio', h('95 00 4f707573 03 4f')), [3]);
  assert.deepEqual(mediaTracks('video', h('96 10 68766331 02 0000ff aa')), [0], 'track body cut short');
  assert.deepEqual(mediaTracks('audio', h('af 00 1210')), [0]);
});

test('a header replaces those that share a track; a video header clears the GOP; SequenceEnd clears it too but keeps headers', () => {
  const cache = new GopCache();
  const t0 = entry('video', h('96 00 68766331 00 01'));
  const t12 = entry('video', h('96 10 68766331 01 000001 aa 02 000001 bb'));
  const t2 = entry('video', h('96 00 61763031 02 cc'));
  cache.setHeader(t0);
  cache.setHeader(t12);
  assert.deepEqual(cache.videoHeaders.entries, [t0, t12]);
  cache.setHeader(t2); // replaces the [1, 2] message: track 1 loses its header with it
  assert.deepEqual(cache.videoHeaders.entries, [t0, t2]);
  assert.equal(cache.videoHeader, t2);
  cache.addFrame(entry('video', h('91 68766331 000000 01')), true);
  assert.equal(cache.gop.length, 1);
  cache.endVideoSequence();
  assert.equal(cache.gop.length, 0);
  assert.deepEqual(cache.videoHeaders.entries, [t0, t2]);
  const color = entry('video', h('d4 68766331 02'));
  cache.setVideoMetadata(color);
  cache.setVideoMetadata(entry('video', h('d4 68766331 03')));
  assert.equal(cache.videoMetadata.entries.length, 1, 'the latest colorInfo of track 0 only');
  cache.clear();
  assert.deepEqual([cache.videoHeaders.entries, cache.audioHeaders.entries, cache.videoMetadata.entries, cache.videoHeader], [[], [], [], undefined]);
});
