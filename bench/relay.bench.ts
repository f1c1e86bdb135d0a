/**
 * Relay overhead (issue 13): one publisher, N players, served either directly by an origin or by
 * an edge that pulls the stream from that origin (lib/server/relay). What the edge costs is its
 * CPU against the origin's when that origin serves the same N players itself; the origin feeding
 * an edge serves one player.
 *
 *   node --import tsx bench/relay.bench.ts
 *   RELAY_N=10,100 RELAY_SECONDS=8 RELAY_REPEAT=3 node --import tsx bench/relay.bench.ts
 *
 * Servers are child processes (bench/support/rtmp-server-child.ts; the edge with BENCH_PULL), CPU
 * from /proc over the streaming phase; publisher and lean players (bench/support/lean-player.ts)
 * run in this process, with the fan-out bench's media mix and window pacing (the publisher at most
 * WINDOW bytes ahead of the slowest player, so nothing drops). Every player checks every message.
 * The machine is shared: take the ratios as indications, and repeat (RELAY_REPEAT) for medians.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '../lib/client/client.js';
import { ChildServer } from './support/child-server.js';
import { Tracker, leanRtmpPlayer, mediaMix, publishAll, rtmpPublisher, type MediaItem, type Pacing } from './support/fanout-load.js';
import { deadline, mapLimit, table } from './support/proc.js';

const VIDEO_BITRATE = 20_000_000;
const WINDOW = 2 * 1024 * 1024;
const COUNTS = (process.env.RELAY_N ?? '10,50').split(',').map(Number);
const SECONDS = Number(process.env.RELAY_SECONDS ?? 6);
const REPEAT = Number(process.env.RELAY_REPEAT ?? 1);
const STREAM = 'bench';

interface RunResult {
  /** CPU seconds of the server the players are on (origin when direct, edge when relayed). */
  servingCpu: number;
  /** CPU seconds of the origin when it feeds the edge (0 when direct). */
  originCpu: number;
  wallSeconds: number;
  deliveredBytes: number;
  missing: number;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; !(await check()); i++) {
    if (i > 1000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function run(relayed: boolean, players: number, items: MediaItem[]): Promise<RunResult> {
  const origin = await ChildServer.start('rtmp-server-child.ts');
  const edge = relayed ? await ChildServer.start('rtmp-server-child.ts', { env: { BENCH_PULL: `rtmp://127.0.0.1:${origin.port}/live` } }) : undefined;
  const serving = edge ?? origin;
  const tracker = new Tracker(items, players, false);
  const sockets: Array<{ destroy(): void }> = [];
  let publisher: Client | undefined;
  try {
    await deadline(
      mapLimit(Array.from({ length: players }), 50, async () => sockets.push((await leanRtmpPlayer(serving.port, STREAM, tracker)).socket)),
      60_000,
      `connecting ${players} players`,
    );
    await until(async () => (await serving.request('stats')).players === players, `${players} players registered`);
    // The edge's upstream plays at the origin before anything is published.
    if (edge) await until(async () => (await origin.request('stats')).players === 1, 'the edge upstream at the origin');
    const pub = await rtmpPublisher(`rtmp://127.0.0.1:${origin.port}/live`, STREAM);
    publisher = pub.client;
    const pacing: Pacing = { kind: 'window', bytes: WINDOW };
    const servingBefore = serving.sample();
    const originBefore = origin.sample();
    const t0 = performance.now();
    await deadline(publishAll(tracker, pacing, pub.send).then(() => tracker.done), 180_000, `relay run N=${players}`);
    const wallSeconds = (performance.now() - t0) / 1000;
    const servingAfter = serving.sample();
    const originAfter = origin.sample();
    const { deliveredBytes, missing } = tracker.totals();
    return {
      servingCpu: servingAfter.cpuSeconds - servingBefore.cpuSeconds,
      originCpu: edge ? originAfter.cpuSeconds - originBefore.cpuSeconds : 0,
      wallSeconds,
      deliveredBytes,
      missing,
    };
  } finally {
    publisher?.destroy();
    for (const s of sockets) s.destroy();
    await edge?.stop();
    await origin.stop();
  }
}

function median(runs: RunResult[]): RunResult {
  return [...runs].sort((a, b) => a.servingCpu - b.servingCpu)[(runs.length - 1) >> 1]!;
}

async function main(): Promise<void> {
  console.log(`relay overhead over loopback: ${VIDEO_BITRATE / 1e6} Mbps video mix + audio, ${SECONDS} s of media, node ${process.version}`);
  console.log('direct: publisher -> origin -> N players; relayed: publisher -> origin -> edge (pull) -> N players');
  const rows: Array<Array<string | number>> = [];
  for (const n of COUNTS) {
    const items = mediaMix(SECONDS, VIDEO_BITRATE);
    const direct: RunResult[] = [];
    const relayed: RunResult[] = [];
    for (let r = 0; r < REPEAT; r++) {
      direct.push(await run(false, n, items));
      relayed.push(await run(true, n, items));
    }
    const d = median(direct);
    const e = median(relayed);
    rows.push([
      n,
      d.servingCpu.toFixed(2),
      e.servingCpu.toFixed(2),
      `${(e.servingCpu / d.servingCpu).toFixed(2)}x`,
      e.originCpu.toFixed(2),
      `${((e.servingCpu + e.originCpu) / d.servingCpu).toFixed(2)}x`,
      (d.deliveredBytes / 1e6 / d.wallSeconds).toFixed(0),
      (e.deliveredBytes / 1e6 / e.wallSeconds).toFixed(0),
      d.missing + e.missing,
    ]);
  }
  console.log(
    table(
      ['N', 'origin CPU s (direct)', 'edge CPU s', 'edge / direct', 'origin CPU s (feeding edge)', 'edge+origin / direct', 'MB/s direct', 'MB/s relayed', 'missing'],
      rows,
    ),
  );
  console.log('CPU: utime+stime of the server process(es) over the streaming phase. The machine is shared: figures move ±20 % between runs.');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
