/**
 * A real player for bench/peers.bench.ts: `rtmpdump --live` writing the stream to an FLV file.
 * rtmpdump reads as fast as the kernel lets it, so it measures the server, not the player. The
 * file is parsed once the player has stopped (audio and video payload sizes, in order) to check
 * that it got every packet; while it runs, its progress is the file's size.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFlvTags } from '../../spec/helpers/flv-tags.js';
import { spawnTracked, stopChild } from './proc.js';

/** Installs rtmpdump (apt, through scripts/ensure-tools.mjs, as for ffmpeg) if it is missing. */
export function ensureRtmpdump(): void {
  if (!spawnSync('rtmpdump', ['-h'], { stdio: 'ignore' }).error) return;
  spawnSync(process.execPath, [fileURLToPath(new URL('../../scripts/ensure-tools.mjs', import.meta.url))], { stdio: 'inherit' });
  if (spawnSync('rtmpdump', ['-h'], { stdio: 'ignore' }).error) throw new Error('rtmpdump is missing and could not be installed (apt-get install rtmpdump)');
}

export interface RtmpdumpPlayer {
  child: ChildProcess;
  /** Resolves when rtmpdump has exited (by itself at the stream's end, or stopped). */
  closed: Promise<void>;
  /** Bytes written to its FLV file so far (rtmpdump's stdio buffer not included). */
  bytes(): number;
  /** Stops it (SIGINT: rtmpdump flushes and closes its file) and returns the packet sizes it wrote. */
  finish(): Promise<{ audio: number[]; video: number[]; bytes: number }>;
}

/**
 * Starts `rtmpdump --live` on rtmp://127.0.0.1:port/app/stream into `file`; resolves once it plays
 * (rtmpdump logs "Starting Live Stream" after NetStream.Play.Start or Play.PublishNotify).
 */
export async function rtmpdumpPlayer(port: number, app: string, stream: string, file: string, timeoutMs = 20_000): Promise<RtmpdumpPlayer> {
  const child = spawnTracked('rtmpdump', ['--live', '-r', `rtmp://127.0.0.1:${port}/${app}/${stream}`, '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const closed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`rtmpdump did not start playing within ${timeoutMs} ms: ${log.slice(-300)}`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stderr!.setEncoding('latin1');
    const onData = (text: string): void => {
      if (log.length < 4096) log += text;
      if (log.includes('Starting Live Stream')) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        // Keep draining its stderr (a full pipe would stall it).
        child.stderr!.resume();
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`rtmpdump exited (${code ?? signal}) before playing: ${log.slice(-300)}`)));
  });
  const bytes = (): number => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return {
    child,
    closed,
    bytes,
    async finish() {
      await stopChild(child, 'SIGINT');
      const audio: number[] = [];
      const video: number[] = [];
      let total = 0;
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch {
        return { audio, video, bytes: 0 };
      }
      if (data.length < 13) return { audio, video, bytes: 0 };
      for (const tag of readFlvTags(data)) {
        if (tag.type === 8) audio.push(tag.data.length);
        else if (tag.type === 9) video.push(tag.data.length);
        else continue;
        total += tag.data.length;
      }
      return { audio, video, bytes: total };
    },
  };
}
