/**
 * Side by side with node-media-server 4.x (and nginx-rtmp on request), issue 10's goals: the same
 * workload against each server in turn, on loopback, rounds alternating the servers, medians reported.
 *
 *   npm run bench -- peers            (or: node --import tsx bench/peers.bench.ts)
 *
 * Default run (about 6-8 min on 2 shared cores):
 *   1. N=100 real `rtmpdump --live` players, one ffmpeg publisher pushing a 20 Mbps H.264 + AAC FLV
 *      (10 s, 26 MB) without -re, 5 runs per server: server CPU user/sys, peak RSS, players that got
 *      every packet in each run.
 *   2. N=1000 light players (bench/support/wire-rtmp.ts: the bench's own minimal RTMP player, not
 *      lib/), the same publisher with a 1-s file, 5 runs per server: server CPU.
 *
 * Knobs (environment):
 *   PEERS_SERVERS=rtmp-pipeline,node-media-server   also: rtmp-pipeline/64MiB (ours with a 64 MiB player
 *                                                   backlog), nginx-rtmp (1 worker, installed with apt)
 *   PEERS_REPEAT=5        runs per server in each phase (median CPU / RSS; delivery: every run listed)
 *   PEERS_WARMUP_ROUNDS=1 unmeasured rounds of every server before each phase's measured ones
 *   PEERS_N=100           players of phase 1 (a list: 20,100 runs each; 0 skips phase 1)
 *   PEERS_PLAYERS=rtmpdump  phase 1's players: rtmpdump | lean | client (our full Client) | both (lean, then rtmpdump)
 *   PEERS_SECONDS=10      phase 1's media length
 *   PEERS_LEAN_N=1000     players of phase 2 (lean); 0 skips phase 2
 *   PEERS_LEAN_SECONDS=1  phase 2's media length
 *   PEERS_PUBLISHER=ffmpeg  or `client`: our Client pushes the tags as fast as the server takes them
 *   PEERS_WARM=1          before each measured run, the fresh server streams the same file once to
 *                         10 lean players, unmeasured (peak RSS is reset after it): the servers' JIT
 *                         warm-up is then out of the figures (steady state; the goals are judged cold)
 *   PEERS_PROFILE=1       + a --cpu-prof of our server in one more phase-1 run
 *   PEERS_KEEP=1          keep the rtmpdump files
 *
 * Installs the peers if missing, outside the project (bench/support/peers.ts). The source FLVs are
 * made once by ffmpeg (testsrc2 1280x720, CBR 20M; cached in the temp folder). Players connect and
 * play before the publisher. Per server and run: wall time (publish start → last player done),
 * server CPU seconds (utime+stime from /proc over that span, nginx master + worker), peak RSS
 * (VmHWM), the CPU of its main thread (the event loop) apart from its other threads (for Node: V8's
 * optimizing compiler and GC helpers), its write system calls and their mean size, the most memory
 * the kernel's TCP sockets held (system-wide: the players' unread data included), bytes each player
 * received, and whether each player got every audio/video packet (count and size of each, in order,
 * against the source tags); for lean and client players also how far the most-behind player was
 * behind the median one in bytes read (for one that lost packets: when it first missed one), which
 * tells a lagger the server dropped from a player that read as fast as the others. Our server runs compiled with tsc (as in production), not under tsx
 * (BENCH_TSX=1 to change that).
 *
 * Goals (issue 10, the default config, players complete in every run): N=100 CPU ≤ 0.75×
 * node-media-server, peak RSS ≤ 0.6× node-media-server; N=1000 CPU below node-media-server.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client, FlvDemuxer, type DataEvent, type MediaEvent } from '../lib/index.js';
import { readFlvTags } from '../spec/helpers/flv-tags.js';
import { formatProfile, monotonicMicros, summarizeProfile, type ProfileWindow } from './support/cpu-profile.js';
import { ensureRtmpdump, rtmpdumpPlayer, type RtmpdumpPlayer } from './support/rtmpdump-player.js';
import { PEERS_DIR, nginxRtmp, nodeMediaServer, ours, oursLargeBacklog, type PeerKind, type RunningPeer } from './support/peers.js';
import { deadline, mapLimit, kib, mib, spawnTracked, table, tcpMemoryPages, tcpMemorySettled, tcpPressurePages } from './support/proc.js';
import { wirePlayer } from './support/wire-rtmp.js';

const COUNTS = (process.env.PEERS_N ?? '100').split(',').map(Number).filter((n) => n > 0); // PEERS_N=0: phase 2 only
const SERVERS = (process.env.PEERS_SERVERS ?? 'rtmp-pipeline,node-media-server').split(',');
const SECONDS = Number(process.env.PEERS_SECONDS ?? 10);
const LEAN_N = Number(process.env.PEERS_LEAN_N ?? 1000);
const LEAN_SECONDS = Number(process.env.PEERS_LEAN_SECONDS ?? 1);
/** Runs per server and N (median reported: single runs on a shared 2-core machine vary ±40 %). */
const REPEAT = Number(process.env.PEERS_REPEAT ?? 5);
const WARMUP_ROUNDS = Number(process.env.PEERS_WARMUP_ROUNDS ?? 1);
const PUBLISHER = process.env.PEERS_PUBLISHER === 'client' ? 'client' : 'ffmpeg';
const WARM = process.env.PEERS_WARM === '1';
const RUN_DEADLINE = 180_000;
/** After the publisher is done, a player that has received nothing for this long is finished. */
const QUIET_MS = 3000;
const STREAM = 'bench';
/**
 * Players: real rtmpdump processes, the light RTMP player (bench/support/wire-rtmp.ts: full chunk
 * parsing, the same for every server, a fraction of the CPU of a real one), or our full Client.
 */
type PlayerKind = 'lean' | 'client' | 'rtmpdump';
const PLAYER_KINDS: PlayerKind[] = ((): PlayerKind[] => {
  const asked = process.env.PEERS_PLAYERS ?? 'rtmpdump';
  if (asked === 'both') return ['lean', 'rtmpdump'];
  if (asked === 'lean' || asked === 'client' || asked === 'rtmpdump') return [asked];
  throw new Error(`PEERS_PLAYERS=${asked}: expected lean, rtmpdump, both or client`);
})();

type SourceEvent = MediaEvent | DataEvent;

/** Generates (once, cached) the ~20 Mbps FLV of `seconds`. */
function sourceFlv(seconds: number): string {
  const dir = join(PEERS_DIR, 'media');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `testsrc2-720p-20M-${seconds}s.flv`);
  if (existsSync(file)) return file;
  // Run directly (not through `npm run bench`, whose prebench step does this): install ffmpeg if missing.
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).error) {
    spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/ensure-tools.mjs', import.meta.url))], { stdio: 'inherit' });
  }
  console.log(`generating ${file} with ffmpeg ...`);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p',
    '-b:v', '20M', '-maxrate', '20M', '-bufsize', '20M', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', `${file}.part`];
  const r = spawnSync('ffmpeg', args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed to generate the source (${r.status ?? r.error})`);
  spawnSync('mv', [`${file}.part`, file]);
  return file;
}

/** Our Client's publisher (PEERS_PUBLISHER=client) sends the demuxed events. */
async function readEvents(file: string): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  const demuxer = createReadStream(file).pipe(new FlvDemuxer());
  for await (const e of demuxer as AsyncIterable<SourceEvent>) {
    if (e.kind === 'data') events.push(e);
    else events.push({ ...e, payload: Buffer.from(e.payload) });
  }
  return events;
}

interface Source {
  file: string;
  seconds: number;
  /** Payload sizes of the audio and video tags, in order. */
  audio: number[];
  video: number[];
  /** `video` without the AVC end-of-sequence tag, which rtmpdump 2.4 never writes to its file. */
  rtmpdumpVideo: number[];
  bytes: number;
  events?: SourceEvent[];
}

async function loadSource(seconds: number): Promise<Source> {
  const file = sourceFlv(seconds);
  const tags = readFlvTags(readFileSync(file));
  const audio = tags.filter((t) => t.type === 8).map((t) => t.data.length);
  const videoTags = tags.filter((t) => t.type === 9);
  // The AVC end-of-sequence tag (0x17 0x02): the publisher's last packet.
  const rtmpdumpVideo = videoTags.filter((t) => !((t.data[0]! & 0x0f) === 7 && t.data[1] === 2)).map((t) => t.data.length);
  const bytes = tags.filter((t) => t.type === 8 || t.type === 9).reduce((n, t) => n + t.data.length, 0);
  return { file, seconds, audio, video: videoTags.map((t) => t.data.length), rtmpdumpVideo, bytes, events: PUBLISHER === 'client' ? await readEvents(file) : undefined };
}

/** Publishes the source to the server: ffmpeg -c copy without -re (as fast as the server takes it), or our Client. */
async function publish(port: number, source: Source, clients: Client[], stream = STREAM): Promise<void> {
  const url = `rtmp://127.0.0.1:${port}/live`;
  if (PUBLISHER === 'client') {
    const publisher = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000, commandTimeout: 20_000 });
    clients.push(publisher);
    await publisher.connect(url);
    await publisher.publish(stream);
    for (const e of source.events!) await publisher.sendOnPublishStream(e);
    return;
  }
  const ffmpeg = spawnTracked('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', source.file, '-c', 'copy', '-f', 'flv', `${url}/${stream}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  ffmpeg.stderr!.setEncoding('utf8').on('data', (t: string) => (log = (log + t).slice(-500)));
  const [code] = (await new Promise((resolve) => ffmpeg.once('exit', (...a) => resolve(a)))) as [number | null, string | null];
  if (code !== 0) throw new Error(`ffmpeg publisher exited with ${code}: ${log.trim()}`);
}

interface PlayerRecord {
  audio: number[];
  video: number[];
  bytes: number;
  lastAt: number;
  ended: boolean;
  /** Most bytes this player was behind the median player during the run (lean and client players: their bytes are live). */
  behind: number;
  /** `behind` when the player first missed a packet (undefined: it has not), before running short of data inflates it. */
  behindAtLoss?: number;
  /** The next source packet of each kind this player expects. */
  next: { audio: number; video: number };
}

interface Check {
  complete: boolean;
  missing: number;
  extra: number;
}

/**
 * How far each player is behind the median one, in bytes read (kept: the most). The server's
 * overflow policy drops only a player that falls behind the others: this shows, from the players'
 * side, whether the ones that lost packets were the ones read slowest.
 */
function trackBehind(records: PlayerRecord[]): void {
  if (records.length < 2) return;
  const sorted = records.map((r) => r.bytes).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  for (const r of records) if (median - r.bytes > r.behind) r.behind = median - r.bytes;
}

/** Received sizes against the source's, in order: missing = source packets not matched, extra = received ones not in the source. */
function compare(source: number[], received: number[]): Check {
  let i = 0;
  let missing = 0;
  let extra = 0;
  for (const size of received) {
    let j = i;
    while (j < source.length && source[j] !== size) j++;
    if (j === source.length) {
      extra++;
      continue;
    }
    missing += j - i;
    i = j + 1;
  }
  missing += source.length - i;
  return { complete: missing === 0 && extra === 0, missing, extra };
}

interface Result {
  server: string;
  players: PlayerKind;
  n: number;
  wall: number;
  cpu: number;
  /** The user-space and kernel parts of `cpu`. */
  userCpu: number;
  sysCpu: number;
  /** The part of `cpu` on the main thread (the event loop); the rest ran on other threads (V8's compiler, GC helpers). */
  mainCpu: number;
  /** Write system calls of the server (`syscw`) and their mean size: how its socket writes were batched. */
  writeCalls: number;
  writeMean: number;
  /** Most memory the kernel's TCP sockets held during the run, pages (over tcp_mem's middle value: memory pressure). */
  tcpPeakPages: number;
  peakRss: number;
  /** RSS with the N players connected, before any media (the server's fixed cost). */
  readyRss: number;
  /** Ours: media messages the server dropped for players that fell behind, connections its memory budget closed. */
  losses?: { players: number; dropped: number; budgetClosed: number; pauses: number; pausedMs: number };
  /** The measured span on the monotonic clock (to cut a CPU profile to it). */
  window?: ProfileWindow;
  /**
   * Lean and client players: most bytes a complete player was behind the median player (what it
   * read, sampled every 20 ms), and an incomplete one when it first missed a packet.
   */
  behind?: { complete: number; incomplete: number; incompleteLeast: number };
  minBytes: number;
  avgBytes: number;
  completePlayers: number;
  missing: number;
  extra: number;
  note: string;
}

async function runOne(kind: PeerKind, n: number, src: Source, players: PlayerKind, cpuProfDir?: string): Promise<Result> {
  const source = { audio: src.audio, video: players === 'rtmpdump' ? src.rtmpdumpVideo : src.video };
  const server: RunningPeer = await kind.start({ cpuProfDir });
  if (WARM) await warmUp(server, src);
  const clients: Client[] = [];
  const sockets: Array<{ destroy(): void }> = [];
  const records: PlayerRecord[] = [];
  // rtmpdump players and their records, in step (their progress is polled from their files).
  const dumps: Array<{ player: RtmpdumpPlayer; rec: PlayerRecord }> = [];
  const dumpDir = players === 'rtmpdump' ? mkdtempSync(join(PEERS_DIR, 'rtmpdump-')) : undefined;
  try {
    const url = `rtmp://127.0.0.1:${server.port}/live`;
    await deadline(
      mapLimit(Array.from({ length: n }), players === 'rtmpdump' ? 10 : 25, async () => {
        const rec: PlayerRecord = { audio: [], video: [], bytes: 0, lastAt: 0, ended: false, behind: 0, next: { audio: 0, video: 0 } };
        const onMedia = (payload: Buffer, kind: 'audio' | 'video'): void => {
          (kind === 'audio' ? rec.audio : rec.video).push(payload.length);
          if (source[kind][rec.next[kind]] === payload.length) rec.next[kind]++;
          else rec.behindAtLoss ??= rec.behind;
          rec.bytes += payload.length;
          rec.lastAt = performance.now();
        };
        if (players === 'rtmpdump') {
          const player = await rtmpdumpPlayer(server.port, 'live', STREAM, join(dumpDir!, `player-${dumps.length}.flv`));
          dumps.push({ player, rec });
          records.push(rec);
          void player.closed.then(() => (rec.ended = true));
          return;
        }
        if (players === 'lean') {
          const player = await wirePlayer(server.port, 'live', STREAM, (type, payload) => onMedia(payload, type === 8 ? 'audio' : 'video'));
          sockets.push(player.socket);
          records.push(rec);
          void player.closed.then(() => (rec.ended = true));
          return;
        }
        const client = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000, commandTimeout: 20_000 });
        clients.push(client);
        await client.connect(url);
        await client.play(STREAM);
        records.push(rec);
        void (async () => {
          try {
            for (;;) {
              const e = await client.readEvent();
              if (!e) break;
              // Whatever message stream the server uses for media (nginx-rtmp and nms pick their own).
              if (e.kind === 'audio' || e.kind === 'video') onMedia(e.payload, e.kind);
            }
          } catch {
            // connection reset at the end
          }
          rec.ended = true;
        })();
      }),
      60_000,
      `connecting ${n} players to ${kind.name}`,
    );
    const before = server.sample();
    // The kernel's TCP memory during the run (loopback: the players' unread data included).
    let tcpPeak = tcpMemoryPages();
    const tcpWatch = setInterval(() => {
      tcpPeak = Math.max(tcpPeak, tcpMemoryPages());
      if (dumps.length === 0) trackBehind(records);
    }, 20);
    const from = monotonicMicros();
    const t0 = performance.now();
    await deadline(publish(server.port, src, clients), RUN_DEADLINE, `publishing to ${kind.name}`);
    const total = source.audio.length + source.video.length;
    const publishedAt = performance.now();
    // Done when every player has every packet, or has been quiet for QUIET_MS since the publish ended.
    await deadline(
      new Promise<void>((resolve) => {
        const check = (): void => {
          const now = performance.now();
          for (const { player, rec } of dumps) {
            const size = player.bytes();
            if (size !== rec.bytes) {
              rec.bytes = size;
              rec.lastAt = now;
            }
          }
          // An rtmpdump player's packet count is known only from its file, once it has stopped.
          const pending = records.some(
            (r) => !r.ended && (dumps.length > 0 || r.audio.length + r.video.length < total) && now - Math.max(r.lastAt, publishedAt) < QUIET_MS,
          );
          if (!pending) resolve();
          else setTimeout(check, 20);
        };
        check();
      }),
      RUN_DEADLINE,
      `${kind.name} fan-out to ${n}`,
    );
    const lastPacket = Math.max(publishedAt, ...records.map((r) => r.lastAt));
    const wall = (lastPacket - t0) / 1000;
    const after = server.sample();
    clearInterval(tcpWatch);
    const to = monotonicMicros();
    // Asked while the players are still connected (the counts live on their connections).
    const losses = await server.losses?.();
    // Stop the rtmpdump players (they flush and close their files) and read what each wrote.
    await Promise.all(
      dumps.map(async ({ player, rec }) => {
        const got = await player.finish();
        rec.audio = got.audio;
        rec.video = got.video;
        rec.bytes = got.bytes;
      }),
    );
    let completePlayers = 0;
    let missing = 0;
    let extra = 0;
    const behind = { complete: 0, incomplete: 0, incompleteLeast: Infinity };
    for (const r of records) {
      const a = compare(source.audio, r.audio);
      const v = compare(source.video, r.video);
      if (a.complete && v.complete) completePlayers++;
      if (a.complete && v.complete) behind.complete = Math.max(behind.complete, r.behind);
      else {
        behind.incomplete = Math.max(behind.incomplete, r.behindAtLoss ?? r.behind);
        behind.incompleteLeast = Math.min(behind.incompleteLeast, r.behindAtLoss ?? r.behind);
      }
      missing += a.missing + v.missing;
      extra += a.extra + v.extra;
    }
    const bytes = records.map((r) => r.bytes);
    return {
      server: kind.name,
      players,
      n,
      wall,
      cpu: after.cpuSeconds - before.cpuSeconds,
      userCpu: after.userSeconds - before.userSeconds,
      sysCpu: after.systemSeconds - before.systemSeconds,
      mainCpu: after.mainThreadSeconds - before.mainThreadSeconds,
      writeCalls: after.writeCalls - before.writeCalls,
      writeMean: (after.writtenBytes - before.writtenBytes) / Math.max(1, after.writeCalls - before.writeCalls),
      tcpPeakPages: tcpPeak,
      peakRss: after.peakRssBytes,
      readyRss: before.rssBytes,
      window: { from, to },
      losses,
      behind: dumps.length === 0 ? behind : undefined,
      minBytes: Math.min(...bytes),
      avgBytes: bytes.reduce((a, b) => a + b, 0) / Math.max(1, bytes.length),
      completePlayers,
      missing,
      extra,
      note: '',
    };
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    // Left running only when the run failed: kill them.
    for (const { player } of dumps) player.child.kill('SIGKILL');
    await Promise.all(dumps.map(({ player }) => player.closed));
    await server.stop();
    if (dumpDir && !process.env.PEERS_KEEP) rmSync(dumpDir, { recursive: true, force: true });
  }
}

/**
 * PEERS_WARM: the same file, once, to 10 lean players on another stream, before the measured players
 * connect; done when each has every packet (or nothing has come for a second after the publish).
 */
async function warmUp(server: RunningPeer, src: Source): Promise<void> {
  const total = src.audio.length + src.video.length;
  const counts: number[] = [];
  const sockets: Array<{ destroy(): void }> = [];
  let lastAt = performance.now();
  try {
    for (let i = 0; i < 10; i++) {
      const index = counts.push(0) - 1;
      const player = await wirePlayer(server.port, 'live', 'warm', () => {
        counts[index]!++;
        lastAt = performance.now();
      });
      sockets.push(player.socket);
    }
    await deadline(publish(server.port, src, [], 'warm'), RUN_DEADLINE, 'warm-up publish');
    const publishedAt = performance.now();
    await deadline(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (counts.every((c) => c >= total) || performance.now() - Math.max(lastAt, publishedAt) > 1000) resolve();
          else setTimeout(check, 20);
        };
        check();
      }),
      RUN_DEADLINE,
      'warm-up players',
    );
  } finally {
    for (const s of sockets) s.destroy();
  }
  server.resetPeakRss();
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1]!;
};

interface Summary extends Result {
  runs: number;
  /** Players with every packet, in each run ("100,100,65,..."). */
  completePerRun: string;
  /** Every run had every player complete. */
  allComplete: boolean;
}

/** Medians of wall, CPU (and its user and system parts, each on its own), RSS; the worst delivery of all runs. */
function summarize(runs: Result[]): Summary {
  const byCpu = [...runs].sort((a, b) => a.cpu - b.cpu);
  const mid = byCpu[(byCpu.length - 1) >> 1]!;
  const worst = [...runs].sort((a, b) => a.completePlayers - b.completePlayers)[0]!;
  return {
    ...mid,
    wall: median(runs.map((r) => r.wall)),
    userCpu: median(runs.map((r) => r.userCpu)),
    sysCpu: median(runs.map((r) => r.sysCpu)),
    mainCpu: median(runs.map((r) => r.mainCpu)),
    writeCalls: median(runs.map((r) => r.writeCalls)),
    writeMean: median(runs.map((r) => r.writeMean)),
    tcpPeakPages: Math.max(...runs.map((r) => r.tcpPeakPages)),
    peakRss: median(runs.map((r) => r.peakRss)),
    readyRss: median(runs.map((r) => r.readyRss)),
    completePlayers: worst.completePlayers,
    missing: worst.missing,
    extra: worst.extra,
    minBytes: worst.minBytes,
    runs: runs.length,
    completePerRun: runs.map((r) => r.completePlayers).join(','),
    allComplete: runs.every((r) => r.completePlayers === r.n),
  };
}

interface Phase {
  players: PlayerKind;
  n: number;
  source: Source;
}

async function main(): Promise<void> {
  const kinds = [ours, oursLargeBacklog, nodeMediaServer, nginxRtmp].filter((k) => SERVERS.includes(k.name));
  const available: PeerKind[] = [];
  for (const k of kinds) {
    const why = k.ensure();
    if (why) console.log(`!! ${k.name} is not available and is left out: ${why}`);
    else available.push(k);
  }
  const primary = await loadSource(SECONDS);
  const phases: Phase[] = [];
  for (const players of PLAYER_KINDS) for (const n of COUNTS) phases.push({ players, n, source: primary });
  if (LEAN_N > 0) phases.push({ players: 'lean', n: LEAN_N, source: await loadSource(LEAN_SECONDS) });
  for (const src of new Set(phases.map((p) => p.source))) {
    console.log(
      `source: ${src.file}: ${src.video.length} video + ${src.audio.length} audio packets, ${mib(src.bytes)} MiB (${((src.bytes * 8) / src.seconds / 1e6).toFixed(1)} Mbps over ${src.seconds} s)`,
    );
  }
  console.log(`publisher: ${PUBLISHER === 'ffmpeg' ? 'ffmpeg -c copy, no -re' : 'our Client, as fast as the server takes it'}; ${REPEAT} runs per server and phase after ${WARMUP_ROUNDS} warm-up round(s), servers alternating and taking turns to open a round; node ${process.version}`);
  console.log(WARM ? 'servers warm: each streamed the file once to 10 lean players before the measured run (PEERS_WARM=1)' : 'servers cold: a fresh server per run, JIT warm-up included');
  // The floor under any Node server's RSS, for reading the RSS goal.
  const bare = spawnSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss), 300)'], { encoding: 'utf8' });
  console.log(`a bare Node process (node -e, idle): RSS ${mib(Number(bare.stdout))} MiB`);
  const results: Summary[] = [];
  if (phases.some((p) => p.players === 'rtmpdump')) ensureRtmpdump();
  const tcpIdlePages = tcpMemoryPages();
  const tcpPressure = tcpPressurePages();
  console.log(`kernel TCP memory: ${mib(tcpIdlePages * 4096)} MiB before the runs; pressure from ${mib(tcpPressure * 4096)} MiB (net.ipv4.tcp_mem)`);
  for (const phase of phases) {
    const { n, players } = phase;
    // Rounds alternate the servers (a slow spell of the machine hits all of them), in turn first and
    // last (the machine drifts within a phase: whoever always ran first would take more of it);
    // medians reported. Each run starts once the kernel has freed the TCP memory of the one before.
    // A machine warm-up round comes first (PEERS_WARMUP_ROUNDS): the first runs of a phase cost
    // every server more kernel time (measured up to 2x) and would count against the one that opens.
    const runs = new Map<string, Result[]>(available.map((k) => [k.name, []]));
    for (let round = -WARMUP_ROUNDS; round < REPEAT; round++) {
      for (const k of round % 2 === 0 ? available : [...available].reverse()) {
        try {
          await tcpMemorySettled(tcpIdlePages + 2560);
          const r = await runOne(k, n, phase.source, players);
          if (round < 0) {
            console.log(`  (warm-up round, not counted) ${k.name} N=${n} ${players}: CPU ${r.cpu.toFixed(2)} s (sys ${r.sysCpu.toFixed(2)})`);
            continue;
          }
          runs.get(k.name)!.push(r);
          console.log(
            `  ${k.name} N=${n} ${players}: ${r.wall.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s (user ${r.userCpu.toFixed(2)}, sys ${r.sysCpu.toFixed(2)}; event loop ${r.mainCpu.toFixed(2)}, other threads ${(r.cpu - r.mainCpu).toFixed(2)}), ${r.writeCalls} writes of ${kib(r.writeMean)} KiB, kernel TCP memory peak ${mib(r.tcpPeakPages * 4096)} MiB${r.tcpPeakPages > tcpPressure ? ' (under pressure)' : ''}, peak RSS ${mib(r.peakRss)} MiB, ${r.completePlayers}/${n} players complete` +
              (r.losses ? ` (server: ${r.losses.players} players attached, ${r.losses.dropped} media messages dropped for players behind the others, ${r.losses.budgetClosed} connections closed by the memory budget, publisher held ${r.losses.pauses} times for ${r.losses.pausedMs.toFixed(0)} ms)` : '') +
              (r.behind ? `; most behind the median player: ${mib(r.behind.complete)} MiB (complete players), ${r.completePlayers < n ? `${mib(r.behind.incompleteLeast)}–${mib(r.behind.incomplete)} MiB (incomplete ones, at their first loss)` : 'none incomplete'}` : ''),
          );
        } catch (err) {
          console.log(`  ${k.name} N=${n} ${players}: FAILED: ${(err as Error).message}`);
        }
      }
    }
    for (const k of available) {
      const done = runs.get(k.name)!;
      if (done.length === 0) {
        results.push({ server: k.name, players, n, wall: NaN, cpu: NaN, userCpu: NaN, sysCpu: NaN, mainCpu: NaN, writeCalls: NaN, writeMean: NaN, tcpPeakPages: NaN, peakRss: NaN, readyRss: NaN, minBytes: NaN, avgBytes: NaN, completePlayers: 0, missing: NaN, extra: NaN, note: 'failed', runs: 0, completePerRun: '-', allComplete: false });
        continue;
      }
      results.push(summarize(done));
    }
  }
  console.log();
  console.log(
    table(
      ['server', 'players', 'N', 'runs', 'wall s', 'server CPU s', 'user s', 'sys s', 'event loop s', 'other threads s', 'write calls', 'KiB per write', 'kernel TCP MiB, most', 'RSS before media MiB', 'peak RSS MiB', 'players complete, each run', 'worst run missing/extra packets'],
      results.map((r) => [
        r.server,
        r.players,
        r.n,
        r.runs,
        r.wall.toFixed(2),
        r.cpu.toFixed(2),
        r.userCpu.toFixed(2),
        r.sysCpu.toFixed(2),
        r.mainCpu.toFixed(2),
        (r.cpu - r.mainCpu).toFixed(2),
        r.writeCalls,
        kib(r.writeMean),
        mib(r.tcpPeakPages * 4096),
        mib(r.readyRss),
        mib(r.peakRss),
        r.completePerRun,
        r.note || `${r.missing}/${r.extra}`,
      ]),
    ),
  );

  // Ratios to node-media-server in each phase, and the goals.
  const verdict = (ok: boolean): string => (ok ? 'OK' : 'NOT MET');
  console.log();
  for (const phase of phases) {
    const at = (name: string): Summary | undefined => results.find((r) => r.server === name && r.n === phase.n && r.players === phase.players && !r.note);
    const nms = at('node-media-server');
    if (!nms) continue;
    for (const mine of [at('rtmp-pipeline'), at('rtmp-pipeline/64MiB')]) {
      if (!mine) continue;
      const x = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
      console.log(
        `${mine.server} / node-media-server, N=${phase.n} ${phase.players}: CPU ${x(mine.cpu, nms.cpu)} (user ${x(mine.userCpu, nms.userCpu)}, sys ${x(mine.sysCpu, nms.sysCpu)}), peak RSS ${x(mine.peakRss, nms.peakRss)}, wall ${x(mine.wall, nms.wall)}`,
      );
      if (mine.server !== 'rtmp-pipeline') continue;
      if (phase.n === 100) {
        console.log(`  goal N=100: CPU ≤ 0.75× node-media-server: ${x(mine.cpu, nms.cpu)} — ${verdict(mine.cpu <= 0.75 * nms.cpu)}`);
        console.log(`  goal N=100: peak RSS ≤ 0.6× node-media-server: ${x(mine.peakRss, nms.peakRss)} — ${verdict(mine.peakRss <= 0.6 * nms.peakRss)}`);
        console.log(`  goal N=100: every player of every run complete: ${mine.completePerRun} — ${verdict(mine.allComplete)} (node-media-server: ${nms.completePerRun})`);
      }
      if (phase.n >= 1000) console.log(`  goal N=${phase.n}: CPU below node-media-server: ${x(mine.cpu, nms.cpu)} — ${verdict(mine.cpu < nms.cpu)}`);
    }
  }

  if (process.env.PEERS_PROFILE) {
    const dir = mkdtempSync(join(tmpdir(), 'peers-prof-'));
    try {
      const phase = phases[0]!;
      const measured = await runOne(ours, phase.n, phase.source, phase.players, dir);
      const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!prof) throw new Error('no .cpuprofile written');
      console.log();
      console.log(`our server, CPU profile at N=${phase.n} ${phase.players} (self time, publishing phase only):`);
      console.log(formatProfile(summarizeProfile(join(dir, prof), 25, measured.window), 25));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
