/**
 * Deterministic test media made by ffmpeg at test time (nothing binary is committed): testsrc2
 * video and a sine tone, single-threaded libx264 and bitexact muxing, so the same options give the
 * same bytes on every run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { killAll, run, tcpHandles } from './ffmpeg.js';

export interface TestMediaOptions {
  seconds?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** x264 constant quantizer (0 = lossless, large frames: for backlog tests). Default: x264's default CRF. */
  qp?: number;
  audio?: boolean;
  video?: boolean;
  /** Add temporal noise to the picture (with qp 0: large, incompressible frames). */
  noise?: boolean;
}

/** Writes an H.264 + AAC FLV into `dir`; returns its path. */
export async function generateFlv(dir: string, name: string, options: TestMediaOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 3;
  const width = options.width ?? 160;
  const height = options.height ?? 120;
  const fps = options.fps ?? 25;
  const gop = options.gop ?? 25;
  const file = join(dir, name);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  const video = options.video ?? true;
  const audio = options.audio ?? true;
  if (video) args.push('-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}${options.noise ? ',noise=alls=60:allf=t' : ''}`);
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`);
  if (video) {
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-g', String(gop), '-pix_fmt', 'yuv420p');
    if (options.qp !== undefined) args.push('-qp', String(options.qp));
  }
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push('-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact', '-f', 'flv', file);
  await run('ffmpeg', args);
  return file;
}

/** A fresh temp directory and its remover. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `rtmp-pipeline-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The interop suites' fixture: inside a `describe`, registers before/after hooks that make a temp
 * folder with a generated 3 s H.264+AAC source FLV (keyframe every 25 frames), note the TCP handle
 * count for the 7h leak check, and afterwards kill every tracked process and remove the folder.
 * Read the fields inside tests (they are set by the `before` hook).
 */
export function interopMedia(prefix: string): { dir: string; source: string; baselineHandles: number } {
  const fixture = { dir: '', source: '', baselineHandles: 0 };
  let remove: () => Promise<void> = async () => {};
  before(async () => {
    fixture.baselineHandles = tcpHandles();
    ({ dir: fixture.dir, remove } = await tempDir(prefix));
    fixture.source = await generateFlv(fixture.dir, 'source.flv', { seconds: 3, gop: 25 });
  });
  after(async () => {
    await killAll();
    await remove();
  });
  return fixture;
}
