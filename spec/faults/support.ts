/**
 * Shared support for the fault, churn and network-fuzz tests (issue 5): a server on a loopback
 * port with a logger that records, raw sockets that stop at a chosen point of the handshake, a
 * bounded poll for conditions no event announces, and a forced GC for "is it freed" checks.
 */
import { once } from 'node:events';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MediaEvent, RtmpEvent } from '../../lib/command/events.js';
import { performClientHandshake } from '../../lib/handshake/socket.js';
import type { Logger } from '../../lib/logger.js';
import { Server, type ServerConfig } from '../../lib/server/index.js';
import { closeAll, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { interframe, keyframe } from '../server/media-fixtures.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  text: string;
}

/** A Logger that keeps every line (bounded: the oldest half goes past `max`). */
export function recordingLogger(max = 100_000): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (...args: unknown[]): void => {
    lines.push({ level, text: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' ') });
    if (lines.length > max) lines.splice(0, max / 2);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// Everything a test opened, so a failing or timed-out test cannot leave the file hanging.
const openServers = new Set<Server>();
const openSockets = new Set<net.Socket>();

/** afterEach: close every server (which closes its clients) and socket a test left open. */
export async function releaseAll(): Promise<void> {
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
  await Promise.all([...openServers].map((s) => s.close(200)));
  openServers.clear();
}

/** A listening server on 127.0.0.1 and a free port. */
export async function listening(config: ServerConfig = {}): Promise<{ server: Server; port: number }> {
  const server = new Server({ addr: '127.0.0.1:0', ...config });
  openServers.add(server);
  await server.listen();
  return { server, port: server.address()!.port };
}

/** A connected TCP socket to the server (no RTMP yet). Errors are swallowed: tests watch 'close'. */
export async function tcpConnect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  openSockets.add(socket);
  socket.once('close', () => openSockets.delete(socket));
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** A socket that completed the client handshake: what follows is the chunk stream. */
export async function handshaken(port: number): Promise<{ socket: net.Socket; rest: Buffer }> {
  const socket = await tcpConnect(port);
  const { rest } = await performClientHandshake(socket, { timeout: 5000 });
  return { socket, rest };
}

/**
 * Polls `condition` every few ms until it holds; rejects after `timeoutMs` with `what`. For state
 * no event reports (a server's bookkeeping after a peer vanished).
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

let gcFunction: (() => void) | undefined;
/** A full GC (node:test runs without --expose-gc, so the flag is set at run time). */
export function forceGc(): void {
  if (!gcFunction) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) gcFunction = existing;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/** Whether every WeakRef target was collected (a few GC rounds, a macrotask apart so WeakRefs clear). */
export async function collected(refs: Array<WeakRef<object>>, rounds = 10): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    forceGc();
    if (refs.every((r) => r.deref() === undefined)) return true;
  }
  return false;
}

export const isMedia = (e: RtmpEvent): e is MediaEvent => e.kind === 'audio' || e.kind === 'video';

/** TCP handles (sockets and listeners) this process holds right now. */
export { tcpHandles } from '../helpers/ffmpeg.js';

/**
 * A publisher and a player of one stream that keep exchanging numbered frames: the "other
 * connection" every fault test watches. Each frame carries its sequence number; the player must
 * get every one, in order, with the timestamp it was sent with.
 */
export class SteadyPair {
  sent = 0;
  received = 0;
  private running: Promise<void> | undefined;
  private stopping = false;

  private constructor(
    readonly publisher: RawClient,
    readonly publisherStreamId: number,
    readonly player: RawClient,
    readonly name: string,
  ) {}

  static async open(port: number, name = 'steady', app = 'steady'): Promise<SteadyPair> {
    const { client: publisher, streamId } = await rawPublisher(port, name, app);
    const { client: player } = await rawPlayer(port, name, app);
    return new SteadyPair(publisher, streamId, player, name);
  }

  /** Sends `count` frames (up to 4 in flight) and waits until the player has every one. */
  async exchange(count = 8): Promise<void> {
    const target = this.sent + count;
    while (this.sent < target) {
      while (this.sent < target && this.sent - this.received < 4) this.sendOne();
      await this.receiveOne();
    }
    while (this.received < this.sent) await this.receiveOne();
  }

  /** Exchanges frames in the background until `stop()`; resolves the rounds' failures there. */
  startBackground(): void {
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) await this.exchange(4);
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await closeAll(this.publisher, this.player);
  }

  private sendOne(): void {
    const seq = this.sent++;
    const payload = seq % 16 === 0 ? keyframe(seq, 64) : interframe(seq, 64);
    payload.writeUInt32BE(seq, 5);
    this.publisher.send({ kind: 'video', streamId: this.publisherStreamId, timestamp: seq * 40, payload });
  }

  private async receiveOne(): Promise<void> {
    const event = await nextMedia(this.player);
    const seq = event.payload.readUInt32BE(5);
    if (seq !== this.received || event.timestamp !== (seq * 40) >>> 0) {
      throw new Error(`steady player expected frame ${this.received}, got ${seq} at ${event.timestamp} ms`);
    }
    this.received++;
  }
}

/** Resolves when the socket has closed (`events.once` would reject on an 'error' such as ECONNRESET). */
export function closedOf(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** The client's next audio or video message (others are skipped; they stay in `received`). */
export function nextMedia(client: RawClient): Promise<MediaEvent> {
  return client.next(isMedia) as Promise<MediaEvent>;
}
