/**
 * Issue 11, attacks on memory and on the event loop (items 1, 2, 3 and 9), each against the
 * default config with a healthy publisher and player streaming beside the attacker. Each test
 * asserts the bound it claims: memory growth while the attacker holds its bytes, the healthy
 * player's longest wait between two frames, the event loop's longest delay, how the attacker was
 * closed, and memory once the attackers are gone.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type net from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import type { RtmpEvent } from '../../lib/command/events.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { MessageType } from '../../lib/message/message-type.js';
import type { Server, ServerConnection } from '../../lib/server/index.js';
import { DEFAULT_MEMORY_BUDGET } from '../../lib/server/memory-budget.js';
import { SteadyPair, closedOf, forceGc, handshaken, isMedia, listening, releaseAll, waitFor } from './support.js';

const MiB = 1024 * 1024;

/** Set Chunk Size `size` (csid 2, type 1). */
function setChunkSize(size: number): Buffer {
  const b = Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32BE(size, 12);
  return b;
}

/** A fmt 0 header on csid 3 for a message of `length` bytes and `type`, message stream 1. */
function header(length: number, type: number): Buffer {
  return Buffer.from([0x03, 0, 0, 0, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, type, 1, 0, 0, 0]);
}

/** `length` bytes of a message's payload at chunk size 1 after its first byte: 0xC3 before each. */
function oneByteChunks(first: number, count: number): Buffer {
  const out = Buffer.alloc(1 + 2 * (count - 1));
  out[0] = first;
  for (let i = 1, p = 1; i < count; i++, p += 2) out[p] = 0xc3;
  return out;
}

/** `payload` cut into chunks of `chunkSize` on csid 3 after a header: fmt 3 headers between. */
function chunked(payload: Buffer, chunkSize: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < payload.length; i += chunkSize) {
    if (i > 0) parts.push(Buffer.from([0xc3]));
    parts.push(payload.subarray(i, Math.min(payload.length, i + chunkSize)));
  }
  return Buffer.concat(parts);
}

/** An aggregate payload of `count` empty audio sub-messages (15 bytes each). */
function emptySubs(count: number): Buffer {
  const data = Buffer.alloc(count * 15);
  for (let i = 0; i < count; i++) {
    data[i * 15] = MessageType.Audio;
    data[i * 15 + 14] = 11;
  }
  return data;
}

/** An aggregate payload nested `depth` levels around one empty audio sub-message. */
function nestedAggregate(depth: number): Buffer {
  let inner: Buffer = emptySubs(1);
  for (let i = 1; i < depth; i++) {
    const outer = Buffer.alloc(inner.length + 15);
    outer[0] = MessageType.Aggregate;
    outer.writeUIntBE(inner.length, 1, 3);
    inner.copy(outer, 11);
    outer.writeUInt32BE(inner.length + 11, 11 + inner.length);
    inner = outer;
  }
  return inner;
}

/** Heap plus ArrayBuffer bytes in use after full GCs. */
async function heldMemory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    forceGc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The main thread's time on a CPU, in ns, is the first field (Linux with scheduler statistics). */
const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const hasSchedstat = existsSync(MAIN_THREAD_SCHEDSTAT);

/**
 * Wall-clock ms and the event loop's CPU ms now: the main thread's own time on a CPU. V8's
 * compiler and GC helper threads can run while the OS holds the main thread back, and that is no
 * stall (process-wide CPU counted them: a gap the OS made could look like work). Without
 * schedstat, the process's CPU (every thread).
 */
function clocks(): { wall: number; cpu: number } {
  if (hasSchedstat) {
    const ns = Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'utf8').split(' ', 1)[0]);
    return { wall: performance.now(), cpu: ns / 1e6 };
  }
  const { user, system } = process.cpuUsage();
  return { wall: performance.now(), cpu: (user + system) / 1000 };
}

/**
 * The longest gap between consecutive samples, as wall time and as the part of it the event loop
 * spent working: min(wall, main-thread CPU used meanwhile). On a shared machine the OS may not run this
 * process for a while (other tests, other processes); such a gap is long in wall time but costs
 * no CPU, and no attacker caused it. A gap filled by work (an attacker's bytes being parsed, GC)
 * costs CPU as long as it lasts, so the working part is what the bound is about.
 */
function longestGap(samples: Array<{ wall: number; cpu: number }>): { wallMs: number; workMs: number } {
  let wallMs = 0;
  let workMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const wall = samples[i]!.wall - samples[i - 1]!.wall;
    const work = Math.min(wall, samples[i]!.cpu - samples[i - 1]!.cpu);
    if (wall > wallMs) wallMs = wall;
    if (work > workMs) workMs = work;
  }
  return { wallMs, workMs };
}

/**
 * The healthy pair streaming in the background, with the player's frame arrivals timed and the
 * event loop sampled every 2 ms: `stop()` gives the longest wait between two frames and the
 * longest gap between two event-loop samples (each as wall time and as working time, see
 * `longestGap`), plus `perf_hooks`' event loop delay maximum (wall time).
 */
class Health {
  private arrivals: Array<{ wall: number; cpu: number }> = [];
  private ticks: Array<{ wall: number; cpu: number }> = [];
  private ticker: NodeJS.Timeout | undefined;
  private readonly histogram = monitorEventLoopDelay({ resolution: 5 });

  private constructor(readonly pair: SteadyPair) {
    const player = pair.player;
    const read = player.readEvent.bind(player);
    player.readEvent = async (): Promise<RtmpEvent | null> => {
      const event = await read();
      if (event && isMedia(event)) this.arrivals.push(clocks());
      return event;
    };
  }

  static async open(port: number): Promise<Health> {
    const pair = await SteadyPair.open(port);
    await pair.exchange(8);
    return new Health(pair);
  }

  start(): void {
    this.arrivals = [];
    this.ticks = [clocks()];
    this.ticker = setInterval(() => this.ticks.push(clocks()), 2);
    this.histogram.reset();
    this.histogram.enable();
    this.pair.startBackground();
  }

  async stop(): Promise<{ maxGapMs: number; maxGapWorkMs: number; frames: number; maxLoopDelayMs: number; maxLoopGapWorkMs: number }> {
    this.histogram.disable();
    clearInterval(this.ticker);
    this.ticks.push(clocks());
    await this.pair.stop();
    const frames = longestGap(this.arrivals);
    const loop = longestGap(this.ticks);
    return {
      maxGapMs: frames.wallMs,
      maxGapWorkMs: frames.workMs,
      frames: this.arrivals.length,
      maxLoopDelayMs: this.histogram.max / 1e6,
      maxLoopGapWorkMs: loop.workMs,
    };
  }
}

/** How a Health result reads in the figures. */
function describeHealth(h: Awaited<ReturnType<Health['stop']>>): string {
  return (
    `player's longest wait ${h.maxGapMs.toFixed(1)} ms (working ${h.maxGapWorkMs.toFixed(1)} ms) over ${h.frames} frames, ` +
    `event loop's longest delay ${h.maxLoopDelayMs.toFixed(1)} ms (working ${h.maxLoopGapWorkMs.toFixed(1)} ms)`
  );
}

/** The bounds beside an attacker, on the working part of each wait (see `longestGap`). */
function assertHealthy(h: Awaited<ReturnType<Health['stop']>>, boundMs: number): void {
  assert.ok(h.frames > 20, `the pair exchanged only ${h.frames} frames`);
  assert.ok(h.maxGapWorkMs < boundMs, `the healthy player waited ${h.maxGapWorkMs} ms of work for a frame (${h.maxGapMs} ms wall)`);
  assert.ok(h.maxLoopGapWorkMs < boundMs, `the event loop was held ${h.maxLoopGapWorkMs} ms (${h.maxLoopDelayMs} ms delay, wall)`);
}

/** The server's side of the next connection it starts. */
function nextConnection(server: Server): Promise<ServerConnection> {
  return new Promise((resolve) => server.once('connection', resolve));
}

/** The error the server closed each connection with (one 'disconnect' listener for all). */
const closeWatches = new WeakMap<Server, Map<ServerConnection, (err: Error | undefined) => void>>();
function closeOf(server: Server, conn: ServerConnection): Promise<Error | undefined> {
  let waiting = closeWatches.get(server);
  if (!waiting) {
    const map = new Map<ServerConnection, (err: Error | undefined) => void>();
    server.on('disconnect', (c, err) => {
      map.get(c)?.(err);
      map.delete(c);
    });
    closeWatches.set(server, map);
    waiting = map;
  }
  const map = waiting;
  return new Promise((resolve) => map.set(conn, resolve));
}

/** An inbound 'events' stage that counts what passes and passes it on. */
function counter(count: () => void): Transform {
  return new Transform({
    objectMode: true,
    transform(event: RtmpEvent, _enc, callback) {
      count();
      callback(null, event);
    },
  });
}

const figures: string[] = [];

describe('attacks on memory and the event loop, default config, a healthy pair beside', { timeout: 60_000 }, () => {
  afterEach(releaseAll);
  after(() => {
    for (const line of figures) console.log(`# ${line}`);
  });

  it('Set Chunk Size 1, then a 16 MB message in 1-byte chunks: memory grows by the payload, not per chunk; the pair keeps flowing', async () => {
    const { server, port } = await listening();
    const health = await Health.open(port);
    const payload = MiB; // of the 16 MB message: the bound is per byte, so a prefix shows it
    const wire = Buffer.concat([setChunkSize(1), header(0xffffff, MessageType.Video), oneByteChunks(0x17, payload)]);
    const started = nextConnection(server);
    const { socket } = await handshaken(port);
    const conn = await started;
    const before = await heldMemory();
    const rssBefore = process.memoryUsage().rss;
    health.start();
    const t0 = performance.now();
    socket.write(wire);
    await waitFor(() => conn.bytesReceived >= wire.length, 'the server to read the attack', 20_000);
    const parseMs = performance.now() - t0;
    const h = await health.stop();
    const growth = (await heldMemory()) - before;
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    figures.push(
      `1-byte chunks: ${payload} payload bytes (${wire.length} wire) held: heap+arrayBuffers +${(growth / MiB).toFixed(1)} MiB, ` +
        `rss +${(rssGrowth / MiB).toFixed(1)} MiB, read in ${parseMs.toFixed(0)} ms; ${describeHealth(h)}`,
    );
    // Before: one view per chunk, ~100 bytes of heap per payload byte (~100 MiB here).
    assert.ok(growth < 8 * MiB, `holding ${payload} bytes grew memory by ${growth}`);
    assert.ok(server.memory.stats().partialBytes <= 4 * payload, JSON.stringify(server.memory.stats()));
    assertHealthy(h, 100);
    // The attacker leaves: what it held goes.
    const closed = closeOf(server, conn);
    socket.destroy();
    await closed;
    assert.equal(server.memory.stats().partialBytes, 0);
    const left = (await heldMemory()) - before;
    assert.ok(left < 2 * MiB, `${left} bytes still held after the attacker left`);
    await health.pair.exchange(8);
    await health.pair.close();
  });

  it('an aggregate of 1.1 million empty sub-messages: ERR_MESSAGE_AGGREGATE_TOO_MANY, no stall of the pair', async () => {
    const { server, port } = await listening();
    const health = await Health.open(port);
    const count = Math.floor(0xffffff / 15); // 1 118 481 sub-messages: 16 MiB - 1
    const aggregate = emptySubs(count);
    const wire = Buffer.concat([setChunkSize(65536), header(aggregate.length, MessageType.Aggregate), chunked(aggregate, 65536)]);
    const rssBefore = process.memoryUsage().rss;
    const started = nextConnection(server);
    const { socket } = await handshaken(port);
    const conn = await started;
    const closed = closeOf(server, conn);
    health.start();
    const t0 = performance.now();
    socket.write(wire);
    const err = await closed;
    const closeMs = performance.now() - t0;
    const h = await health.stop();
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    figures.push(
      `aggregate of ${count} empty sub-messages (${aggregate.length} bytes): closed ${err && (err as { code?: string }).code} after ` +
        `${closeMs.toFixed(0)} ms, rss +${(rssGrowth / MiB).toFixed(1)} MiB; ${describeHealth(h)}`,
    );
    assert.ok(isRtmpError(err, ErrorCode.MESSAGE_AGGREGATE_TOO_MANY), String(err));
    assert.ok(closeMs < 5000, `closed after ${closeMs} ms`);
    assertHealthy(h, 100);
    // The message itself (16 MiB) and read buffers, not an object per sub-message (was 1.4 GB).
    assert.ok(rssGrowth < 128 * MiB, `rss grew by ${rssGrowth}`);
    await closedOf(socket);
    await health.pair.exchange(8);
    await health.pair.close();
  });

  it('aggregates at the limit (65536 sub-messages each, back to back) flow without stalling the pair', async () => {
    const { server, port } = await listening();
    const health = await Health.open(port);
    const aggregate = emptySubs(65536);
    const one = Buffer.concat([header(aggregate.length, MessageType.Aggregate), chunked(aggregate, 65536)]);
    const rounds = 8;
    const wire = Buffer.concat([setChunkSize(65536), ...Array.from({ length: rounds }, () => one)]);
    const started = nextConnection(server);
    const { socket } = await handshaken(port);
    const conn = await started;
    let events = 0;
    // Count what reaches the connection's own logic: every sub-message is delivered.
    conn.splice('inbound', 'events', counter(() => events++));
    health.start();
    const t0 = performance.now();
    socket.write(wire);
    await waitFor(() => events >= rounds * 65536, `${rounds * 65536} sub-message events`, 30_000);
    const ms = performance.now() - t0;
    const h = await health.stop();
    figures.push(
      `${rounds} aggregates of 65536 sub-messages: ${events} events in ${ms.toFixed(0)} ms; ${describeHealth(h)}`,
    );
    assert.equal(conn.closed, false);
    assertHealthy(h, 100);
    socket.destroy();
    await health.pair.exchange(8);
    await health.pair.close();
  });

  it('nested aggregates (2 and 10 000 deep): ERR_MESSAGE_AGGREGATE_NESTED, not a stack overflow', async () => {
    const { server, port } = await listening();
    const health = await Health.open(port);
    for (const depth of [2, 10_000]) {
      const aggregate = nestedAggregate(depth);
      const started = nextConnection(server);
      const { socket } = await handshaken(port);
      const conn = await started;
      const closed = closeOf(server, conn);
      socket.write(Buffer.concat([setChunkSize(65536), header(aggregate.length, MessageType.Aggregate), chunked(aggregate, 65536)]));
      const err = await closed;
      assert.ok(isRtmpError(err, ErrorCode.MESSAGE_AGGREGATE_NESTED), `depth ${depth}: ${String(err)}`);
      await closedOf(socket);
    }
    await health.pair.exchange(8);
    await health.pair.close();
  });

  it('limits.aggregate is settable on the server: nesting allowed to depth 2, at most 10 sub-messages', async () => {
    const { server, port } = await listening({ limits: { aggregate: { maxMessages: 10, maxDepth: 2 } } });
    const send = async (aggregate: Buffer): Promise<{ conn: ServerConnection; socket: net.Socket }> => {
      const started = nextConnection(server);
      const { socket } = await handshaken(port);
      const conn = await started;
      socket.write(Buffer.concat([header(aggregate.length, MessageType.Aggregate), chunked(aggregate, 128)]));
      return { conn, socket };
    };
    // Depth 2 is within the limit: the connection delivers its sub-message and stays open.
    const nested = await send(nestedAggregate(2));
    let events = 0;
    nested.conn.splice('inbound', 'events', counter(() => events++));
    await waitFor(() => events >= 1, 'the nested sub-message');
    assert.equal(nested.conn.closed, false);
    const tooMany = await send(emptySubs(11));
    const err = await closeOf(server, tooMany.conn);
    assert.ok(isRtmpError(err, ErrorCode.MESSAGE_AGGREGATE_TOO_MANY), String(err));
    nested.socket.destroy();
  });

  it('30 connections each holding a large partial message: the budget closes the largest, the rest and the pair keep working, memory returns', async () => {
    const { server, port } = await listening();
    const health = await Health.open(port);
    const length = 0xffffff;
    const sent = 10 * MiB;
    const wire = Buffer.concat([setChunkSize(65536), header(length, MessageType.Video), chunked(Buffer.alloc(sent, 7), 65536)]);
    const before = await heldMemory();
    const rssBefore = process.memoryUsage().rss;
    const attackers: Array<{ socket: net.Socket; conn: ServerConnection; closed: Promise<Error | undefined> }> = [];
    health.start();
    for (let i = 0; i < 30; i++) {
      const started = nextConnection(server);
      const { socket } = await handshaken(port);
      const conn = await started;
      attackers.push({ socket, conn, closed: closeOf(server, conn) });
      socket.write(wire);
    }
    // Every attacker is either closed by the budget or fully read by the server.
    await waitFor(
      () => attackers.every(({ conn }) => conn.closed || conn.bytesReceived >= wire.length),
      'every attacker read or closed',
      30_000,
    );
    const h = await health.stop();
    const stats = server.memory.stats();
    const peakRss = process.memoryUsage().rss - rssBefore;
    const budgetClosed = attackers.filter(({ conn }) => conn.closed);
    for (const { closed } of budgetClosed) {
      const err = await closed;
      assert.ok(isRtmpError(err, ErrorCode.MEMORY_BUDGET), String(err));
    }
    figures.push(
      `30 x ${sent / MiB} MiB of a 16 MiB message: budget ${DEFAULT_MEMORY_BUDGET / MiB} MiB closed ${stats.closedConnections}, ` +
        `${(stats.partialBytes / MiB).toFixed(0)} MiB held after, rss +${(peakRss / MiB).toFixed(0)} MiB; ${describeHealth(h)}`,
    );
    assert.ok(stats.partialBytes <= DEFAULT_MEMORY_BUDGET, JSON.stringify(stats));
    // Before: ~1.1 GB for 30 x 32 MiB. Now the budget plus the reads in flight.
    assert.ok(peakRss < DEFAULT_MEMORY_BUDGET + 128 * MiB, `rss grew by ${peakRss}`);
    assert.equal(stats.closedConnections, budgetClosed.length);
    assert.ok(budgetClosed.length >= 10 && budgetClosed.length < 30, `${budgetClosed.length} closed`);
    // Thirty attackers sending 300 MiB at once share the CPU with the pair: a looser bound than
    // the 100 ms that holds beside one attacker.
    assertHealthy(h, 300);
    // The attackers leave: memory returns.
    for (const { socket } of attackers) socket.destroy();
    await waitFor(() => attackers.every(({ conn }) => conn.closed), 'every attacker closed');
    await waitFor(() => server.memory.stats().partialBytes === 0, 'partial bytes released');
    const left = (await heldMemory()) - before;
    const rssLeft = process.memoryUsage().rss - rssBefore;
    figures.push(`after the 30 attackers left and a GC: heap+arrayBuffers +${(left / MiB).toFixed(1)} MiB, rss +${(rssLeft / MiB).toFixed(0)} MiB`);
    assert.ok(left < 16 * MiB, `${left} bytes still held after the attackers left`);
    // RSS also depends on what the allocator keeps of freed pages (3..125 MiB seen); before: ~270 MB.
    assert.ok(rssLeft < 200 * MiB, `rss still ${rssLeft} bytes above the start after the attackers left`);
    await health.pair.exchange(8);
    await health.pair.close();
  });
});
