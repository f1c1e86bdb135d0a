/**
 * A scripted RTMP server for client tests, built from the library's own pieces: a TCP (or TLS)
 * listener, `performServerHandshake`, and an `RtmpConnection` per accepted socket with taps at the
 * message boundary in both directions, so a test sees exactly which message types crossed the wire.
 * The script gets each connection and its events; `standardReplies` answers what servers answer.
 */
import { AssertionError } from 'node:assert';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { performServerHandshake } from '../../lib/handshake/index.js';
import type { Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { RtmpConnection } from '../../lib/session/connection.js';

export interface FakeConnection {
  conn: RtmpConnection;
  /** Every message the client sent, in order (inbound message boundary). */
  received: Message[];
  /** Every message this server sent, in order (outbound message boundary). */
  sent: Message[];
  /** Every event the client sent that reached the script, in order. */
  events: RtmpEvent[];
  /** Next event matching `pred` (events are consumed in order by the script's loop). */
  next(pred?: (e: RtmpEvent) => boolean): Promise<RtmpEvent>;
  nextCommand(name: string): Promise<CommandEvent>;
  /** Every event from the `next()` cursor on (independent of it), ending when the connection closes. */
  stream(): AsyncGenerator<RtmpEvent>;
  /** The first event ever received that matches (waiting for it), regardless of the cursor. */
  find(pred: (e: RtmpEvent) => boolean): Promise<RtmpEvent>;
}

export type Script = (c: FakeConnection) => void | Promise<void>;

export interface FakeServer {
  port: number;
  url(path: string, scheme?: 'rtmp' | 'rtmps'): string;
  connections: FakeConnection[];
  /** Resolves with the n-th accepted connection (0-based) once its handshake is done. */
  connection(n: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

function tap(into: Message[]): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: 64,
    transform(message: Message, _enc, callback) {
      into.push(message);
      callback(null, message);
    },
  });
}

export async function startFakeServer(script: Script, options: { tls?: tls.TlsOptions } = {}): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const waiting = new Map<number, (c: FakeConnection) => void>();
  const sockets = new Set<net.Socket>();
  // A script's failed assertion must fail the test: close() rethrows the first one (a script that
  // merely ends because the client went away is not a failure).
  const failures: AssertionError[] = [];
  const onSocket = async (socket: net.Socket): Promise<void> => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let rest: Buffer;
    try {
      ({ rest } = await performServerHandshake(socket, { timeout: 5000 }));
    } catch {
      socket.destroy();
      return;
    }
    const received: Message[] = [];
    const sent: Message[] = [];
    const conn = new RtmpConnection(socket, {
      readTimeout: 0,
      writeTimeout: 0,
      stages: { inbound: { messages: tap(received) }, outbound: { messages: tap(sent) } },
    });
    conn.enableQueue();
    conn.start(rest);
    const events: RtmpEvent[] = [];
    // One pump reads everything; scripts and tests look at `events` through cursors.
    let ended = false;
    const wakers = new Set<() => void>();
    const wake = (): void => {
      for (const w of [...wakers]) w();
    };
    // RtmpConnection keeps protocol control to itself and emits it: fold it into the same list.
    conn.on('protocolControl', (control: Extract<RtmpEvent, { kind: 'protocolControl' }>['control']) => {
      events.push({ kind: 'protocolControl', streamId: 0, timestamp: 0, control });
      wake();
    });
    void (async () => {
      for (;;) {
        const event = await conn.readEvent().catch(() => null);
        if (!event) break;
        events.push(event);
        wake();
      }
      ended = true;
      wake();
    })();
    async function* stream(from: number): AsyncGenerator<RtmpEvent> {
      for (let i = from; ; i++) {
        while (i >= events.length) {
          if (ended) return;
          await new Promise<void>((resolve) => {
            const w = (): void => {
              wakers.delete(w);
              resolve();
            };
            wakers.add(w);
          });
        }
        yield events[i]!;
      }
    }
    let cursor = 0;
    const next = async (pred: (e: RtmpEvent) => boolean = () => true): Promise<RtmpEvent> => {
      for await (const event of stream(cursor)) {
        cursor++;
        if (pred(event)) return event;
      }
      throw new Error('fake server: connection closed while waiting for an event');
    };
    const fake: FakeConnection = {
      conn,
      received,
      sent,
      events,
      next,
      nextCommand: (name) => next((e) => e.kind === 'command' && e.name === name) as Promise<CommandEvent>,
      stream: () => stream(cursor),
      find: async (pred) => {
        for await (const event of stream(0)) if (pred(event)) return event;
        throw new Error('fake server: connection closed while waiting for an event');
      },
    };
    const index = connections.push(fake) - 1;
    waiting.get(index)?.(fake);
    try {
      await script(fake);
    } catch (err) {
      if (err instanceof AssertionError) failures.push(err);
      conn.destroy();
    }
  };
  const listener = options.tls
    ? tls.createServer(options.tls, (s) => void onSocket(s))
    : net.createServer((s) => void onSocket(s));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    url: (path, scheme = options.tls ? 'rtmps' : 'rtmp') => `${scheme}://127.0.0.1:${port}${path}`,
    connections,
    connection: (n) =>
      connections[n] ? Promise.resolve(connections[n]!) : new Promise((resolve) => waiting.set(n, resolve)),
    async close() {
      for (const c of connections) c.conn.destroy();
      for (const s of sockets) s.destroy();
      listener.close();
      await once(listener, 'close');
      if (failures.length > 0) throw failures[0];
    },
  };
}

const ctrl = (control: Extract<RtmpEvent, { kind: 'protocolControl' }>['control']): RtmpEvent => ({
  kind: 'protocolControl',
  streamId: 0,
  timestamp: 0,
  control,
});

/** What Flash Media Server / nginx-rtmp answer to connect, objectEncoding echoed. */
export function acceptConnect(c: FakeConnection, request: CommandEvent, extra: { onBWDone?: boolean; chunkSize?: number } = {}): void {
  const { conn } = c;
  const requested = (request.commandObject as { objectEncoding?: number } | null)?.objectEncoding ?? 0;
  conn.send(ctrl({ type: MessageType.WindowAcknowledgementSize, windowSize: 5_000_000 }));
  conn.send(ctrl({ type: MessageType.SetPeerBandwidth, windowSize: 5_000_000, limitType: 2 }));
  conn.send(ctrl({ type: MessageType.SetChunkSize, chunkSize: extra.chunkSize ?? 4096 }));
  conn.reply(
    request,
    { fmsVer: 'FMS/3,5,7,7009', capabilities: 31 },
    { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: requested },
  );
  if (extra.onBWDone) conn.notify('onBWDone', null, [8192]);
}

export function status(c: FakeConnection, streamId: number, level: string, code: string, description = code): void {
  c.conn.send({ kind: 'command', streamId, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level, code, description }] });
}

/**
 * Answers connect, releaseStream/FCPublish (silently), createStream (stream id 1), publish and
 * play (status on the stream), until the connection closes. `override` can take a command first.
 */
export async function standardReplies(
  c: FakeConnection,
  override?: (e: CommandEvent) => boolean | void,
  connectExtra: { onBWDone?: boolean } = {},
): Promise<void> {
  let nextStream = 1;
  for await (const event of c.stream()) {
    if (event.kind !== 'command') continue;
    if (override?.(event)) continue;
    switch (event.name) {
      case 'connect':
        acceptConnect(c, event, connectExtra);
        break;
      case 'createStream':
        c.conn.reply(event, null, nextStream++);
        break;
      case 'publish':
        status(c, event.streamId, 'status', 'NetStream.Publish.Start', `${String(event.args[0])} is now published.`);
        break;
      case 'play':
        c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: event.streamId } });
        status(c, event.streamId, 'status', 'NetStream.Play.Reset');
        status(c, event.streamId, 'status', 'NetStream.Play.Start');
        break;
      default:
        break;
    }
  }
}
