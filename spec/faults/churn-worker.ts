/**
 * Churn worker (issue 5, item 3), run in its own node process by churn.spec.ts (or by hand:
 * `node --expose-gc --import tsx spec/faults/churn-worker.ts`) so its RSS and handles are its own.
 *
 * A server and its clients in this process go through connect/publish/play/close sessions, several
 * at once: a publisher on a fresh name, 0–3 players of it, a few frames that every player must
 * receive, then everyone leaves in a seeded order, some politely (close), some abruptly (TCP reset),
 * plus bare connections that leave right after connect and sockets that leave mid-handshake.
 * A warm-up round of the same size runs first and the baseline (memory after GC, active handles)
 * is taken after it: what the allocator and V8 keep from a churn's peak (malloc arenas, the grown
 * young generation, compiled code) is then in the baseline, and what the measured round adds to it
 * is what leaks. (With a 200-connection warm-up, RSS after the round was 3-7 % above the baseline
 * with nothing leaking; after a warm-up of the same size, -2.5..+6 %.)
 * At the end it waits for the server to report everything gone, GCs, and prints one JSON line.
 *
 * Environment: CHURN_CONNECTIONS (default 2000; RTMP_SOAK=1: 50,000), CHURN_WARMUP (warm-up
 * connections, default the same as CHURN_CONNECTIONS, at most 2000), CHURN_MS (time bound of each
 * round, default 180 s; RTMP_SOAK=1: 20 min), CHURN_SEED, CHURN_IN_FLIGHT (default 8).
 */
import { once } from 'node:events';
import net from 'node:net';
import { performClientHandshake } from '../../lib/handshake/socket.js';
import { Server } from '../../lib/server/index.js';
import { createPrng, type Prng } from '../helpers/prng.js';
import { RawClient } from '../helpers/raw-client.js';
import { interframe, keyframe } from '../server/media-fixtures.js';

export interface ChurnReport {
  connections: number;
  sessions: number;
  abrupt: number;
  elapsedMs: number;
  warmupConnections: number;
  rssStart: number;
  rssBaseline: number;
  rssPeak: number;
  rssEnd: number;
  heapBaseline: number;
  heapEnd: number;
  /** V8's committed heap (used or not) at the baseline and the end. */
  heapTotalBaseline: number;
  heapTotalEnd: number;
  /** Memory V8 does not manage that JS objects hold (Buffers included), at the baseline and the end. */
  externalBaseline: number;
  externalEnd: number;
  handlesBaseline: Record<string, number>;
  handlesEnd: Record<string, number>;
  connectionCountEnd: number;
  registryEnd: number;
  errors: string[];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function settleGc(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc!();
    await new Promise<void>((resolve) => setTimeout(resolve, 20)); // let freed buffers and handles go
  }
}

/** Waits (bounded) until `condition` holds: for state no event reports. */
async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) return false;
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Like raw-client's connectRaw, with Nagle off: churn is round trips, and Nagle + delayed ACK adds 40 ms to many. */
async function connectRaw(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const { rest } = await performClientHandshake(socket, { timeout: 5000 });
  const client = new RawClient(socket, { readTimeout: 0, writeTimeout: 0 });
  client.enableQueue();
  client.start(rest);
  return client;
}

async function rawPublisher(port: number, name: string): Promise<{ client: RawClient; streamId: number }> {
  const client = await connectRaw(port);
  await client.connect();
  const streamId = await client.createStream();
  client.command('publish', 0, null, [name, 'live'], streamId);
  const status = await client.nextStatus();
  if (status.code !== 'NetStream.Publish.Start') throw new Error(`publish answered ${status.code}`);
  return { client, streamId };
}

async function rawPlayer(port: number, name: string): Promise<RawClient> {
  const client = await connectRaw(port);
  await client.connect();
  const streamId = await client.createStream();
  client.command('play', 0, null, [name, -2, -1, true], streamId);
  while ((await client.nextStatus()).code !== 'NetStream.Play.Start');
  return client;
}

async function leave(client: RawClient, abrupt: boolean): Promise<void> {
  if (client.closed) return;
  const closed = once(client, 'close');
  if (abrupt) (client.socket as net.Socket).resetAndDestroy();
  else void client.close({ timeout: 2000 });
  await closed;
}

interface Counters {
  connections: number;
  sessions: number;
  abrupt: number;
}

async function session(port: number, index: number, prng: Prng, counters: Counters): Promise<void> {
  const kind = prng.int(10);
  if (kind === 0) {
    // A socket that leaves mid-handshake.
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(Buffer.alloc(1 + prng.int(1536), 3));
    const closed = once(socket, 'close');
    socket.resetAndDestroy();
    await closed;
    counters.connections++;
    counters.abrupt++;
    return;
  }
  if (kind === 1) {
    // Connect, then leave.
    const client = await connectRaw(port);
    await client.connect();
    const abrupt = prng.int(2) === 0;
    await leave(client, abrupt);
    counters.connections++;
    if (abrupt) counters.abrupt++;
    return;
  }
  const name = `churn-${index}`;
  const { client: pub, streamId } = await rawPublisher(port, name);
  const players: RawClient[] = [];
  const playerCount = prng.int(4);
  for (let i = 0; i < playerCount; i++) players.push(await rawPlayer(port, name));
  const frames = 3 + prng.int(6);
  for (let f = 0; f < frames; f++) {
    pub.send({ kind: 'video', streamId, timestamp: f * 40, payload: f === 0 ? keyframe(f, 1000) : interframe(f, 1000 + prng.int(4000)) });
  }
  for (const player of players) {
    for (let got = 0; got < frames; ) {
      const e = await player.next((ev) => ev.kind === 'video');
      if (e.timestamp !== got * 40) throw new Error(`${name}: frame at ${e.timestamp}, expected ${got * 40}`);
      got++;
    }
  }
  // Leave in a seeded order: the publisher first or last, each politely or abruptly.
  const everyone = prng.int(2) === 0 ? [pub, ...players] : [...players, pub];
  for (const client of everyone) {
    const abrupt = prng.int(3) === 0;
    await leave(client, abrupt);
    counters.connections++;
    if (abrupt) counters.abrupt++;
  }
  counters.sessions++;
}

async function churn(port: number, prng: Prng, target: number, deadline: number, inFlight: number, counters: Counters): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (counters.connections < target && Date.now() < deadline) await session(port, next++, prng, counters);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function main(): Promise<void> {
  const soak = process.env.RTMP_SOAK === '1';
  const target = Number(process.env.CHURN_CONNECTIONS ?? (soak ? 50_000 : 2000));
  const budget = Number(process.env.CHURN_MS ?? (soak ? 1_200_000 : 180_000));
  const warmup = Number(process.env.CHURN_WARMUP ?? Math.min(target, 2000));
  const inFlight = Number(process.env.CHURN_IN_FLIGHT ?? 8);
  const prng = createPrng(Number(process.env.CHURN_SEED ?? 0xc4e2));
  const errors: string[] = [];
  process.on('uncaughtException', (err) => errors.push(`uncaught: ${String(err)}`));
  process.on('unhandledRejection', (err) => errors.push(`unhandled: ${String(err)}`));
  const rssStart = process.memoryUsage().rss;

  const server = new Server({ addr: '127.0.0.1:0', maxConnections: 10_000 });
  await server.listen();
  const port = server.address()!.port;

  const warm: Counters = { connections: 0, sessions: 0, abrupt: 0 };
  await churn(port, prng, warmup, Date.now() + budget, inFlight, warm);
  await until(() => server.connectionCount === 0, 5000);
  await settleGc();
  const rssBaseline = process.memoryUsage().rss;
  const heapBaseline = process.memoryUsage().heapUsed;
  const heapTotalBaseline = process.memoryUsage().heapTotal;
  const externalBaseline = process.memoryUsage().external;
  const handlesBaseline = handles();

  const counters: Counters = { connections: 0, sessions: 0, abrupt: 0 };
  let rssPeak = rssBaseline;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const started = Date.now();
  try {
    await churn(port, prng, target, started + budget, inFlight, counters);
  } catch (err) {
    errors.push(`churn: ${String((err as Error).stack ?? err)}`);
  }
  const elapsedMs = Date.now() - started;
  clearInterval(sampler);

  await until(() => server.connectionCount === 0 && server.registry.list().length === 0, 5000);
  const connectionCountEnd = server.connectionCount;
  const registryEnd = server.registry.list().length;
  // Handles: closed sockets leave libuv a few turns after 'close'.
  const same = (): boolean => JSON.stringify(handles()) === JSON.stringify(handlesBaseline);
  await until(same, 3000);
  await settleGc();
  const report: ChurnReport = {
    connections: counters.connections,
    sessions: counters.sessions,
    abrupt: counters.abrupt,
    elapsedMs,
    warmupConnections: warm.connections,
    rssStart,
    rssBaseline,
    rssPeak,
    rssEnd: process.memoryUsage().rss,
    heapBaseline,
    heapEnd: process.memoryUsage().heapUsed,
    heapTotalBaseline,
    heapTotalEnd: process.memoryUsage().heapTotal,
    externalBaseline,
    externalEnd: process.memoryUsage().external,
    handlesBaseline,
    handlesEnd: handles(),
    connectionCountEnd,
    registryEnd,
    errors,
  };
  await server.close({ timeout: 1000 });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ errors: [`main: ${String((err as Error).stack ?? err)}`] })}\n`);
  process.exitCode = 1;
});
