/**
 * Fan-out: 1 publisher and N players (1, 10, 100, 1000) over loopback, our Client as the load.
 *
 *   node --import tsx bench/fanout.bench.ts
 *   FANOUT_N=100 FANOUT_SCALE=2 node --import tsx bench/fanout.bench.ts   # one N, twice the media
 *   FANOUT_PROFILE=1 node --import tsx bench/fanout.bench.ts              # + --cpu-prof of both servers at N=100 (FANOUT_PROFILE_N)
 *   FANOUT_REPEAT=5 ...                                                    # runs per N (median CPU; default 3, N=1000 once)
 *
 * The server runs in a child process (CPU seconds = utime+stime from /proc/<pid>/stat over the
 * streaming phase, peak RSS = VmHWM), the publisher and players in this process. The baseline is
 * another child doing the least a relay can (bench/support/raw-relay-child.ts): read length-prefixed
 * messages from one socket and write each, with one plain socket.write, to N sockets — the same
 * messages (same sizes, same pacing code), measured in the same run.
 *
 * Pacing: the publisher runs at most WINDOW bytes ahead of the slowest player, so neither server
 * ever queues more than that per player (ours never drops) and both run as fast as the whole loop
 * allows. Latency (publisher write → player receive) is measured at N=100 in real time.
 *
 * Target (issue 3 item 9): at N=100 our server's CPU ≤ 1.3× the baseline's for the same bytes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '../lib/client/client.js';
import { ChildServer } from './support/child-server.js';
import { formatHeapSample, formatProfile, monotonicMicros, summarizeProfile, type HeapSampleNode, type ProfileWindow } from './support/cpu-profile.js';
import {
  Tracker,
  mediaMix,
  publishAll,
  rawPlayer,
  rawPublisher,
  leanRtmpPlayer,
  rtmpPlayer,
  rtmpPublisher,
  type MediaItem,
  type Pacing,
} from './support/fanout-load.js';
import { deadline, mapLimit, mib, percentile, table, threadCpu, threadCpuDelta } from './support/proc.js';

const VIDEO_BITRATE = 20_000_000;
const WINDOW = 2 * 1024 * 1024;
const SCALE = Number(process.env.FANOUT_SCALE ?? 1);
const COUNTS = (process.env.FANOUT_N ?? '1,10,100,1000').split(',').map(Number);
/**
 * Seconds of media per player count: enough messages to be steady, bounded total bytes. N=100 (the
 * target's row) gets 16 s: a 4-s run (about 1 s of server CPU) moved ±20 % between runs here, and
 * the longer run includes the steady-state costs (GC, JIT) rather than one burst.
 */
const SECONDS: Record<number, number> = { 1: 60, 10: 20, 100: 16, 1000: 1 };
const RUN_DEADLINE = 180_000;
const REPEAT = Number(process.env.FANOUT_REPEAT ?? 3);
const STREAM = 'bench';
/**
 * Players: by default the light RTMP player (bench/support/lean-player.ts), which costs the load
 * process about what the baseline's frame reader does, so both servers share the machine with a
 * similar load; FANOUT_PLAYERS=client uses our full Client instead.
 */
const LEAN_PLAYERS = process.env.FANOUT_PLAYERS !== 'client';
/** Unmeasured warm-up before each measured run (see `warmUp`); FANOUT_WARMUP=0 measures a cold server. */
const WARMUP_SECONDS = Number(process.env.FANOUT_WARMUP ?? 2);
const WARMUP_PLAYERS = Number(process.env.FANOUT_WARMUP_PLAYERS ?? 10);
/** FANOUT_PROFILE=1: --cpu-prof of both servers at N=FANOUT_PROFILE_N (default 100). */
const PROFILE_N = Number(process.env.FANOUT_PROFILE_N ?? 100);
/**
 * FANOUT_HEAP=1: where our server allocates what outlives a scavenge (sampling heap profiler over the
 * measured phase): the objects that fill the old generation and cost mark-compacts.
 */
const HEAP = process.env.FANOUT_HEAP === '1';
/** FANOUT_THREADS=1: print the server's CPU per thread over each measured run. */
const THREADS = process.env.FANOUT_THREADS === '1';

interface RunResult {
  wallSeconds: number;
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  peakRss: number;
  deliveredBytes: number;
  missing: number;
  dropped: number;
  latencies: number[];
  /** The measured phase on the monotonic clock (to cut a CPU profile to it). */
  window: ProfileWindow;
}

/** Players connected to `server` for `tracker`; their closers go to `clients` / `sockets`. */
async function connectPlayers(
  mode: 'rtmp' | 'raw',
  server: ChildServer,
  count: number,
  tracker: Tracker,
  clients: Client[],
  sockets: Array<{ destroy(): void }>,
): Promise<void> {
  const url = `rtmp://127.0.0.1:${server.port}/live`;
  await deadline(
    mapLimit(Array.from({ length: count }), 50, async () => {
      if (mode === 'rtmp' && LEAN_PLAYERS) sockets.push((await leanRtmpPlayer(server.port, STREAM, tracker)).socket);
      else if (mode === 'rtmp') clients.push((await rtmpPlayer(url, STREAM, tracker)).client);
      else sockets.push((await rawPlayer(server.port, tracker)).socket);
    }),
    60_000,
    `connecting ${count} players`,
  );
}

/** Waits until the server counts `count` players (every one registered, or every one gone). */
async function playersRegistered(server: ChildServer, count: number): Promise<void> {
  for (let i = 0; (await server.request('stats')).players !== count; i++) {
    if (i > 500) throw new Error(`the server never counted ${count} players`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connectPublisher(mode: 'rtmp' | 'raw', server: ChildServer, clients: Client[], sockets: Array<{ destroy(): void }>) {
  if (mode === 'rtmp') {
    const publisher = await rtmpPublisher(`rtmp://127.0.0.1:${server.port}/live`, STREAM);
    clients.push(publisher.client);
    return publisher.send;
  }
  const publisher = await rawPublisher(server.port);
  sockets.push(publisher.socket);
  return publisher.send;
}

/**
 * The same warm-up for both servers, unmeasured: WARMUP_SECONDS of the media to WARMUP_PLAYERS
 * players, then everything closed. A relay runs for hours; what the measured run should see is
 * its steady state, not the first minutes of a fresh process (JIT compilation of the media path,
 * heap growth), which would otherwise weigh on a few seconds of media.
 */
async function warmUp(mode: 'rtmp' | 'raw', server: ChildServer, pacing: Pacing): Promise<void> {
  const tracker = new Tracker(mediaMix(WARMUP_SECONDS, VIDEO_BITRATE), WARMUP_PLAYERS, false);
  const clients: Client[] = [];
  const sockets: Array<{ destroy(): void }> = [];
  try {
    await connectPlayers(mode, server, WARMUP_PLAYERS, tracker, clients, sockets);
    await playersRegistered(server, WARMUP_PLAYERS);
    const send = await connectPublisher(mode, server, clients, sockets);
    await deadline(publishAll(tracker, pacing, send).then(() => tracker.done), RUN_DEADLINE, `${mode} warm-up`);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
  }
  // Gone from the server, publisher included (its name is free again).
  for (let i = 0; (await server.request('stats')).connections !== 0; i++) {
    if (i > 500) throw new Error('the warm-up connections never closed');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(mode: 'rtmp' | 'raw', players: number, items: MediaItem[], pacing: Pacing, options: { latency?: boolean; cpuProfDir?: string } = {}): Promise<RunResult> {
  const server = await ChildServer.start(mode === 'rtmp' ? 'rtmp-server-child.ts' : 'raw-relay-child.ts', { cpuProfDir: options.cpuProfDir });
  const tracker = new Tracker(items, players, options.latency ?? false);
  const clients: Client[] = [];
  const sockets: Array<{ destroy(): void }> = [];
  try {
    if (WARMUP_SECONDS > 0) await warmUp(mode, server, pacing);
    await connectPlayers(mode, server, players, tracker, clients, sockets);
    // Every player must be registered before the first message goes out.
    await playersRegistered(server, players);
    const send = await connectPublisher(mode, server, clients, sockets);
    const from = monotonicMicros();
    const before = server.sample();
    const threadsBefore = THREADS ? threadCpu(server.pid) : undefined;
    if (THREADS) console.log(`    --- ${mode} N=${players} measured phase begins`);
    if (HEAP && mode === 'rtmp') await server.request('heap-sample-start');
    const t0 = performance.now();
    await deadline(
      publishAll(tracker, pacing, send).then(() => tracker.done),
      RUN_DEADLINE,
      `${mode} fan-out to ${players}`,
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const after = server.sample();
    const to = monotonicMicros();
    if (THREADS) console.log(`    --- ${mode} N=${players} measured phase ends`);
    if (HEAP && mode === 'rtmp') console.log(formatHeapSample((await server.request('heap-sample-stop')).profile as HeapSampleNode | undefined));
    if (threadsBefore) console.log(`    ${mode} N=${players} threads: ${threadCpuDelta(threadsBefore, threadCpu(server.pid))}; minor faults ${after.minorFaults - before.minorFaults}`);
    const stats = await server.request('stats');
    const { deliveredBytes, missing } = tracker.totals();
    return {
      wallSeconds,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      userSeconds: after.userSeconds - before.userSeconds,
      systemSeconds: after.systemSeconds - before.systemSeconds,
      peakRss: after.peakRssBytes,
      deliveredBytes,
      missing,
      dropped: stats.dropped as number,
      latencies: (tracker.latencies ?? []).sort((a, b) => a - b),
      window: { from, to },
    };
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    await server.stop();
  }
}

/** RSS per idle connection (handshake + connect done, nothing playing) with `count` connected. */
async function idleMemory(count: number): Promise<{ perConnection: number; heapPerConnection: number }> {
  const server = await ChildServer.start('rtmp-server-child.ts');
  const clients: Client[] = [];
  try {
    const base = await server.request('gc');
    await deadline(
      mapLimit(Array.from({ length: count }), 50, async () => {
        const client = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000 });
        clients.push(client);
        await client.connect(`rtmp://127.0.0.1:${server.port}/live`);
      }),
      60_000,
      `connecting ${count} idle clients`,
    );
    if ((await server.request('stats')).connections !== count) throw new Error('not every idle client is connected');
    const loaded = await server.request('gc');
    return {
      perConnection: ((loaded.rss as number) - (base.rss as number)) / count,
      heapPerConnection: ((loaded.heapUsed as number) - (base.heapUsed as number)) / count,
    };
  } finally {
    for (const c of clients) c.destroy();
    await server.stop();
  }
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

/** The run with the median CPU seconds (its other figures come with it). */
function median(runs: RunResult[]): RunResult {
  const sorted = [...runs].sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  return { ...mid, peakRss: Math.max(...runs.map((r) => r.peakRss)), missing: runs.reduce((t, r) => t + r.missing, 0), dropped: runs.reduce((t, r) => t + r.dropped, 0) };
}

async function main(): Promise<void> {
  console.log(`fan-out over loopback, ${VIDEO_BITRATE / 1e6} Mbps video mix (30 fps, keyframes every 2 s) + AAC-sized audio; node ${process.version}`);
  const rows: Array<Array<string | number>> = [];
  let ratioAt100: number | undefined;
  for (const n of COUNTS) {
    const items = mediaMix(Math.max(0.5, (SECONDS[n] ?? 2) * SCALE), VIDEO_BITRATE);
    const pacing: Pacing = { kind: 'window', bytes: WINDOW };
    // Alternating repeats, medians reported: the machine is shared, single runs are noisy.
    const oursRuns: RunResult[] = [];
    const rawRuns: RunResult[] = [];
    for (let r = 0; r < (n >= 1000 ? 1 : REPEAT); r++) {
      oursRuns.push(await run('rtmp', n, items, pacing));
      rawRuns.push(await run('raw', n, items, pacing));
    }
    const ours = median(oursRuns);
    const raw = median(rawRuns);
    const mbps = (r: RunResult): number => r.deliveredBytes / 1e6 / r.wallSeconds;
    const cpuRatio = ours.cpuSeconds / Math.max(0.01, raw.cpuSeconds);
    if (n === 100) ratioAt100 = cpuRatio;
    rows.push([
      n,
      `${mib(ours.deliveredBytes)} MiB`,
      fmt(mbps(ours), 0),
      fmt(mbps(raw), 0),
      fmt(mbps(ours) / mbps(raw)),
      `${fmt(ours.cpuSeconds)} (${fmt(ours.userSeconds)}u ${fmt(ours.systemSeconds)}s)`,
      `${fmt(raw.cpuSeconds)} (${fmt(raw.userSeconds)}u ${fmt(raw.systemSeconds)}s)`,
      fmt(cpuRatio),
      mib(ours.peakRss),
      mib(raw.peakRss),
      `${ours.missing}/${ours.dropped}`,
    ]);
    console.log(`  N=${n}: done (ours ${fmt(ours.wallSeconds)} s, baseline ${fmt(raw.wallSeconds)} s)`);
    if (oursRuns.length > 1) {
      // Each run beside the baseline run next to it: the spread says how far to trust the median.
      const pairs = oursRuns.map((o, i) => `${fmt(o.cpuSeconds)}/${fmt(rawRuns[i]!.cpuSeconds)}=${fmt(o.cpuSeconds / Math.max(0.01, rawRuns[i]!.cpuSeconds))}`);
      console.log(`    CPU s per run, ours/baseline=ratio: ${pairs.join(', ')}`);
    }
  }
  console.log();
  console.log(
    table(
      ['N', 'delivered', 'ours MB/s', 'baseline MB/s', 'throughput ratio', 'ours CPU s (user sys)', 'baseline CPU s (user sys)', 'CPU ratio', 'ours peak RSS MiB', 'baseline peak RSS MiB', 'missing/dropped'],
      rows,
    ),
  );

  if (COUNTS.includes(100)) {
    // Latency in real time (not saturated): 5 s of the same mix at its own pace.
    const items = mediaMix(5 * SCALE, VIDEO_BITRATE);
    const ours = await run('rtmp', 100, items, { kind: 'realtime' }, { latency: true });
    const raw = await run('raw', 100, items, { kind: 'realtime' }, { latency: true });
    console.log();
    console.log('end-to-end latency at N=100, real-time pacing (publisher write → player receive, all players, all messages):');
    console.log(
      table(
        ['server', 'p50 ms', 'p99 ms', 'max ms', 'server CPU s'],
        [
          ['ours', fmt(percentile(ours.latencies, 50)), fmt(percentile(ours.latencies, 99)), fmt(ours.latencies.at(-1) ?? NaN), fmt(ours.cpuSeconds)],
          ['baseline', fmt(percentile(raw.latencies, 50)), fmt(percentile(raw.latencies, 99)), fmt(raw.latencies.at(-1) ?? NaN), fmt(raw.cpuSeconds)],
        ],
      ),
    );
  }

  if (COUNTS.includes(1000)) {
    const idle = await idleMemory(1000);
    console.log();
    console.log(`memory per idle connection (1000 connected, after GC): RSS ${fmt(idle.perConnection / 1024, 1)} KiB, JS heap ${fmt(idle.heapPerConnection / 1024, 1)} KiB`);
  }

  if (ratioAt100 !== undefined) {
    console.log();
    console.log(`target: CPU at N=100 ≤ 1.3× plain socket writes: ${fmt(ratioAt100)}× — ${ratioAt100 <= 1.3 ? 'OK' : 'NOT MET'}`);
  }

  if (process.env.FANOUT_PROFILE) {
    // Both servers, the same media: what ours spends beyond the baseline's socket writes.
    for (const mode of ['rtmp', 'raw'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'fanout-prof-'));
      try {
        const measured = await run(mode, PROFILE_N, mediaMix((SECONDS[PROFILE_N] ?? 4) * SCALE, VIDEO_BITRATE), { kind: 'window', bytes: WINDOW }, { cpuProfDir: dir });
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error('no .cpuprofile written');
        console.log();
        console.log(`${mode === 'rtmp' ? 'our server' : 'baseline'}: CPU profile at N=${PROFILE_N} (self time, measured phase only; CPU ${fmt(measured.cpuSeconds)} s):`);
        console.log(formatProfile(summarizeProfile(join(dir, file), 25, measured.window), mode === 'rtmp' ? 25 : 8));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
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
