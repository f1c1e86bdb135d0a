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
import { Server, type ServerConfig, type ServerConnection } from '../../lib/server/index.js';
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
  await Promise.all([...openServers].map((s) => s.close({ timeout: 200 })));
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

/** How the server closed one connection, and the line it logged about it (if it closed with an error). */
export interface ServerClose {
  id: string;
  err: Error | undefined;
  logLine: string | undefined;
}

/**
 * The server's side of each connection it starts, for a client to look up by its own local port.
 *
 * A port alone does not name a connection: once a connection closes, the OS may give its port to
 * the next one at once (on loopback even while the old pair sits in TIME_WAIT), and the client's
 * `localPort` reads undefined after its socket closed, so a table keyed by port alone ends up
 * handing a client the verdict of an earlier connection from the same port. Hence: a client takes
 * a `mark()` before it connects and claims, by port, the first connection the server started
 * after that mark (one from the same port started earlier belongs to a connection that had closed
 * before this client began). Each started connection is claimed once; claiming forgets it.
 */
export class ServerCloses {
  private started = 0;
  private readonly resolvers = new Map<ServerConnection, (close: ServerClose) => void>();
  /** Started connections not claimed yet, by the client's port, oldest first. */
  private readonly unclaimed = new Map<number, Array<{ seq: number; closed: Promise<ServerClose> }>>();
  /** Clients waiting for the server to start their connection, by port. */
  private readonly waiting = new Map<number, Array<{ since: number; resolve(closed: Promise<ServerClose>): void }>>();

  /** `logger`: the server's (recording) logger, searched for the close line and trimmed past 1000 lines. */
  constructor(server: Server, private readonly logger?: { lines: LogLine[] }) {
    server.on('connection', (conn) => this.onStarted(conn));
    server.on('disconnect', (conn, err) => this.onClosed(conn, err));
  }

  /** Call before connecting; pass the result to `closeOf`. */
  mark(): number {
    return this.started;
  }

  /** How the server closed the connection from `localPort` it started after `since` (a `mark()`). */
  closeOf(localPort: number, since: number): Promise<ServerClose> {
    const list = this.unclaimed.get(localPort);
    const index = list ? list.findIndex((e) => e.seq >= since) : -1;
    if (index >= 0) {
      const [entry] = list!.splice(index, 1);
      if (list!.length === 0) this.unclaimed.delete(localPort);
      return entry!.closed;
    }
    return new Promise((resolve) => {
      const waiters = this.waiting.get(localPort) ?? [];
      waiters.push({ since, resolve });
      this.waiting.set(localPort, waiters);
    });
  }

  /** Started connections no client has claimed. */
  get unclaimedCount(): number {
    let n = 0;
    for (const list of this.unclaimed.values()) n += list.length;
    return n;
  }

  private onStarted(conn: ServerConnection): void {
    const port = conn.remotePort;
    if (port === undefined) return;
    const seq = this.started++;
    const closed = new Promise<ServerClose>((resolve) => this.resolvers.set(conn, resolve));
    const waiters = this.waiting.get(port);
    const index = waiters ? waiters.findIndex((w) => w.since <= seq) : -1;
    if (index >= 0) {
      const [waiter] = waiters!.splice(index, 1);
      if (waiters!.length === 0) this.waiting.delete(port);
      waiter!.resolve(closed);
      return;
    }
    const list = this.unclaimed.get(port) ?? [];
    list.push({ seq, closed });
    this.unclaimed.set(port, list);
  }

  private onClosed(conn: ServerConnection, err: Error | undefined): void {
    const resolve = this.resolvers.get(conn);
    if (!resolve) return;
    this.resolvers.delete(conn);
    const prefix = `connection ${conn.id} `;
    const lines = this.logger?.lines ?? [];
    const logLine = [...lines].reverse().find((l) => l.text.startsWith(prefix) && l.text.includes(' closed: '))?.text;
    if (lines.length > 1000) lines.length = 0;
    resolve({ id: conn.id, err, logLine });
  }
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
    // RawClient keeps every event it got; over a long run (RTMP_SOAK) that alone outgrows the
    // fault tests' heap bound. The pair reads through the queue, so the log can go.
    this.player.received.length = 0;
    this.publisher.received.length = 0;
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
