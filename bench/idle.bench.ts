/**
 * Memory per idle connection (issue 10 goal: ≤ 30 KiB with 1000 connected, after GC), ours beside
 * node-media-server 4.x in the same run.
 *
 *   node --import tsx bench/idle.bench.ts        (or: npm run bench -- idle)
 *   IDLE_N=1000            connections
 *   IDLE_STREAM=1          each connection also does createStream (default: handshake + connect only)
 *   IDLE_SERVERS=rtmp-pipeline,node-media-server
 *   IDLE_SNAPSHOT=<dir>    also write heap snapshots of our server (before / with the connections, each
 *                          after a full GC) into <dir>, to see by constructor where the memory goes (the
 *                          first snapshot itself grows the RSS: read RSS from a run without it; node ids
 *                          are stable between the two snapshots, so the new objects are those whose id
 *                          is not in the first)
 *
 * Each server runs in a child process with --expose-gc. The connections come from another child
 * (bench/support/idle-connections-child.ts, the bench's own minimal RTMP client, not lib/): each does
 * the handshake and `connect` (and createStream with IDLE_STREAM=1), then stays idle. Readings after a
 * full GC (process.memoryUsage() in the server): before (after a warm-up of 20 connections opened and
 * closed) and with the N connections; the difference divided by N is the cost of one connection:
 * JS heap used, external (Buffers and other memory V8 does not manage, arrayBuffers included) and
 * RSS. RSS is the process's whole footprint (heap pages kept after GC included); heap + external is
 * what the server's objects hold.
 *
 * File descriptors: the server and the connections' process each need N + a few; when the soft
 * limit (`ulimit -n`) is lower, the bench re-runs itself with it raised to the hard limit.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeMediaServer, ours, type GcMemory, type PeerKind, type RunningPeer } from './support/peers.js';
import { ChildServer } from './support/child-server.js';
import { deadline, resetPeakRss, table } from './support/proc.js';

const N = Number(process.env.IDLE_N ?? 1000);
const CREATE_STREAM = process.env.IDLE_STREAM === '1';
const SERVERS = (process.env.IDLE_SERVERS ?? 'rtmp-pipeline,node-media-server').split(',');
const SNAPSHOT_DIR = process.env.IDLE_SNAPSHOT;
const GOAL_KIB = 30;

/** Re-runs this bench under `sh -c 'ulimit -n <hard>'` when the soft fd limit is too low for N. */
function ensureFdLimit(): boolean {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  const need = N + 200;
  if (!soft || soft >= need) return false;
  if (process.env.IDLE_FD_RAISED || (hard ?? 0) < need) {
    throw new Error(`open-file limit ${soft} (hard ${hard}) is below the ${need} this bench needs: raise it (ulimit -n ${need}) or lower IDLE_N`);
  }
  console.log(`raising the open-file limit from ${soft} to ${hard} for this run`);
  const script = fileURLToPath(import.meta.url);
  execFileSync('sh', ['-c', `ulimit -n ${hard === Infinity ? need : hard} && exec "$0" --import tsx "$1"`, process.execPath, script], {
    stdio: 'inherit',
    env: { ...process.env, IDLE_FD_RAISED: '1' },
  });
  return true;
}

class Connections {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<Connections> {
    const child = fork(fileURLToPath(new URL('support/idle-connections-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await deadline(once(child, 'message'), 30_000, 'connections process start');
    return new Connections(child);
  }

  async request(msg: object, what: string): Promise<{ kind: string; opened?: number; failed?: number }> {
    const reply = once(this.child, 'message') as Promise<[{ kind: string; opened?: number; failed?: number }]>;
    this.child.send(msg);
    return (await deadline(reply, 120_000, what))[0];
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

interface Reading {
  server: string;
  before: GcMemory;
  after: GcMemory;
  opened: number;
}

async function measure(kind: PeerKind, conns: Connections): Promise<Reading> {
  const server: RunningPeer = await kind.start();
  try {
    // Warm-up: load and compile the connection path before the "before" reading.
    await conns.request({ cmd: 'open', port: server.port, count: 20, createStream: CREATE_STREAM }, 'warm-up connections');
    await conns.request({ cmd: 'close' }, 'warm-up close');
    const before = await server.gcMemory!();
    if (SNAPSHOT_DIR && kind === oursWithSnapshots) console.log(`  snapshot before: ${(await snapshot(server)) ?? '(not written)'}`);
    const opened = await conns.request({ cmd: 'open', port: server.port, count: N, createStream: CREATE_STREAM }, `opening ${N} connections`);
    if (opened.failed) console.log(`  !! ${kind.name}: ${opened.failed} of ${N} connections failed`);
    const after = await server.gcMemory!();
    if (SNAPSHOT_DIR && kind === oursWithSnapshots) console.log(`  snapshot with ${N} connections: ${(await snapshot(server)) ?? '(not written)'}`);
    await conns.request({ cmd: 'close' }, 'closing');
    return { server: kind.name, before, after, opened: opened.opened ?? 0 };
  } finally {
    await server.stop();
  }
}

/** Our server's heap snapshot (through its IPC: the RunningPeer does not expose the ChildServer). */
let snapshotServer: ChildServer | undefined;
async function snapshot(_server: RunningPeer): Promise<string | undefined> {
  return snapshotServer ? ((await snapshotServer.request('heap-snapshot', 120_000)).file as string) : undefined;
}

/** Ours, started so that its heap can be snapshotted (IDLE_SNAPSHOT). */
const oursWithSnapshots: PeerKind = {
  ...ours,
  async start() {
    const server = await ChildServer.start('rtmp-server-child.ts', { env: { BENCH_SNAPSHOT_DIR: SNAPSHOT_DIR } });
    snapshotServer = server;
    return {
      name: ours.name,
      port: server.port,
      sample: () => server.sample(),
      resetPeakRss: () => resetPeakRss(server.pid),
      gcMemory: async () => (await server.request('gc')) as unknown as GcMemory,
      stop: () => server.stop(),
    };
  },
};

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

async function main(): Promise<void> {
  if (ensureFdLimit()) return;
  const kinds = [SNAPSHOT_DIR ? oursWithSnapshots : ours, nodeMediaServer].filter((k) => SERVERS.includes(k.name));
  const available: PeerKind[] = [];
  for (const k of kinds) {
    const why = k.ensure();
    if (why) console.log(`!! ${k.name} is not available and is left out: ${why}`);
    else available.push(k);
  }
  console.log(`idle connections: N=${N}, each ${CREATE_STREAM ? 'handshake + connect + createStream' : 'handshake + connect'}, readings after a full GC; node ${process.version}`);
  const conns = await Connections.start();
  const readings: Reading[] = [];
  try {
    for (const k of available) readings.push(await measure(k, conns));
  } finally {
    conns.stop();
  }
  const per = (r: Reading, f: (m: GcMemory) => number): number => (f(r.after) - f(r.before)) / r.opened;
  console.log();
  console.log(
    table(
      ['server', 'connected', 'RSS before MiB', 'RSS with N MiB', 'RSS KiB/conn', 'heap total KiB/conn', 'heap used KiB/conn', 'external KiB/conn', '(of which arrayBuffers)', 'heap + external KiB/conn'],
      readings.map((r) => [
        r.server,
        r.opened,
        (r.before.rss / 2 ** 20).toFixed(1),
        (r.after.rss / 2 ** 20).toFixed(1),
        kib(per(r, (m) => m.rss)),
        kib(per(r, (m) => m.heapTotal)),
        kib(per(r, (m) => m.heapUsed)),
        kib(per(r, (m) => m.external)),
        kib(per(r, (m) => m.arrayBuffers)),
        kib(per(r, (m) => m.heapUsed + m.external)),
      ]),
    ),
  );
  const mine = readings.find((r) => r.server === ours.name);
  const nms = readings.find((r) => r.server === nodeMediaServer.name);
  if (mine) {
    const rss = per(mine, (m) => m.rss) / 1024;
    const held = per(mine, (m) => m.heapUsed + m.external) / 1024;
    console.log();
    console.log(`goal: ≤ ${GOAL_KIB} KiB per idle connection: RSS ${rss.toFixed(1)} KiB, heap + external ${held.toFixed(1)} KiB — ${rss <= GOAL_KIB ? 'OK' : 'NOT MET'}`);
    if (nms) console.log(`ours / node-media-server per connection: RSS ${(rss / (per(nms, (m) => m.rss) / 1024)).toFixed(2)}×, heap + external ${(held / (per(nms, (m) => m.heapUsed + m.external) / 1024)).toFixed(2)}×`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
