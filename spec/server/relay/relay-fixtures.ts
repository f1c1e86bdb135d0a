/** Our servers and clients for the relay specs: synthetic media published and collected in order. */
import { Client } from '../../../lib/client/client.js';
import type { RtmpEvent } from '../../../lib/command/events.js';
import { Server, type ServerConfig } from '../../../lib/server/index.js';
import { aacFrame, aacSequenceHeader, avcSequenceHeader, interframe, keyframe } from '../media-fixtures.js';

export interface Media {
  kind: 'audio' | 'video';
  timestamp: number;
  payload: Buffer;
}

export async function listening(config: ServerConfig = {}): Promise<{ server: Server; url: string }> {
  const server = new Server({ addr: '127.0.0.1:0', ...config });
  await server.listen();
  return { server, url: `rtmp://127.0.0.1:${server.address()!.port}/live` };
}

/** Headers, then `frames` video frames (a keyframe every 10) each followed by an audio frame, 40 ms apart. */
export function syntheticStream(frames: number, first = 0, size = 16): Media[] {
  const out: Media[] = [];
  if (first === 0) {
    out.push({ kind: 'video', timestamp: 0, payload: avcSequenceHeader });
    out.push({ kind: 'audio', timestamp: 0, payload: aacSequenceHeader });
  }
  for (let i = first; i < first + frames; i++) {
    out.push({ kind: 'video', timestamp: i * 40, payload: i % 10 === 0 ? keyframe(i, size) : interframe(i, size) });
    out.push({ kind: 'audio', timestamp: i * 40, payload: aacFrame(i) });
  }
  return out;
}

export async function publisher(url: string, name: string): Promise<Client> {
  const client = new Client();
  await client.connect(url);
  await client.publish(name);
  return client;
}

export async function send(client: Client, media: Media[]): Promise<void> {
  for (const m of media) {
    if (m.kind === 'video') await client.writeVideo(m.payload, m.timestamp);
    else await client.writeAudio(m.payload, m.timestamp);
  }
}

/** A playing client and what it receives (media), with a wait for a count. */
export interface Player {
  client: Client;
  media: Media[];
  /** Every event's label, in order (statuses and user control included). */
  log: string[];
  /** Resolves once `count` media messages have arrived. */
  received(count: number): Promise<void>;
  /** Resolves at the next status with this code. */
  status(code: string): Promise<void>;
}

export async function player(url: string, name: string): Promise<Player> {
  const client = new Client();
  await client.connect(url);
  const media: Media[] = [];
  const log: string[] = [];
  const waiters: Array<{ test(): boolean; resolve(): void }> = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.test()) waiters.splice(i, 1)[0]!.resolve();
  };
  await client.play(name, { waitForPublisher: true }); // the relay tests restart publishers and upstreams
  void (async () => {
    for (;;) {
      const event: RtmpEvent | null = await client.readEvent().catch(() => null);
      if (!event) return;
      if (event.kind === 'audio' || event.kind === 'video') media.push({ kind: event.kind, timestamp: event.timestamp, payload: Buffer.from(event.payload) });
      if (event.kind === 'command' && event.name === 'onStatus') log.push(String((event.args[0] as { code?: string })?.code));
      if (event.kind === 'userControl') log.push(event.event.event);
      check();
    }
  })();
  return {
    client,
    media,
    log,
    received: (count) => new Promise<void>((resolve) => {
      waiters.push({ test: () => media.length >= count, resolve });
      check();
    }),
    status: (code) => {
      const seen = log.length;
      return new Promise<void>((resolve) => {
        waiters.push({ test: () => log.slice(seen).includes(code), resolve });
        check();
      });
    },
  };
}

export function labels(media: Media[]): string[] {
  return media.map((m) => `${m.kind}@${m.timestamp}:${m.payload.toString('hex')}`);
}

/**
 * The server's next `event` (its arguments). Unlike events.once() it does not reject on the
 * server's 'error' events: a peer's connection failing is not what these waits are about.
 */
export function nextEvent(server: Server, event: 'play' | 'publish' | 'disconnect'): Promise<unknown[]> {
  return new Promise((resolve) => (server as unknown as NodeJS.EventEmitter).once(event, (...args: unknown[]) => resolve(args)));
}
