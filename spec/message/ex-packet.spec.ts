/**
 * Classifying Enhanced RTMP v2 payloads through ModEx and Multitrack (veovera enhanced-rtmp v2,
 * ExVideoTagHeader / ExAudioTagHeader): sequence start, sequence end, the effective packet type.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioExPacketType, isAudioSequenceEnd, isAudioSequenceHeader } from '../../lib/message/audio.js';
import { isVideoSequenceEnd, isVideoSequenceHeader, videoExPacketType } from '../../lib/message/video.js';
import { createPrng } from '../helpers/prng.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** One table shared by every classifier: payload, kind, effective packet type, start?, end?. */
const vectors: Array<{ name: string; kind: 'audio' | 'video'; payload: Buffer; type: number; start: boolean; end: boolean }> = [
  // 0x90 = IsExHeader | FrameType 1 (key) | PacketType 0 (SequenceStart); "hvc1"; record bytes
  { name: 'hvc1 SequenceStart', kind: 'video', payload: h('90 68766331 01'), type: 0, start: true, end: false },
  // 0x92: SequenceEnd with a keyframe frame type
  { name: 'hvc1 SequenceEnd', kind: 'video', payload: h('92 68766331'), type: 2, start: false, end: true },
  // 0x91: CodedFrames, composition time 000000, data
  { name: 'hvc1 CodedFrames', kind: 'video', payload: h('91 68766331 000000 aa'), type: 1, start: false, end: false },
  // 0x96 Multitrack; 0x00 = OneTrack | SequenceStart; "av01"; track 1; av1C
  { name: 'Multitrack OneTrack SequenceStart', kind: 'video', payload: h('96 00 61763031 01 81'), type: 0, start: true, end: false },
  // 0x96; 0x22 = ManyTracksManyCodecs | SequenceEnd; then per track FourCC, id, size
  { name: 'Multitrack ManyCodecs SequenceEnd', kind: 'video', payload: h('96 22 68766331 00 000000'), type: 2, start: false, end: true },
  // 0x96; 0x15 = ManyTracks | MPEG2TSSequenceStart
  { name: 'Multitrack MPEG2TSSequenceStart', kind: 'video', payload: h('96 15 68766331 00 000001 ee'), type: 5, start: true, end: false },
  // 0x97 ModEx: size-1 = 02 (3 bytes) 07a120 (500000 ns); 0x00 = TimestampOffsetNano | SequenceStart; "av01"
  { name: 'ModEx SequenceStart', kind: 'video', payload: h('97 02 07a120 00 61763031 81'), type: 0, start: true, end: false },
  // ModEx with the 16-bit size: FF then size-1 = 0x0000 (1 byte); then 0x06 Multitrack; 0x00 OneTrack|SequenceStart
  { name: 'ModEx (UI16 size) then Multitrack SequenceStart', kind: 'video', payload: h('97 ff 0000 55 06 00 68766331 00 01'), type: 0, start: true, end: false },
  // two ModEx blocks then CodedFrames
  { name: 'ModEx twice then CodedFrames', kind: 'video', payload: h('97 00 11 07 00 22 01 61763031 aa'), type: 1, start: false, end: false },
  { name: 'ModEx cut short (no size)', kind: 'video', payload: h('97'), type: -1, start: false, end: false },
  { name: 'ModEx cut short (data)', kind: 'video', payload: h('97 05 0102'), type: -1, start: false, end: false },
  { name: 'ModEx cut short (UI16 size)', kind: 'video', payload: h('97 ff 00'), type: -1, start: false, end: false },
  { name: 'Multitrack cut short', kind: 'video', payload: h('96'), type: -1, start: false, end: false },
  // legacy AVC: 0x17 0x00 header, 0x17 0x02 end of sequence
  { name: 'legacy AVC sequence header', kind: 'video', payload: h('17 00 000000 01'), type: -1, start: true, end: false },
  { name: 'legacy AVC end of sequence', kind: 'video', payload: h('17 02 000000'), type: -1, start: false, end: true },
  { name: 'legacy AVC info frame', kind: 'video', payload: h('57 02'), type: -1, start: false, end: false },
  // audio: 0x90 = SoundFormat 9 | SequenceStart; "Opus"
  { name: 'Opus SequenceStart', kind: 'audio', payload: h('90 4f707573 4f'), type: 0, start: true, end: false },
  { name: 'Opus SequenceEnd', kind: 'audio', payload: h('92 4f707573'), type: 2, start: false, end: true },
  // 0x95 Multitrack; 0x10 = ManyTracks | SequenceStart; "Opus"; track 0, size 1, body
  { name: 'audio Multitrack ManyTracks SequenceStart', kind: 'audio', payload: h('95 10 4f707573 00 000001 4f'), type: 0, start: true, end: false },
  { name: 'audio Multitrack CodedFrames', kind: 'audio', payload: h('95 01 4f707573 00 aa'), type: 1, start: false, end: false },
  // 0x97 ModEx: 1 byte of data, then 0x02 SequenceEnd
  { name: 'audio ModEx SequenceEnd', kind: 'audio', payload: h('97 00 00 02 664c6143'), type: 2, start: false, end: true },
  { name: 'audio ModEx then Multitrack SequenceStart', kind: 'audio', payload: h('97 00 00 05 00 4f707573 00'), type: 0, start: true, end: false },
  { name: 'AAC sequence header', kind: 'audio', payload: h('af 00 1210'), type: -1, start: true, end: false },
  { name: 'AAC raw', kind: 'audio', payload: h('af 01 21'), type: -1, start: false, end: false },
  { name: 'empty', kind: 'audio', payload: Buffer.alloc(0), type: -1, start: false, end: false },
  { name: 'empty video', kind: 'video', payload: Buffer.alloc(0), type: -1, start: false, end: false },
];

for (const v of vectors) {
  test(`${v.kind}: ${v.name}`, () => {
    if (v.kind === 'video') {
      assert.equal(videoExPacketType(v.payload), v.type);
      assert.equal(isVideoSequenceHeader(v.payload), v.start);
      assert.equal(isVideoSequenceEnd(v.payload), v.end);
    } else {
      assert.equal(audioExPacketType(v.payload), v.type);
      assert.equal(isAudioSequenceHeader(v.payload), v.start);
      assert.equal(isAudioSequenceEnd(v.payload), v.end);
    }
  });
}

test('every prefix of every vector: the classifiers never throw and never read past the end', () => {
  for (const v of vectors) {
    for (let n = 0; n <= v.payload.length; n++) {
      const part = v.payload.subarray(0, n);
      for (const f of [videoExPacketType, isVideoSequenceHeader, isVideoSequenceEnd, audioExPacketType, isAudioSequenceHeader, isAudioSequenceEnd]) {
        const out = f(part);
        assert.ok(typeof out === 'boolean' || (Number.isInteger(out) && out >= -1 && out <= 15), `${v.name} @${n}`);
      }
    }
  }
});

test('fuzz: random and mutated ex-header payloads never throw', () => {
  const prng = createPrng(0xe7a9);
  const seeds = vectors.map((v) => v.payload).filter((p) => p.length > 0);
  for (let i = 0; i < 20_000; i++) {
    const payload = prng.int(2) ? Buffer.from(seeds[prng.int(seeds.length)]!) : prng.bytes(prng.int(24));
    for (let m = prng.int(3); m > 0 && payload.length > 0; m--) payload[prng.int(payload.length)] = prng.int(256);
    payload[0] = (payload[0] ?? 0) | (prng.int(2) ? 0x80 : 0x90);
    videoExPacketType(payload);
    isVideoSequenceHeader(payload);
    isVideoSequenceEnd(payload);
    audioExPacketType(payload);
    isAudioSequenceHeader(payload);
    isAudioSequenceEnd(payload);
  }
});
