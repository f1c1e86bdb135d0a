/**
 * Side by side with node-media-server 4.x and nginx-rtmp (issue 5 item 1): the same workload
 * against each server in turn, on loopback.
 *
 *   node --import tsx bench/peers.bench.ts
 *   PEERS_N=100 PEERS_SERVERS=rtmp-pipeline,nginx-rtmp node --import tsx bench/peers.bench.ts
 *   PEERS_PROFILE=1 node --import tsx bench/peers.bench.ts     # + --cpu-prof of our server at N=100
 *   PEERS_REPEAT=5 ...                                          # runs per server and N (median; default 3)
 *
 * Installs the peers if missing, outside the project (bench/support/peers.ts). Workload: a ~20 Mbps
 * H.264 + AAC FLV made by ffmpeg (testsrc2 1280x720, CBR 20M, 10 s; cached in the temp folder),
 * N players (a light RTMP player that parses every chunk, bench/support/lean-player.ts; the same
 * code for every server) connected and playing before the
 * publisher (our Client) connects and pushes every tag as fast as backpressure allows. Per server
 * and N: wall time (publish start → last player done), server CPU seconds (utime+stime from /proc
 * over that span, nginx master + worker), peak RSS (VmHWM), bytes each player received, and
 * whether each player got every audio/video packet (count and size of each, in order, against the
 * source tags).
 *
 * Our server runs twice: with its default per-player backlog (4 MiB: a player that falls further
 * behind loses inter-frames until the next keyframe) and with 64 MiB (never drops here, like
 * node-media-server's unbounded queues). Our server child runs compiled with tsc (as in production),
 * not under tsx (BENCH_TSX=1 to change that).
 *
 * Players (PEERS_PLAYERS): `lean` (default, as before), `rtmpdump` (real `rtmpdump --live` processes
 * writing FLV files, installed with apt through scripts/ensure-tools.mjs if missing; each file is
 * parsed after the run and its audio/video packets checked against the source like the lean
 * players'), `both` (each N with lean players, then with rtmpdump), or `client` (our full Client).
 *   PEERS_PLAYERS=rtmpdump PEERS_N=20 PEERS_REPEAT=1 node --import tsx bench/peers.bench.ts
 *
 * Goals at N=100: our CPU ≤ 0.6× node-media-server's and ≤ 0.6× nginx-rtmp's, our peak RSS ≤ half
 * of node-media-server's, every player that keeps up gets every packet.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Client } from '../lib/client/client.js';
import type { DataEvent, MediaEvent } from '../lib/command/events.js';
import { FlvDemuxer } from '../lib/flv/flv-demuxer.js';
import { formatProfile, monotonicMicros, summarizeProfile, type ProfileWindow } from './support/cpu-profile.js';
import { leanPlayer } from './support/lean-player.js';
import { ensureRtmpdump, rtmpdumpPlayer, type RtmpdumpPlayer } from './support/rtmpdump-player.js';
import { PEERS_DIR, nginxRtmp, nodeMediaServer, ours, oursLargeBacklog, type PeerKind, type RunningPeer } from './support/peers.js';
import { deadline, mapLimit, mib, table } from './support/proc.js';

const COUNTS = (process.env.PEERS_N ?? '1,10,100').split(',').map(Number);
const SERVERS = (process.env.PEERS_SERVERS ?? 'rtmp-pipeline,rtmp-pipeline/64MiB,node-media-server,nginx-rtmp').split(',');
const SECONDS = Number(process.env.PEERS_SECONDS ?? 10);
/** Runs per server and N (median reported: single runs on a shared 2-core machine vary ±40 %). */
const REPEAT = Number(process.env.PEERS_REPEAT ?? 3);
const RUN_DEADLINE = 180_000;
/** After the publisher is done, a player that has received nothing for this long is finished. */
const QUIET_MS = 3000;
const STREAM = 'bench';
/**
 * Players: the light RTMP player (bench/support/lean-player.ts: full chunk parsing, no pipeline),
 * the same for every server, so the load process takes as little of the shared CPU as it can;
 * PEERS_PLAYERS=client uses our full Client instead.
 */
type PlayerKind = 'lean' | 'client' | 'rtmpdump';
const PLAYER_KINDS: PlayerKind[] = ((): PlayerKind[] => {
  const asked = process.env.PEERS_PLAYERS ?? 'lean';
  if (asked === 'both') return ['lean', 'rtmpdump'];
  if (asked === 'lean' || asked === 'client' || asked === 'rtmpdump') return [asked];
  throw new Error(`PEERS_PLAYERS=${asked}: expected lean, rtmpdump, both or client`);
})();

type SourceEvent = MediaEvent | DataEvent;

/** Generates (once, cached) the ~20 Mbps FLV. */
function sourceFlv(): string {
  const dir = join(PEERS_DIR, 'media');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `testsrc2-720p-20M-${SECONDS}s.flv`);
  if (existsSync(file)) return file;
  // Run directly (not through `npm run bench`, whose prebench step does this): install ffmpeg if missing.
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).error) {
    spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/ensure-tools.mjs', import.meta.url))], { stdio: 'inherit' });
  }
  console.log(`generating ${file} with ffmpeg ...`);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${SECONDS}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p',
    '-b:v', '20M', '-maxrate', '20M', '-bufsize', '20M', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', `${file}.part`];
  const r = spawnSync('ffmpeg', args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status !== 0) throw new Error(`ffmpeg failed to generate the source (${r.status ?? r.error})`);
  spawnSync('mv', [`${file}.part`, file]);
  return file;
}

async function readEvents(file: string): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  const demuxer = createReadStream(file).pipe(new FlvDemuxer());
  for await (const e of demuxer as AsyncIterable<SourceEvent>) {
    if (e.kind === 'data') events.push(e);
    else events.push({ ...e, payload: Buffer.from(e.payload) });
  }
  return events;
}

interface PlayerRecord {
  audio: number[];
  video: number[];
  bytes: number;
  lastAt: number;
  ended: boolean;
}

interface Check {
  complete: boolean;
  missing: number;
  extra: number;
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
  peakRss: number;
  /** RSS with the N players connected, before any media (the server's fixed cost). */
  readyRss: number;
  /** The measured span on the monotonic clock (to cut a CPU profile to it). */
  window?: ProfileWindow;
  minBytes: number;
  avgBytes: number;
  completePlayers: number;
  missing: number;
  extra: number;
  note: string;
}

async function runOne(kind: PeerKind, n: number, events: SourceEvent[], source: { audio: number[]; video: number[] }, players: PlayerKind, cpuProfDir?: string): Promise<Result> {
  const server: RunningPeer = await kind.start({ cpuProfDir });
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
        const rec: PlayerRecord = { audio: [], video: [], bytes: 0, lastAt: 0, ended: false };
        const onMedia = (payload: Buffer, kind: 'audio' | 'video'): void => {
          (kind === 'audio' ? rec.audio : rec.video).push(payload.length);
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
          const player = await leanPlayer(server.port, 'live', STREAM, onMedia);
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
    const publisher = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000, commandTimeout: 20_000 });
    clients.push(publisher);
    await publisher.connect(url);
    await publisher.publish(STREAM);
    const before = server.sample();
    const from = monotonicMicros();
    const t0 = performance.now();
    for (const e of events) await publisher.sendOnPublishStream(e);
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
    const to = monotonicMicros();
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
    for (const r of records) {
      const a = compare(source.audio, r.audio);
      const v = compare(source.video, r.video);
      if (a.complete && v.complete) completePlayers++;
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
      peakRss: after.peakRssBytes,
      readyRss: before.rssBytes,
      window: { from, to },
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
 * The run with the median CPU seconds, with the median peak RSS, and the worst delivery of all
 * runs (a packet lost in any run counts).
 */
function medianRun(runs: Result[]): Result {
  const byCpu = [...runs].sort((a, b) => a.cpu - b.cpu);
  const mid = byCpu[(byCpu.length - 1) >> 1]!;
  const rss = runs.map((r) => r.peakRss).sort((a, b) => a - b);
  const worst = [...runs].sort((a, b) => a.completePlayers - b.completePlayers)[0]!;
  const ready = runs.map((r) => r.readyRss).sort((a, b) => a - b);
  return { ...mid, peakRss: rss[(rss.length - 1) >> 1]!, readyRss: ready[(ready.length - 1) >> 1]!, completePlayers: worst.completePlayers, missing: worst.missing, extra: worst.extra, minBytes: worst.minBytes };
}

async function main(): Promise<void> {
  const kinds = [ours, oursLargeBacklog, nodeMediaServer, nginxRtmp].filter((k) => SERVERS.includes(k.name));
  const available: PeerKind[] = [];
  for (const k of kinds) {
    const why = k.ensure();
    if (why) console.log(`!! ${k.name} is not available and is left out: ${why}`);
    else available.push(k);
  }
  const file = sourceFlv();
  const events = await readEvents(file);
  const media = events.filter((e): e is MediaEvent => e.kind !== 'data');
  const source = {
    audio: media.filter((e) => e.kind === 'audio').map((e) => e.payload.length),
    video: media.filter((e) => e.kind === 'video').map((e) => e.payload.length),
  };
  // rtmpdump 2.4 does not write the AVC end-of-sequence tag (video, 0x17 0x02: the publisher's last
  // packet) to its file, from any server, while the lean player gets it from ours: it is left out of
  // what an rtmpdump player must have.
  const isAvcEndOfSequence = (e: MediaEvent): boolean => e.kind === 'video' && (e.payload[0]! & 0x0f) === 7 && e.payload[1] === 2;
  const rtmpdumpSource = {
    audio: source.audio,
    video: media.filter((e) => e.kind === 'video' && !isAvcEndOfSequence(e)).map((e) => e.payload.length),
  };
  const sourceBytes = media.reduce((t, e) => t + e.payload.length, 0);
  console.log(
    `source: ${file}: ${source.video.length} video + ${source.audio.length} audio packets, ${mib(sourceBytes)} MiB (${((sourceBytes * 8) / SECONDS / 1e6).toFixed(1)} Mbps over ${SECONDS} s); node ${process.version}`,
  );
  // The floor under any Node server's RSS, for reading the RSS goal.
  const bare = spawnSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss), 300)'], { encoding: 'utf8' });
  console.log(`a bare Node process (node -e, idle): RSS ${mib(Number(bare.stdout))} MiB`);
  const results: Result[] = [];
  if (PLAYER_KINDS.includes('rtmpdump')) ensureRtmpdump();
  for (const players of PLAYER_KINDS)
  for (const n of COUNTS) {
    // Rounds alternate the servers (a slow spell of the machine hits all of them); medians reported.
    const runs = new Map<string, Result[]>(available.map((k) => [k.name, []]));
    for (let round = 0; round < REPEAT; round++) {
      for (const k of available) {
        try {
          const r = await runOne(k, n, events, players === 'rtmpdump' ? rtmpdumpSource : source, players);
          runs.get(k.name)!.push(r);
          console.log(`  ${k.name} N=${n} ${players} players: ${r.wall.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s (user ${r.userCpu.toFixed(2)}, sys ${r.sysCpu.toFixed(2)}), peak RSS ${mib(r.peakRss)} MiB`);
        } catch (err) {
          console.log(`  ${k.name} N=${n} ${players} players: FAILED: ${(err as Error).message}`);
        }
      }
    }
    for (const k of available) {
      const done = runs.get(k.name)!;
      if (done.length === 0) {
        results.push({ server: k.name, players, n, wall: NaN, cpu: NaN, userCpu: NaN, sysCpu: NaN, peakRss: NaN, readyRss: NaN, minBytes: NaN, avgBytes: NaN, completePlayers: 0, missing: NaN, extra: NaN, note: 'failed' });
        continue;
      }
      results.push(medianRun(done));
    }
  }
  console.log();
  console.log(
    table(
      ['server', 'players', 'N', 'wall s', 'server CPU s', 'user s', 'sys s', 'RSS before media MiB', 'peak RSS MiB', 'per player MiB min/avg', 'players with every packet', 'missing/extra packets'],
      results.map((r) => [
        r.server,
        r.players,
        r.n,
        r.wall.toFixed(2),
        r.cpu.toFixed(2),
        r.userCpu.toFixed(2),
        r.sysCpu.toFixed(2),
        mib(r.readyRss),
        mib(r.peakRss),
        `${mib(r.minBytes)} / ${mib(r.avgBytes)}`,
        `${r.completePlayers}/${r.n}`,
        r.note || `${r.missing}/${r.extra}`,
      ]),
    ),
  );

  const at = (name: string): Result | undefined => results.find((r) => r.server === name && r.n === 100 && r.players === PLAYER_KINDS[0] && !r.note);
  const mine = at('rtmp-pipeline');
  if (mine) {
    console.log();
    const nms = at('node-media-server');
    const nginx = at('nginx-rtmp');
    const verdict = (ok: boolean): string => (ok ? 'OK' : 'NOT MET');
    if (nms) {
      console.log(`goal N=100: CPU ≤ 0.6× node-media-server: ${(mine.cpu / nms.cpu).toFixed(2)}× — ${verdict(mine.cpu <= 0.6 * nms.cpu)}`);
      console.log(`goal N=100: peak RSS ≤ 0.5× node-media-server: ${(mine.peakRss / nms.peakRss).toFixed(2)}× — ${verdict(mine.peakRss <= 0.5 * nms.peakRss)}`);
    }
    if (nginx) console.log(`goal N=100: CPU ≤ 0.6× nginx-rtmp (1 worker): ${(mine.cpu / nginx.cpu).toFixed(2)}× — ${verdict(mine.cpu <= 0.6 * nginx.cpu)}`);
    console.log(`goal N=100: every player gets every packet: ${mine.completePlayers}/${mine.n} — ${verdict(mine.completePlayers === mine.n)}`);
    const big = at('rtmp-pipeline/64MiB');
    if (big) {
      const vs = (other: Result | undefined, label: string): string => (other ? `, CPU ${(big.cpu / other.cpu).toFixed(2)}× ${label}` : '');
      console.log(`with a 64 MiB player backlog: ${big.completePlayers}/${big.n} players complete${vs(nms, 'node-media-server')}${vs(nginx, 'nginx-rtmp')}${nms ? `, peak RSS ${(big.peakRss / nms.peakRss).toFixed(2)}× node-media-server` : ''}`);
    }
  }

  if (process.env.PEERS_PROFILE) {
    const dir = mkdtempSync(join(tmpdir(), 'peers-prof-'));
    try {
      const measured = await runOne(ours, 100, events, source, PLAYER_KINDS[0]!, dir);
      const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!prof) throw new Error('no .cpuprofile written');
      console.log();
      console.log('our server, CPU profile at N=100 (self time, publishing phase only):');
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
