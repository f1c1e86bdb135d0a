/** Opus, FLAC, AC-3/E-AC-3 and MP3 headers: real ones from ffmpeg, hand-built ones for the edges. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { parseAc3Frame } from '../../lib/codec/ac3.js';
import { parseFlacStreamInfo } from '../../lib/codec/flac.js';
import { parseMp3Frame } from '../../lib/codec/mp3.js';
import { parseOpusHead } from '../../lib/codec/opus.js';
import { hex } from '../amf/hex.js';
import { opusDops, opusHead, rawAudio } from './fixtures.js';

test('Opus: OpusHead from Ogg (little-endian) and dOps from MP4 (big-endian) agree', () => {
  for (const channels of [1, 2]) {
    const head = parseOpusHead(opusHead(channels));
    const dops = parseOpusHead(opusDops(channels));
    assert.equal(head.channels, channels);
    assert.equal(head.sampleRate, 48000);
    assert.equal(head.inputSampleRate, 48000);
    assert.equal(head.preSkip, 312);
    assert.deepEqual({ ...dops, version: head.version }, head);
  }
});

test('Opus hand-built header and errors', () => {
  // "OpusHead", version 1, 6 channels, pre-skip 0x0138 LE, rate 44100 LE, gain -1 LE, family 1
  const c = parseOpusHead(hex(Buffer.from('OpusHead'), '01 06 38 01 44 ac 00 00 ff ff 01'));
  assert.deepEqual(c, { version: 1, channels: 6, preSkip: 312, inputSampleRate: 44100, sampleRate: 48000, outputGain: -1, channelMappingFamily: 1 });
  assert.throws(() => parseOpusHead(hex(Buffer.from('OpusHead'), '01 02')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseOpusHead(hex(Buffer.from('OpusHead'), '10 02 00 00 00 00 00 00 00 00 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseOpusHead(hex(Buffer.from('OpusHead'), '01 00 00 00 00 00 00 00 00 00 00')), { code: ErrorCode.CODEC_INVALID });
});

test('FLAC STREAMINFO from an ffmpeg .flac file, with and without the marker and block header', () => {
  const file = rawAudio('flac', 44100, 2);
  const info = parseFlacStreamInfo(file);
  assert.deepEqual([info.sampleRate, info.channels, info.bitsPerSample], [44100, 2, 16]);
  assert.deepEqual(parseFlacStreamInfo(file.subarray(4)), info); // block header + STREAMINFO
  assert.deepEqual(parseFlacStreamInfo(file.subarray(8, 42)), info); // bare 34 bytes
  const mono = parseFlacStreamInfo(rawAudio('flac', 96000, 1));
  assert.deepEqual([mono.sampleRate, mono.channels], [96000, 1]);
});

test('FLAC errors', () => {
  assert.throws(() => parseFlacStreamInfo(hex('66 4c 61 43 04 00 00 22')), { code: ErrorCode.CODEC_INVALID }); // VORBIS_COMMENT first
  assert.throws(() => parseFlacStreamInfo(hex('00 00 00 10')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseFlacStreamInfo(hex('00 00 00 22 00')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseFlacStreamInfo(Buffer.alloc(34)), { code: ErrorCode.CODEC_INVALID }); // rate 0
});

test('AC-3 and E-AC-3 frames from ffmpeg', () => {
  assert.deepEqual(parseAc3Frame(rawAudio('ac3', 48000, 2)), { codec: 'ac3', bsid: 8, sampleRate: 48000, channels: 2, lfe: false });
  assert.deepEqual(parseAc3Frame(rawAudio('ac3', 44100, 6)), { codec: 'ac3', bsid: 8, sampleRate: 44100, channels: 6, lfe: true });
  assert.deepEqual(parseAc3Frame(rawAudio('ac3', 32000, 1)), { codec: 'ac3', bsid: 8, sampleRate: 32000, channels: 1, lfe: false });
  assert.deepEqual(parseAc3Frame(rawAudio('eac3', 48000, 6)), { codec: 'eac3', bsid: 16, sampleRate: 48000, channels: 6, lfe: true });
  assert.deepEqual(parseAc3Frame(rawAudio('eac3', 32000, 2)), { codec: 'eac3', bsid: 16, sampleRate: 32000, channels: 2, lfe: false });
  // Hand-built E-AC-3 at a reduced rate: syncword, strmtyp 00, substreamid 000, frmsiz 0,
  // fscod 11 → fscod2 00 (24000), acmod 010, lfeon 0, bsid 10000 → 0b 77 00 00 c4 80
  assert.deepEqual(parseAc3Frame(hex('0b 77 00 00 c4 80')), { codec: 'eac3', bsid: 16, sampleRate: 24000, channels: 2, lfe: false });
});

test('AC-3 errors', () => {
  assert.throws(() => parseAc3Frame(hex('0b 78 00 00 00 40')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseAc3Frame(hex('0b 77 00')), { code: ErrorCode.CODEC_TRUNCATED });
  assert.throws(() => parseAc3Frame(hex('0b 77 00 00 c0 40 00')), { code: ErrorCode.CODEC_INVALID }); // fscod 3
  assert.throws(() => parseAc3Frame(hex('0b 77 00 00 00 a0 00')), { code: ErrorCode.CODEC_INVALID }); // bsid 20
  assert.throws(() => parseAc3Frame(hex('0b 77 00 00 f0 80 00')), { code: ErrorCode.CODEC_INVALID }); // eac3 fscod2 3
});

test('MP3 frames from libmp3lame and hand-built headers', () => {
  assert.deepEqual(parseMp3Frame(rawAudio('mp3', 44100, 2)), { mpegVersion: 1, layer: 3, sampleRate: 44100, channels: 2 });
  assert.deepEqual(parseMp3Frame(rawAudio('mp3', 22050, 1)), { mpegVersion: 2, layer: 3, sampleRate: 22050, channels: 1 });
  assert.deepEqual(parseMp3Frame(hex('ff e3 18 c0')), { mpegVersion: 2.5, layer: 3, sampleRate: 8000, channels: 1 });
  assert.throws(() => parseMp3Frame(hex('ff 00 00 00')), { code: ErrorCode.CODEC_INVALID });
  assert.throws(() => parseMp3Frame(hex('ff eb 00 00')), { code: ErrorCode.CODEC_INVALID }); // reserved version
  assert.throws(() => parseMp3Frame(hex('ff fb 0c 00')), { code: ErrorCode.CODEC_INVALID }); // reserved rate
  assert.throws(() => parseMp3Frame(hex('ff fb')), { code: ErrorCode.CODEC_TRUNCATED });
});
