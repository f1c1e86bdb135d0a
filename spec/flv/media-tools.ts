/** ffmpeg/ffprobe helpers for the FLV and codec specs: media made at test time in a temp dir. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg quietly with deterministic single-threaded settings; returns stdout. */
export function ffmpeg(args: string[]): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** A few seconds of test pattern and tone. */
export function lavfiInputs(seconds: number, size = '320x240', rate = 25, sampleRate = 44100): string[] {
  return ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}:duration=${seconds}`];
}

export interface ProbedPacket {
  codec_type: string;
  stream_index: number;
  size: string;
  dts: number;
  pts: number;
  flags: string;
}

export function probePackets(file: string): ProbedPacket[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_packets', '-show_entries', 'packet=codec_type,stream_index,size,dts,pts,flags', '-of', 'json', file]);
  return (JSON.parse(out.toString()) as { packets: ProbedPacket[] }).packets;
}

/** ffmpeg's framemd5 of every stream copied: one hash per packet. */
export function frameMd5(file: string): string[] {
  return ffmpeg(['-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'])
    .toString()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The body of the first MP4 box of the given type (a byte search: good enough for test files). */
export function findBox(file: Buffer, type: string): Buffer {
  const at = file.indexOf(Buffer.from(type, 'latin1'));
  if (at < 4) throw new Error(`no ${type} box`);
  const size = file.readUInt32BE(at - 4);
  return file.subarray(at + 4, at - 4 + size);
}
