/**
 * Seeded random and mutation fuzzing of every codec parser and of the StreamDescriber (strict, so
 * errors surface): 20,000 inputs each, and only typed RtmpErrors may come out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtmpError } from '../../lib/errors.js';
import { parseAacConfig } from '../../lib/codec/aac.js';
import { parseAc3Frame } from '../../lib/codec/ac3.js';
import { parseAv1Config } from '../../lib/codec/av1.js';
import { parseAvcDecoderConfig } from '../../lib/codec/avc.js';
import { StreamDescriber } from '../../lib/codec/describe.js';
import { parseEnhancedAudio, parseEnhancedVideo } from '../../lib/codec/enhanced.js';
import { parseFlacStreamInfo } from '../../lib/codec/flac.js';
import { parseHevcDecoderConfig } from '../../lib/codec/hevc.js';
import { parseMp3Frame } from '../../lib/codec/mp3.js';
import { parseOpusHead } from '../../lib/codec/opus.js';
import { parseVp9Config, parseVp9FrameSize } from '../../lib/codec/vp9.js';
import { createPrng, fuzzIndices, fuzzReplayIndex, inputPrng, type Prng } from '../helpers/prng.js';
import { hex } from '../amf/hex.js';
import { exAudio, exVideo, multitrack } from './enhanced-tags.js';
import { aacConfig, av1Record, avcRecord, hevcRecord, opusHead, rawAudio, vp9Keyframe, vp9Record } from './fixtures.js';

const N = 20_000;

function mutate(prng: Prng, input: Buffer): Buffer {
  let out = Buffer.from(input);
  const edits = 1 + prng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = prng.int(Math.max(1, out.length));
    switch (prng.int(5)) {
      case 0:
        if (out.length > 0) out[at] = prng.int(256);
        break;
      case 1:
        if (out.length > 0) out[at] ^= 1 << prng.int(8);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), prng.bytes(1 + prng.int(8)), out.subarray(at)]);
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + prng.int(8))]);
    }
  }
  return out;
}

function fuzz(name: string, seeds: () => Buffer[], parse: (b: Buffer) => unknown, seed: number): void {
  test(`fuzz ${name}: ${N} mutated and random inputs, only RtmpErrors`, () => {
    const corpus = seeds();
    let ok = 0;
    // Each input depends on (seed, index) only: FUZZ_REPLAY=i runs input i alone.
    for (const i of fuzzIndices(N)) {
      const prng = inputPrng(seed, i);
      const input = i % 4 === 3 ? prng.bytes(prng.int(48)) : mutate(prng, corpus[prng.int(corpus.length)]!);
      try {
        parse(input);
        ok++;
      } catch (err) {
        if (!(err instanceof RtmpError)) assert.fail(`${name}: input ${i} (FUZZ_REPLAY=${i}): ${String(err)} for ${input.toString('hex')}`);
      }
    }
    if (fuzzReplayIndex() === undefined) assert.ok(ok > 0, `${name}: some inputs still parse`);
  });
}

fuzz('AVCDecoderConfigurationRecord', () => [avcRecord('1920x1080', 30, ['-preset', 'superfast', '-profile:v', 'high']), avcRecord('642x362', 25, ['-preset', 'superfast', '-pix_fmt', 'yuv444p'])], parseAvcDecoderConfig, 1);
fuzz('HEVCDecoderConfigurationRecord', () => [hevcRecord('1920x1080'), hevcRecord('1000x562')], parseHevcDecoderConfig, 2);
fuzz('AudioSpecificConfig', () => [aacConfig(44100, 2), hex('2b 11 88 00'), hex('13 08 56 e5 9d 48 80'), hex('11 80 04 c4 00 00 20')], parseAacConfig, 3);
fuzz('AV1CodecConfigurationRecord', () => [av1Record('640x360')], parseAv1Config, 4);
fuzz('VPCodecConfigurationRecord and VP9 frames', () => [vp9Record('352x288'), vp9Keyframe('352x288').subarray(0, 32)], (b) => ((b[0]! & 0xc0) === 0x80 ? parseVp9FrameSize(b) : parseVp9Config(b)), 5);
fuzz('OpusHead / FLAC / AC-3 / MP3', () => [opusHead(2), rawAudio('flac', 44100, 2).subarray(0, 42), rawAudio('ac3', 48000, 6).subarray(0, 16), rawAudio('eac3', 48000, 2).subarray(0, 16), rawAudio('mp3', 44100, 2).subarray(0, 8)], (b) => {
  for (const parse of [parseOpusHead, parseFlacStreamInfo, parseAc3Frame, parseMp3Frame]) {
    try {
      parse(b);
    } catch (err) {
      if (!(err instanceof RtmpError)) throw err;
    }
  }
}, 6);
fuzz('Enhanced RTMP packets', () => [exVideo(1, 1, 'hvc1', hex('00 00 01 aa')), multitrack(0x96, 2, 0, undefined, [{ trackId: 1, fourCc: 'av01', body: hex('81 00 0c 00') }]), hex('97 00 aa 07 00 bb 00 76 70 30 39 ee'), multitrack(0x95, 1, 1, 'Opus', [{ trackId: 0, body: hex('01') }])], (b) => {
  if ((b[0] ?? 0) >> 4 === 9) parseEnhancedAudio(b);
  else parseEnhancedVideo(Buffer.concat([Buffer.of((b[0] ?? 0) | 0x80), b.subarray(1)]));
}, 7);

test(`fuzz StreamDescriber (strict): ${N} mutated media payloads`, () => {
  const prng = createPrng(8);
  const corpus = [
    { kind: 'video', payload: hex('17 00 00 00 00', avcRecord('320x240', 25, ['-preset', 'ultrafast'])) },
    { kind: 'video', payload: exVideo(1, 0, 'hvc1', hevcRecord('1920x1080')) },
    { kind: 'video', payload: exVideo(1, 0, 'av01', av1Record('640x360')) },
    { kind: 'video', payload: exVideo(1, 3, 'vp09', vp9Keyframe('352x288').subarray(0, 24)) },
    { kind: 'video', payload: multitrack(0x96, 1, 0, 'vp09', [{ trackId: 1, body: vp9Record('352x288') }]) },
    { kind: 'audio', payload: hex('af 00', aacConfig(48000, 2)) },
    { kind: 'audio', payload: exAudio(0, 'Opus', opusHead(1)) },
    { kind: 'audio', payload: exAudio(1, 'ac-3', rawAudio('ac3', 48000, 2).subarray(0, 12)) },
    { kind: 'audio', payload: hex('2f', rawAudio('mp3', 44100, 2).subarray(0, 6)) },
  ];
  let described = 0;
  for (let i = 0; i < N; i++) {
    const base = corpus[prng.int(corpus.length)]!;
    const describer = new StreamDescriber({ strict: true });
    try {
      describer.push({ kind: base.kind, payload: mutate(prng, base.payload) });
      if (describer.description.video?.width !== undefined || describer.description.audio?.sampleRate !== undefined) described++;
    } catch (err) {
      if (!(err instanceof RtmpError)) assert.fail(`describer: ${String(err)}`);
    }
  }
  assert.ok(described > 1000, `${described} inputs still described`);
});
