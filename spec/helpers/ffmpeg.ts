/**
 * Test support for running the real ffmpeg/ffprobe next to our code: spawn with tracked cleanup,
 * wait for exits (never sleep), and compare media packet by packet (ffprobe -show_packets for
 * count, sizes, timestamps and flags; framemd5 for a payload hash per packet).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunningProcess {
  readonly proc: ChildProcess;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProcessResult>;
  /** stderr so far (ffmpeg logs there). */
  stderr(): string;
  /** Stops the process (SIGKILL by default) and waits for its exit. */
  kill(signal?: NodeJS.Signals): Promise<ProcessResult>;
}

const running = new Set<RunningProcess>();

/** Starts `command`, collecting stdout and stderr. Every process is tracked until it exits. */
export function start(command: string, args: string[], options: { stdin?: 'ignore' | 'pipe' } = {}): RunningProcess {
  const proc = spawn(command, args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  proc.stdout!.on('data', (b: Buffer) => out.push(b));
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    err += s;
    if (err.length > 1_000_000) err = err.slice(-500_000);
  });
  const exited = new Promise<ProcessResult>((resolve) => {
    let spawnError: Error | undefined;
    proc.once('error', (e) => {
      spawnError = e;
    });
    proc.once('close', (code, signal) => {
      running.delete(handle);
      resolve({ code: spawnError ? -1 : code, signal, stdout: Buffer.concat(out), stderr: err + (spawnError ? String(spawnError) : '') });
    });
  });
  const handle: RunningProcess = {
    proc,
    exited,
    stderr: () => err,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Runs to completion; rejects with stderr when the exit code is not 0. */
export async function run(command: string, args: string[]): Promise<ProcessResult> {
  const result = await start(command, args).exited;
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code ?? result.signal}:\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

/** Processes started through this module that have not exited yet. */
export function runningProcesses(): number {
  return running.size;
}

/** Kills every tracked process still running (an after() safety net; tests should not need it). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

export function ffmpeg(args: string[]): RunningProcess {
  return start('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args]);
}

/** Options that let an ffmpeg reader of an RTMP URL probe short clips. */
export const RTMP_INPUT_PROBE = ['-analyzeduration', '2000000', '-probesize', '5000000'];

export interface Packet {
  codecType: 'audio' | 'video' | string;
  streamIndex: number;
  pts: number | null;
  dts: number | null;
  duration: number | null;
  size: number;
  keyframe: boolean;
}

/** Every packet of a media file, per ffprobe -show_packets. */
export async function probePackets(file: string): Promise<Packet[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_packets', '-show_entries', 'packet=codec_type,stream_index,pts,dts,duration,size,flags', '-of', 'json', file]);
  const json = JSON.parse(stdout.toString('utf8')) as { packets?: Array<Record<string, string | number>> };
  return (json.packets ?? []).map((p) => ({
    codecType: String(p.codec_type),
    streamIndex: Number(p.stream_index),
    pts: p.pts === undefined ? null : Number(p.pts),
    dts: p.dts === undefined ? null : Number(p.dts),
    duration: p.duration === undefined ? null : Number(p.duration),
    size: Number(p.size),
    keyframe: String(p.flags ?? '').includes('K'),
  }));
}

/** Packets of one kind, in order, as `{dts, pts, size, keyframe}` (what must survive a relay intact). */
export function packetSummary(packets: Packet[], codecType: 'audio' | 'video'): Array<{ dts: number | null; pts: number | null; size: number; keyframe: boolean }> {
  return packets.filter((p) => p.codecType === codecType).map(({ dts, pts, size, keyframe }) => ({ dts, pts, size, keyframe }));
}

/**
 * Per-packet payload hashes, `-c copy -f framemd5`, grouped by media type (the stream index and
 * timestamps columns are left out: they may legitimately differ by stream order). Each entry is
 * `size,md5`.
 */
export async function framemd5(file: string): Promise<{ audio: string[]; video: string[] }> {
  const streams = await probeStreams(file);
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-']);
  const result = { audio: [] as string[], video: [] as string[] };
  for (const line of stdout.toString('utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cols = line.split(',').map((c) => c.trim());
    const type = streams[Number(cols[0])]?.codecType;
    if (type === 'audio' || type === 'video') result[type].push(`${cols[4]},${cols[5]}`);
  }
  return result;
}

export interface StreamInfo {
  codecType: string;
  codecName: string;
  width?: number;
  height?: number;
  sampleRate?: number;
}

export async function probeStreams(file: string): Promise<StreamInfo[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  const json = JSON.parse(stdout.toString('utf8')) as { streams?: Array<Record<string, string | number>> };
  return (json.streams ?? []).map((s) => ({
    codecType: String(s.codec_type),
    codecName: String(s.codec_name),
    ...(s.width !== undefined ? { width: Number(s.width) } : {}),
    ...(s.height !== undefined ? { height: Number(s.height) } : {}),
    ...(s.sample_rate !== undefined ? { sampleRate: Number(s.sample_rate) } : {}),
  }));
}

/** Decodes every frame; returns the error lines ffmpeg printed (empty = clean decode). */
export async function decodeErrors(file: string): Promise<string[]> {
  const result = await start('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']).exited;
  const lines = result.stderr.split('\n').filter((l) => l.trim().length > 0);
  if (result.code !== 0) lines.push(`ffmpeg exited with ${result.code}`);
  return lines;
}

/**
 * Asserts that `got` holds the same media as `want`, packet by packet: ffprobe's list per stream
 * (count, sizes, timestamps, flags) and a framemd5 hash per packet.
 */
export async function assertSamePackets(got: string, want: string): Promise<void> {
  const [wantPackets, gotPackets] = await Promise.all([probePackets(want), probePackets(got)]);
  assert.ok(wantPackets.length > 100, `source has ${wantPackets.length} packets`);
  assert.deepEqual(packetSummary(gotPackets, 'video'), packetSummary(wantPackets, 'video'));
  assert.deepEqual(packetSummary(gotPackets, 'audio'), packetSummary(wantPackets, 'audio'));
  const [wantHash, gotHash] = await Promise.all([framemd5(want), framemd5(got)]);
  assert.deepEqual(gotHash, wantHash);
}

/** TCP handles (sockets and listeners) the process holds right now: for leak checks (7h). */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
}
