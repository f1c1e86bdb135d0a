/**
 * Real codec configurations made by ffmpeg 5.1 at test time (in a temp dir removed at exit):
 * AVC and AAC from FLV, HEVC/AV1/VP9 from MP4 boxes (hvcC, av1C, vpcC), Opus from Ogg (OpusHead)
 * and MP4 (dOps), FLAC/AC-3/E-AC-3/MP3 from raw streams. Each is made once per process.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import type { MediaEvent } from '../../lib/command/events.js';
import { ffmpeg, findBox, tempDir } from '../flv/media-tools.js';

const tmp = tempDir('codec-fixtures-');
process.on('exit', () => tmp.remove());

const cache = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

const video = (size: string, rate: number, frames: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`, '-frames:v', String(frames)];
const audio = (rate: number, channels: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}:duration=0.2`, '-ac', String(channels)];

/** Payloads of an FLV file's tags, demuxed synchronously enough for tests. */
function flvPayloads(file: string): MediaEvent[] {
  const demuxer = new FlvDemuxer();
  const out: MediaEvent[] = [];
  demuxer.on('data', (e: MediaEvent) => out.push(e));
  demuxer.write(readFileSync(file));
  return out;
}

/** The AVCDecoderConfigurationRecord libx264 writes for a given size/rate/profile. */
export function avcRecord(size: string, rate: number, extra: string[] = []): Buffer {
  return once(`avc ${size} ${rate} ${extra.join(' ')}`, () => {
    const file = tmp.path(`avc-${size}-${rate}-${extra.join('')}.flv`);
    ffmpeg([...video(size, rate, 1), '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', ...extra, '-f', 'flv', file]);
    const header = flvPayloads(file).find((e) => e.kind === 'video' && e.payload[1] === 0)!;
    return header.payload.subarray(5);
  });
}

/** ffprobe's description of the stream `avcRecord` made with the same arguments. */
export function avcProbe(size: string, rate: number, extra: string[] = []): Record<string, unknown> {
  avcRecord(size, rate, extra);
  const file = tmp.path(`avc-${size}-${rate}-${extra.join('')}.flv`);
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(out.toString()) as { streams: Array<Record<string, unknown>> }).streams[0]!;
}

/** The AudioSpecificConfig ffmpeg's aac encoder writes. */
export function aacConfig(rate: number, channels: number): Buffer {
  return once(`aac ${rate} ${channels}`, () => {
    const file = tmp.path(`aac-${rate}-${channels}.flv`);
    ffmpeg([...audio(rate, channels), '-c:a', 'aac', '-f', 'flv', file]);
    const header = flvPayloads(file).find((e) => e.kind === 'audio' && e.payload[1] === 0)!;
    return header.payload.subarray(2);
  });
}

function mp4Box(name: string, args: string[], box: string): Buffer {
  return once(name, () => {
    const file = tmp.path(`${name}.mp4`);
    ffmpeg([...args, '-f', 'mp4', file]);
    return Buffer.from(findBox(readFileSync(file), box));
  });
}

export const hevcRecord = (size: string, extra: string[] = []) =>
  mp4Box(`hevc-${size}${extra.join('')}`, [...video(size, 25, 1), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=none', ...extra], 'hvcC');
export const av1Record = (size: string) =>
  mp4Box(`av1-${size}`, [...video(size, 30, 1), '-c:v', 'libaom-av1', '-cpu-used', '8', '-threads', '1'], 'av1C');
/** vpcC is a FullBox: version 1, flags 0, then the record. */
export const vp9Record = (size: string, extra: string[] = []) =>
  mp4Box(`vp9-${size}${extra.join('')}`, [...video(size, 25, 1), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', ...extra], 'vpcC');
/** dOps: the ISOBMFF Opus box (big-endian, no magic). */
export const opusDops = (channels: number) => mp4Box(`opus-${channels}`, [...audio(48000, channels), '-c:a', 'libopus'], 'dOps');

/** ffprobe's description of the first stream of an MP4 fixture made by `mp4Box` (same name). */
export function probeMp4(name: string): Record<string, unknown> {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', tmp.path(`${name}.mp4`)]);
  return (JSON.parse(out.toString()) as { streams: Array<Record<string, unknown>> }).streams[0]!;
}

/** The first VP9 frame (a keyframe) from an IVF file: 32-byte file header, 12-byte frame header. */
export function vp9Keyframe(size: string): Buffer {
  return once(`vp9 frame ${size}`, () => {
    const file = tmp.path(`vp9-${size}.ivf`);
    ffmpeg([...video(size, 25, 2), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-f', 'ivf', file]);
    const ivf = readFileSync(file);
    const length = ivf.readUInt32LE(32);
    return ivf.subarray(44, 44 + length);
  });
}

/** OpusHead from an Ogg Opus file (19 bytes for mapping family 0, more with a mapping table). */
export function opusHead(channels: number): Buffer {
  return once(`opushead ${channels}`, () => {
    const file = tmp.path(`opus-${channels}.ogg`);
    ffmpeg([...audio(48000, channels), '-c:a', 'libopus', '-f', 'ogg', file]);
    const ogg = readFileSync(file);
    const at = ogg.indexOf('OpusHead');
    const family = ogg[at + 18]!;
    return Buffer.from(ogg.subarray(at, at + 19 + (family === 0 ? 0 : 2 + channels)));
  });
}

/** A raw stream's first bytes: FLAC ("fLaC" + STREAMINFO block), AC-3 / E-AC-3 / MP3 frames. */
export function rawAudio(codec: 'flac' | 'ac3' | 'eac3' | 'mp3', rate: number, channels: number): Buffer {
  return once(`${codec} ${rate} ${channels}`, () => {
    const file = tmp.path(`${codec}-${rate}-${channels}.${codec}`);
    const args = codec === 'mp3' ? ['-c:a', 'libmp3lame', '-write_xing', '0', '-id3v2_version', '0'] : ['-c:a', codec];
    ffmpeg([...audio(rate, channels), ...args, '-f', codec, file]);
    return readFileSync(file);
  });
}

/** ffprobe's view of a stream (an independent oracle for sizes, profiles and rates). */
export function probeStream(args: string[]): Record<string, unknown> {
  const file = tmp.path(`probe-${cache.size}.mkv`);
  ffmpeg([...args, '-f', 'matroska', file]);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(out.toString()) as { streams: Array<Record<string, unknown>> }).streams[0]!;
}
