/**
 * A bare RTMP client for server tests: TCP connect, client handshake, and an `RtmpConnection`
 * whose received events are queued for `readEvent()`. No client logic at all: each test sends the
 * exact commands it wants and reads what comes back in order.
 */
import { once } from 'node:events';
import net from 'node:net';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { performClientHandshake } from '../../lib/handshake/socket.js';
import type { ProtocolControl } from '../../lib/message/index.js';
import { RtmpConnection, type ConnectionOptions } from '../../lib/session/connection.js';

export class RawClient extends RtmpConnection {
  /** Every event received, in order (also offered to readEvent()). */
  readonly received: RtmpEvent[] = [];
  /** Every protocol control message received (the connection applies them; they are not events). */
  readonly controls: ProtocolControl[] = [];

  constructor(...args: ConstructorParameters<typeof RtmpConnection>) {
    super(...args);
    this.on('protocolControl', (control) => this.controls.push(control));
  }

  protected override handleEvent(event: RtmpEvent): void {
    this.received.push(event);
    this.enqueue(event);
  }

  /** Next event that matches, skipping others (they stay in `received`). */
  async next(match: (e: RtmpEvent) => boolean = () => true): Promise<RtmpEvent> {
    for (;;) {
      const event = await this.readEvent();
      if (!event) throw new Error('connection closed while waiting for an event');
      if (match(event)) return event;
    }
  }

  /** Next onStatus command (its info object). */
  async nextStatus(): Promise<{ level: string; code: string; description: string; [k: string]: unknown }> {
    const event = (await this.next((e) => e.kind === 'command' && e.name === 'onStatus')) as CommandEvent;
    return event.args[0] as { level: string; code: string; description: string };
  }

  /** Sends a command without waiting (for pipelining tests). */
  command(name: string, transactionId: number, commandObject: unknown, args: unknown[] = [], streamId = 0): void {
    this.send({ kind: 'command', streamId, timestamp: 0, name, transactionId, commandObject, args });
  }

  /** connect with a command object (app defaults to 'live'); resolves with the `_result` event. */
  connect(commandObject: Record<string, unknown> = {}): Promise<CommandEvent> {
    return this.call('connect', { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', ...commandObject });
  }

  async createStream(): Promise<number> {
    const result = await this.call('createStream', null);
    return result.args[0] as number;
  }
}

/** Connects a RawClient to a local port and completes the handshake. */
export async function connectRaw(port: number, options: ConnectionOptions = {}): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const result = await performClientHandshake(socket, { timeout: 5000 });
  const client = new RawClient(socket, { readTimeout: 0, writeTimeout: 0, ...options });
  client.enableQueue();
  client.start(result.rest);
  return client;
}

/** connect + createStream + publish; resolves once Publish.Start arrives (rejects on another status). */
export async function rawPublisher(port: number, name: string, app = 'live'): Promise<{ client: RawClient; streamId: number }> {
  const client = await connectRaw(port);
  await client.connect({ app });
  const streamId = await client.createStream();
  client.command('publish', 0, null, [name, 'live'], streamId);
  const status = await client.nextStatus();
  if (status.code !== 'NetStream.Publish.Start') throw new Error(`publish answered ${status.code}`);
  return { client, streamId };
}

/** connect + createStream + play; resolves once Play.Start arrives. */
export async function rawPlayer(port: number, name: string, app = 'live', options: ConnectionOptions = {}): Promise<{ client: RawClient; streamId: number }> {
  const client = await connectRaw(port, options);
  await client.connect({ app });
  const streamId = await client.createStream();
  client.command('play', 0, null, [name, -2, -1, true], streamId);
  for (;;) {
    const status = await client.nextStatus();
    if (status.code === 'NetStream.Play.Start') break;
    if (status.level === 'error') throw new Error(`play answered ${status.code}`);
  }
  return { client, streamId };
}

/** Closes clients and waits for their sockets to be gone. */
export async function closeAll(...clients: Array<RtmpConnection | undefined>): Promise<void> {
  await Promise.all(clients.map((c) => (c ? c.close({ timeout: 1000 }) : undefined)));
}
