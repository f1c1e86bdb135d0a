/**
 * Every core: `rtmp-server --workers 1` vs `--workers 2` on this machine at N=200 lean players of
 * one stream, and a scaling model for a 16-core machine from the measured per-worker figures.
 *
 *   node --import tsx bench/workers.bench.ts
 *   WORKERS_N=400 WORKERS_SECONDS=8 node --import tsx bench/workers.bench.ts
 *
 * The server runs as users run it (the CLI, a primary and its workers); the publisher (our Client)
 * and the players (bench/support/lean-player.ts: every message parsed and checked) run in this
 * process. Players connect first and wait, so the primary spreads them round-robin and every
 * worker serves its share; with two workers the publisher's worker also serves the other worker's
 * internal relay. The publisher runs at most WINDOW bytes ahead of the slowest player (nothing is
 * dropped; everyone runs as fast as the whole loop allows).
 *
 * Measured per run: wall time of the streaming phase, bytes delivered to players (aggregate MB/s),
 * CPU seconds of each worker and of the primary (/proc/<pid>/stat utime+stime) and of this load
 * process. The machine is shared and has few cores: the load process competes with the workers,
 * so the absolute MB/s is a floor; the per-worker cost (CPU seconds per GB delivered) is what
 * carries over to a larger machine.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { Tracker, leanRtmpPlayer, mediaMix, publishAll, rtmpPublisher } from './support/fanout-load.js';
import { deadline, mapLimit, sampleProcess, spawnTracked, stopChild, table } from './support/proc.js';

const N = Number(process.env.WORKERS_N ?? 200);
const SECONDS = Number(process.env.WORKERS_SECONDS ?? 6);
const VIDEO_BITRATE = 4_000_000;
const WINDOW = 2 * 1024 * 1024;
const STREAM = 'bench';

interface RunResult {
  workers: number;
  wallSeconds: number;
  deliveredBytes: number;
  missing: number;
  workerCpu: Array<{ pid: number; cpuSeconds: number }>;
  primaryCpu: number;
  loadCpu: number;
}

async function startServer(workers: number): Promise<{ child: ReturnType<typeof spawnTracked>; port: number; primary: number; workerPids: number[] }> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', 'lib/cli/rtmp-server.ts', '--workers', String(workers), '--addr', '127.0.0.1:0', '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const ready = new Promise<{ port: number; workerPids: number[] }>((resolve, reject) => {
    child.stderr!.on('data', (s: string) => {
      stderr += s;
      const port = /listening on rtmp:\/\/127\.0\.0\.1:(\d+) \(/.exec(stderr);
      const pids = [...stderr.matchAll(/worker \d+ \(pid (\d+)\) ready/g)].map((m) => Number(m[1]));
      if (port && pids.length === workers) resolve({ port: Number(port[1]), workerPids: pids });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${stderr}`)));
  });
  const { port, workerPids } = await deadline(ready, 30_000, 'server start');
  return { child, port, primary: child.pid!, workerPids };
}

async function run(workers: number): Promise<RunResult> {
  const { child, port, primary, workerPids } = await startServer(workers);
  try {
    const items = mediaMix(SECONDS, VIDEO_BITRATE);
    const tracker = new Tracker(items, N, false);
    const players = await mapLimit([...Array(N).keys()], 20, () => leanRtmpPlayer(port, STREAM, tracker));
    const publisher = await rtmpPublisher(`rtmp://127.0.0.1:${port}/live`, STREAM);
    const before = workerPids.map((pid) => sampleProcess(pid).cpuSeconds);
    const primaryBefore = sampleProcess(primary).cpuSeconds;
    const loadBefore = process.cpuUsage();
    const start = performance.now();
    await publishAll(tracker, { kind: 'window', bytes: WINDOW }, publisher.send);
    await deadline(tracker.done, 120_000, 'players done');
    const wallSeconds = (performance.now() - start) / 1000;
    const load = process.cpuUsage(loadBefore);
    const workerCpu = workerPids.map((pid, i) => ({ pid, cpuSeconds: sampleProcess(pid).cpuSeconds - before[i]! }));
    const primaryCpu = sampleProcess(primary).cpuSeconds - primaryBefore;
    const deliveredBytes = tracker.players.reduce((n, p) => n + p.bytes, 0);
    const missing = tracker.players.reduce((n, p) => n + p.missing, 0);
    await publisher.client.close();
    for (const p of players) p.socket.destroy();
    return { workers, wallSeconds, deliveredBytes, missing, workerCpu, primaryCpu, loadCpu: (load.user + load.system) / 1e6 };
  } finally {
    await stopChild(child, 'SIGTERM', 10_000);
  }
}

const results: RunResult[] = [];
for (const workers of [1, 2]) {
  const r = await run(workers);
  results.push(r);
  console.log(`--workers ${workers}: ${(r.deliveredBytes / 1e6).toFixed(0)} MB to ${N} players in ${r.wallSeconds.toFixed(2)} s, ${r.missing} missing`);
}

const mbps = (r: RunResult): number => r.deliveredBytes / 1e6 / r.wallSeconds;
const workerCpuTotal = (r: RunResult): number => r.workerCpu.reduce((n, w) => n + w.cpuSeconds, 0);
/** Worker CPU seconds per GB delivered: the per-worker cost that carries over to another machine. */
const cpuPerGb = (r: RunResult): number => workerCpuTotal(r) / (r.deliveredBytes / 1e9);

console.log(`\nN=${N} lean players, ${SECONDS} s of ${VIDEO_BITRATE / 1e6} Mbit/s media each, window ${WINDOW / 1024 / 1024} MiB; ${availableParallelism()} cores, shared and noisy\n`);
console.log(
  table(
    ['workers', 'delivered MB/s', 'CPU per worker (s, busy %)', 'primary CPU s', 'load process CPU s', 'worker CPU s per GB'],
    results.map((r) => [
      r.workers,
      mbps(r).toFixed(0),
      r.workerCpu.map((w) => `${w.cpuSeconds.toFixed(2)} (${((100 * w.cpuSeconds) / r.wallSeconds).toFixed(0)} %)`).join(', '),
      r.primaryCpu.toFixed(2),
      r.loadCpu.toFixed(2),
      cpuPerGb(r).toFixed(2),
    ]),
  ),
);

// The model: a worker delivers 1 / (CPU s per GB) GB per CPU second; with W workers on W cores
// the players spread evenly and each worker runs its share. The publisher's worker also feeds
// W - 1 relays (one more player each) and every other worker ingests the stream once: per stream,
// both are one player's worth of work, negligible beside N/W players per worker unless N/W is small.
const one = results[0]!;
const two = results[1]!;
const perWorkerGbPerCpuSecond = 1 / cpuPerGb(two);
const relayShare = (w: number, n: number): number => (w - 1) / (n + (w - 1));
console.log('\nScaling model for a 16-core machine (from the 2-worker run\'s per-worker cost; one core left to the load balancer and OS):\n');
const rows: Array<Array<string | number>> = [];
for (const w of [1, 2, 4, 8, 15]) {
  const n = 1000;
  const usefulShare = 1 - relayShare(w, n);
  rows.push([w, (w * perWorkerGbPerCpuSecond * 1000 * usefulShare).toFixed(0), (usefulShare * 100).toFixed(1)]);
}
console.log(table(['workers', 'aggregate MB/s if each worker has a core (N=1000 players)', 'share of worker CPU for players (rest: relays)'], rows));
console.log(
  `\nMeasured: one worker ${(1 / cpuPerGb(one)).toFixed(2)} GB per CPU second, two workers ${perWorkerGbPerCpuSecond.toFixed(2)} GB per CPU second each ` +
    `(relay overhead and the shared machine included); speed-up on this machine ${(mbps(two) / mbps(one)).toFixed(2)}x.`,
);
