/**
 * Our Server in a child process of its own, so a bench can read its CPU seconds and peak RSS from
 * /proc. Started with fork() (IPC channel): sends { port } once listening, then answers
 *   'stats' → { connections, players, dropped, budgetClosed, pauses, pausedMs }   (dropped: media messages
 *             players lost to overflow; budgetClosed: connections the memory budget closed; pauses,
 *             pausedMs: times flow control held a publisher, and for how long, streams still listed)
 *   'gc'    → process.memoryUsage()      (after a full GC; needs --expose-gc)
 *   'heap-snapshot' → { file }           (v8.writeHeapSnapshot into BENCH_SNAPSHOT_DIR, after a full GC)
 *   'stop'  → closes the server and exits (so --cpu-prof can write its profile)
 *   'heap-sample-start' / 'heap-sample-stop' → sampling heap profile (FANOUT_HEAP), the profile in the stop reply
 * Exits by itself when the parent goes away. Environment: BENCH_MAX_PLAYER_BACKLOG (bytes),
 * BENCH_ACK_WINDOW (bytes: limits.fanout.ackWindow, 0 to send none),
 * BENCH_GOP_CACHE=0 (no GOP cache), BENCH_PULL=rtmp://origin/app (an edge: relay pull, bench/relay.bench.ts), BENCH_MEM_PEAK=1 (the
 * memory's make-up at its peak, printed at exit); Node flags for this child only go in BENCH_CHILD_ARGS
 * (e.g. "--trace-gc", see child-server.ts).
 */
import type { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Server } from '../../lib/server/server.js';

const server = new Server({
  addr: '127.0.0.1:0',
  maxConnections: 100_000,
  // The bench's players read as fast as they can: no pings or write timeouts during a run.
  readTimeout: 0,
  writeTimeout: 0,
  gopCache: process.env.BENCH_GOP_CACHE !== '0',
  limits: {
    maxPlayerBacklog: process.env.BENCH_MAX_PLAYER_BACKLOG ? Number(process.env.BENCH_MAX_PLAYER_BACKLOG) : undefined,
    fanout: process.env.BENCH_ACK_WINDOW ? { ackWindow: Number(process.env.BENCH_ACK_WINDOW) } : undefined,
  },
  relay: process.env.BENCH_PULL ? { pull: [process.env.BENCH_PULL], client: { readTimeout: 0, writeTimeout: 0 } } : undefined,
});
server.on('error', () => {});

function dropped(): number {
  let total = 0;
  for (const conn of server.connections) for (const s of conn.subscribers) total += s.stats.droppedMessages;
  return total;
}

function players(): number {
  let total = 0;
  for (const conn of server.connections) total += conn.subscribers.length;
  return total;
}

/** Loaded only for FANOUT_HEAP: the inspector module alone adds ~2 MiB of RSS to every run. */
let heapSession: Session | undefined;

process.on('message', (msg: string) => {
  if (msg === 'stats') {
    const flows = server.registry.list().map((s) => s.flow.stats);
    process.send!({
      kind: 'stats',
      connections: server.connectionCount,
      players: players(),
      dropped: dropped(),
      budgetClosed: server.memory.stats().closedConnections,
      pauses: flows.reduce((n, f) => n + f.pauses, 0),
      pausedMs: flows.reduce((n, f) => n + f.pausedMs, 0),
    });
  } else if (msg === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.send!({ kind: 'gc', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers });
  } else if (msg === 'heap-snapshot') {
    // bench/idle.bench.ts IDLE_SNAPSHOT: where the memory of idle connections goes.
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ kind: 'heap-snapshot', file: writeHeapSnapshot(join(process.env.BENCH_SNAPSHOT_DIR ?? tmpdir(), `server-${Date.now()}.heapsnapshot`)) });
  } else if (msg === 'heap-sample-start') {
    // Allocations that outlive a scavenge (promoted, then freed by a mark-compact or still alive).
    void startHeapSampling();
  } else if (msg === 'heap-sample-stop') {
    heapSession!.post('HeapProfiler.stopSampling', (err, result) => {
      process.send!({ kind: 'heap-sample-stop', profile: err ? null : (result as { profile: unknown }).profile });
      heapSession!.disconnect();
    });
  } else if (msg === 'stop') {
    const hardStop = setTimeout(() => process.exit(0), 3000);
    hardStop.unref();
    server.close({ timeout: 1000 }).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

async function startHeapSampling(): Promise<void> {
  const { Session } = await import('node:inspector');
  heapSession = new Session();
  heapSession.connect();
  heapSession.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false } as object, () => {
    process.send!({ kind: 'heap-sample-start' });
  });
}

await server.listen();
process.send!({ kind: 'listening', port: server.address()!.port });

// BENCH_MEM_PEAK=1: what the memory is made of at its peak (docs/performance.md, issue 10). Samples
// process.memoryUsage() and V8's heap spaces every 2 ms; at exit prints, in MiB, each one's maximum
// and all of them at the moment RSS was highest.
if (process.env.BENCH_MEM_PEAK) {
  const { getHeapSpaceStatistics } = await import('node:v8');
  const sample = (): Record<string, number> => {
    const all: Record<string, number> = { ...process.memoryUsage() };
    for (const space of getHeapSpaceStatistics()) all[space.space_name] = space.physical_space_size;
    return all;
  };
  const highest: Record<string, number> = {};
  let atRssPeak: Record<string, number> = { rss: 0 };
  setInterval(() => {
    const now = sample();
    for (const [name, bytes] of Object.entries(now)) highest[name] = Math.max(highest[name] ?? 0, bytes);
    if (now.rss! >= atRssPeak.rss!) atRssPeak = now;
  }, 2).unref();
  const inMiB = (all: Record<string, number>): string => Object.entries(all).map(([name, bytes]) => `${name}=${(bytes / 1048576).toFixed(1)}`).join(' ');
  process.on('exit', () => process.stderr.write(`memory, each at its highest (MiB): ${inMiB(highest)}\nmemory at the RSS peak (MiB): ${inMiB(atRssPeak)}\n`));
}
