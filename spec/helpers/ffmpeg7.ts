/**
 * ffmpeg 7 for the Enhanced RTMP interop tests (HEVC and AV1 in FLV/RTMP; Debian's ffmpeg 5.1 has
 * neither). The static build inside the Python wheel imageio-ffmpeg 0.6.0 (ffmpeg 7.0.2 with
 * libx265, libaom-av1, libopus), fetched with pip into a temp folder outside the project and kept
 * there: `pip download imageio-ffmpeg==0.6.0 --no-deps`, unzipped. It has no ffprobe: compare with
 * its `-f framemd5`. Idempotent; what cannot be installed is returned as a reason, not thrown.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FFMPEG7_DIR = join(tmpdir(), 'rtmp-pipeline-peers', 'ffmpeg7');
export const FFMPEG7 = join(FFMPEG7_DIR, 'imageio_ffmpeg', 'binaries', 'ffmpeg-linux-x86_64-v7.0.2');
const WHEEL = 'imageio-ffmpeg==0.6.0';

function sh(command: string, args: string[], timeoutMs: number): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/** Installs ffmpeg 7 if missing; returns why it is unavailable, or undefined when ready. */
export function ensureFfmpeg7(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the ffmpeg 7 wheel is for linux x86_64, not ${process.platform} ${process.arch}`;
  if (existsSync(FFMPEG7) && sh(FFMPEG7, ['-hide_banner', '-version'], 30_000).ok) return undefined;
  mkdirSync(FFMPEG7_DIR, { recursive: true });
  const hasPip = (p: string): boolean => sh(p, ['-m', 'pip', '--version'], 30_000).ok;
  let python = ['python3', 'python'].find(hasPip);
  if (!python && process.getuid?.() === 0 && sh('sh', ['-c', 'command -v apt-get'], 10_000).ok) {
    console.log('installing python3-pip (apt-get) to fetch ffmpeg 7 ...');
    sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'python3-pip'], 600_000);
    python = ['python3'].find(hasPip);
  }
  if (!python) return 'python3 with pip is missing (apt-get install python3-pip)';
  console.log(`installing ffmpeg 7 (pip download ${WHEEL}) into ${FFMPEG7_DIR} ...`);
  const download = sh(python, ['-m', 'pip', 'download', WHEEL, '--no-deps', '--only-binary=:all:', '--platform', 'manylinux2014_x86_64', '-d', FFMPEG7_DIR], 600_000);
  const wheel = readdirSync(FFMPEG7_DIR).find((f) => f.startsWith('imageio_ffmpeg-0.6.0') && f.endsWith('.whl'));
  if (!wheel) return `pip download ${WHEEL} failed: ${download.output.split('\n').slice(-3).join(' ')}`;
  const unzip = sh(python, ['-m', 'zipfile', '-e', join(FFMPEG7_DIR, wheel), FFMPEG7_DIR], 300_000);
  if (!unzip.ok || !existsSync(FFMPEG7)) return `unzipping ${wheel} failed: ${unzip.output.split('\n').slice(-3).join(' ')}`;
  chmodSync(FFMPEG7, 0o755);
  const version = sh(FFMPEG7, ['-hide_banner', '-version'], 30_000);
  if (!version.ok || !/ffmpeg version 7\./.test(version.output)) return `${FFMPEG7} does not run: ${version.output.split('\n')[0]}`;
  return undefined;
}
