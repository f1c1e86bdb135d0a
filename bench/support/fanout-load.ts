/**
 * The fan-out load: a deterministic media-like message mix, players that check every message
 * arrives (sequence numbers stamped in the payload) and measure latency (send time stamped in the
 * payload: publisher and players share this process's clock), and publishers for our RTMP server
 * (our Client) and for the raw-socket baseline (length-prefixed frames).
 *
 * Payload layout (every message is ≥ 20 bytes):
 *   [0]     0x17 video keyframe / 0x27 video inter frame / 0xAF audio (AAC), as FLV tags start
 *   [1]     0x01 (AVC NALU / AAC raw: never a sequence header)
 *   [8..11] sequence number, u32 BE       [12..19] send time (performance.now()), f64 BE
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from '../../lib/client/client.js';
import { leanPlayer } from './lean-player.js';

export interface MediaItem {
  video: boolean;
  keyframe: boolean;
  size: number;
  /** Media time, ms. */
  timestamp: number;
}

/** `seconds` of 30 fps video at `videoBitrate` (keyframes 3× every 2 s) and ~43 AAC frames/s. */
export function mediaMix(seconds: number, videoBitrate: number): MediaItem[] {
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const average = videoBitrate / 8 / 30;
  const out: MediaItem[] = [];
  let audioTs = 0;
  let videoTs = 0;
  let frame = 0;
  const end = seconds * 1000;
  while (audioTs < end || videoTs < end) {
    if (audioTs <= videoTs) {
      out.push({ video: false, keyframe: false, size: 250 + Math.floor(rand() * 100), timestamp: Math.round(audioTs) });
      audioTs += 1024_000 / 44_100;
    } else {
      const keyframe = frame % 60 === 0;
      // Inter frames average a little under `average` so that with the keyframes the mean is `average`.
      const size = Math.round(keyframe ? 3 * average : average * (0.5 + rand()) * (57 / 59));
      out.push({ video: true, keyframe, size: Math.max(20, size), timestamp: Math.round(videoTs) });
      videoTs += 1000 / 30;
      frame++;
    }
  }
  return out;
}

/** A fresh payload for item `seq`, stamped with its sequence number and now. */
export function stampedPayload(item: MediaItem, seq: number, into?: Buffer): Buffer {
  const payload = into ?? Buffer.allocUnsafe(item.size);
  payload.fill(0, 0, 20);
  payload[0] = item.video ? (item.keyframe ? 0x17 : 0x27) : 0xaf;
  payload[1] = 0x01;
  payload.writeUInt32BE(seq, 8);
  payload.writeDoubleBE(performance.now(), 12);
  return payload;
}

export interface PlayerState {
  next: number;
  bytes: number;
  messages: number;
  missing: number;
  done: boolean;
}

/**
 * Counts arrivals per message across players: the publisher may run at most `windowBytes` ahead
 * of the slowest player (so no server ever has to queue more than that per player), and the run
 * is over when every player has seen the last message.
 */
export class Tracker {
  readonly arrived: Int32Array;
  readonly cumulative: Float64Array;
  readonly players: PlayerState[] = [];
  latencies: number[] | undefined;
  private waitSeq = -1;
  private wake: (() => void) | undefined;
  private finished = 0;
  private allDone: (() => void) | undefined;
  readonly done: Promise<void>;

  /** Bytes delivered to all players, and messages some player never got. */
  totals(): { deliveredBytes: number; missing: number } {
    let deliveredBytes = 0;
    let missing = 0;
    for (const p of this.players) {
      deliveredBytes += p.bytes;
      missing += p.missing;
    }
    return { deliveredBytes, missing };
  }

  constructor(
    readonly items: readonly MediaItem[],
    readonly playerCount: number,
    recordLatency: boolean,
  ) {
    this.arrived = new Int32Array(items.length);
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < items.length; i++) this.cumulative[i] = sum += items[i]!.size;
    if (recordLatency) this.latencies = [];
    this.done = new Promise((resolve) => (this.allDone = resolve));
    if (playerCount === 0) this.allDone!();
  }

  addPlayer(): PlayerState {
    const p: PlayerState = { next: 0, bytes: 0, messages: 0, missing: 0, done: false };
    this.players.push(p);
    return p;
  }

  /** A media payload arrived at player `p`. */
  receive(p: PlayerState, payload: Buffer): void {
    if (payload.length < 20) return;
    const seq = payload.readUInt32BE(8);
    if (seq < p.next || seq >= this.items.length) return;
    const now = performance.now();
    for (let s = p.next; s < seq; s++) {
      p.missing++;
      this.arrive(s);
    }
    p.bytes += payload.length;
    p.messages++;
    p.next = seq + 1;
    if (this.latencies) this.latencies.push(now - payload.readDoubleBE(12));
    this.arrive(seq);
    if (p.next === this.items.length) this.finish(p);
  }

  /** The player's connection ended: whatever it did not get is missing. */
  ended(p: PlayerState): void {
    if (p.done) return;
    for (let s = p.next; s < this.items.length; s++) {
      p.missing++;
      this.arrive(s);
    }
    p.next = this.items.length;
    this.finish(p);
  }

  private finish(p: PlayerState): void {
    if (p.done) return;
    p.done = true;
    if (++this.finished === this.playerCount) this.allDone!();
  }

  private arrive(seq: number): void {
    if (++this.arrived[seq]! >= this.playerCount && seq === this.waitSeq) {
      this.waitSeq = -1;
      this.wake?.();
    }
  }

  /** Resolves once every player has message `seq` (at once if they have). */
  waitFor(seq: number): Promise<void> | undefined {
    if (seq < 0 || this.arrived[seq]! >= this.playerCount) return undefined;
    this.waitSeq = seq;
    return new Promise((resolve) => (this.wake = resolve));
  }
}

/** How the publisher paces itself: a byte window ahead of the slowest player, or real time. */
export type Pacing = { kind: 'window'; bytes: number } | { kind: 'realtime' };

/** Drives `send(item, seq)` over every item with the pacing asked for. */
export async function publishAll(tracker: Tracker, pacing: Pacing, send: (item: MediaItem, seq: number) => Promise<void> | void): Promise<void> {
  const items = tracker.items;
  const start = performance.now();
  let behind = 0; // the newest message the window says must have arrived everywhere
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (pacing.kind === 'window') {
      while (behind < i && tracker.cumulative[i]! - tracker.cumulative[behind]! > pacing.bytes) behind++;
      const wait = tracker.waitFor(behind - 1);
      if (wait) await wait;
    } else {
      const due = start + item.timestamp - performance.now();
      if (due > 1) await new Promise((resolve) => setTimeout(resolve, due));
    }
    const sent = send(item, i);
    if (sent) await sent;
  }
}

// --- our RTMP server ----------------------------------------------------------------------------

export async function rtmpPlayer(url: string, stream: string, tracker: Tracker): Promise<{ client: Client; reading: Promise<void> }> {
  const client = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000, commandTimeout: 20_000 });
  await client.connect(url);
  await client.play(stream);
  const p = tracker.addPlayer();
  const reading = (async () => {
    try {
      for (;;) {
        const event = await client.readEvent();
        if (!event) break;
        if (event.kind === 'audio' || event.kind === 'video') tracker.receive(p, event.payload);
      }
    } catch {
      // a reset at the end of the run: counted below
    }
    tracker.ended(p);
  })();
  return { client, reading };
}

/** `rtmpPlayer` with the light player (bench/support/lean-player.ts): same checks, a fraction of the CPU. */
export async function leanRtmpPlayer(port: number, stream: string, tracker: Tracker): Promise<{ socket: net.Socket; reading: Promise<void> }> {
  let p: PlayerState | undefined;
  const player = await leanPlayer(port, 'live', stream, (payload) => tracker.receive(p!, payload));
  p = tracker.addPlayer();
  const reading = player.closed.then(() => tracker.ended(p!));
  return { socket: player.socket, reading };
}

export async function rtmpPublisher(url: string, stream: string): Promise<{ client: Client; send(item: MediaItem, seq: number): Promise<void> }> {
  const client = new Client({ readTimeout: 0, writeTimeout: 0, connectTimeout: 20_000, commandTimeout: 20_000 });
  await client.connect(url);
  await client.publish(stream);
  return {
    client,
    send(item, seq) {
      const payload = stampedPayload(item, seq);
      return item.video ? client.writeVideo(payload, item.timestamp) : client.writeAudio(payload, item.timestamp);
    },
  };
}

// --- the raw baseline ------------------------------------------------------------------------------

/** Calls `onFrame` with each length-prefixed frame's body; copies only across reads. */
export function frameReader(onFrame: (body: Buffer) => void): (data: Buffer) => void {
  let partial: Buffer | undefined;
  let filled = 0;
  let head = Buffer.alloc(0);
  return (data) => {
    let pos = 0;
    while (pos < data.length) {
      if (partial) {
        const n = data.copy(partial, filled, pos, Math.min(data.length, pos + partial.length - filled));
        filled += n;
        pos += n;
        if (filled === partial.length) {
          onFrame(partial);
          partial = undefined;
        }
        continue;
      }
      if (head.length > 0 || data.length - pos < 4) {
        const take = Math.min(4 - head.length, data.length - pos);
        head = Buffer.concat([head, data.subarray(pos, pos + take)]);
        pos += take;
        if (head.length < 4) return;
        partial = Buffer.allocUnsafe(head.readUInt32BE(0));
        filled = 0;
        head = Buffer.alloc(0);
        continue;
      }
      const length = data.readUInt32BE(pos);
      if (data.length - pos - 4 >= length) {
        onFrame(data.subarray(pos + 4, pos + 4 + length));
        pos += 4 + length;
      } else {
        partial = Buffer.allocUnsafe(length);
        filled = data.copy(partial, 0, pos + 4);
        pos = data.length;
      }
    }
  };
}

function connectRaw(port: number, role: 'P' | 'R'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.off('error', reject);
      socket.setNoDelay(true);
      socket.write(role);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export async function rawPlayer(port: number, tracker: Tracker): Promise<{ socket: net.Socket; reading: Promise<void> }> {
  const socket = await connectRaw(port, 'R');
  const p = tracker.addPlayer();
  socket.on('data', frameReader((body) => tracker.receive(p, body)));
  const reading = new Promise<void>((resolve) => {
    socket.on('error', () => {});
    socket.once('close', () => {
      tracker.ended(p);
      resolve();
    });
  });
  return { socket, reading };
}

export async function rawPublisher(port: number): Promise<{ socket: net.Socket; send(item: MediaItem, seq: number): Promise<void> | void }> {
  const socket = await connectRaw(port, 'P');
  socket.on('error', () => {});
  return {
    socket,
    send(item, seq) {
      const frame = Buffer.allocUnsafe(4 + item.size);
      frame.writeUInt32BE(item.size, 0);
      stampedPayload(item, seq, frame.subarray(4));
      if (socket.write(frame)) return;
      return new Promise<void>((resolve) => socket.once('drain', resolve));
    },
  };
}
