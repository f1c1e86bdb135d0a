/**
 * Live statistics of one server process, as the HTTP API serves them (`GET /api/streams`,
 * `GET /api/connections`) and `/metrics` renders them. `ServerStats` follows the server's events
 * to keep what the live objects forget: bytes and drops of connections that have closed, when each
 * publish started (for its bitrate), connections refused at accept.
 *
 * A snapshot is plain JSON (it crosses the cluster IPC channel as it is): with workers, each
 * worker's snapshot carries its `worker` id and the API merges them (lib/cluster).
 */
import type net from 'node:net';
import { ServerConnection, type Server, type LiveStream, type Subscriber, type SubscriberTarget } from '../server/index.js';
import type { HttpFlvPlayer } from './http-flv.js';

export type ConnectionProtocol = 'rtmp' | 'rtmps' | 'http-flv' | 'cluster';

export interface PeerInfo {
  id: string;
  protocol: ConnectionProtocol;
  address: string | null;
  port: number | null;
}

export interface PlayerStats extends PeerInfo {
  /** True for a worker's internal relay (lib/cluster), not an end user. */
  relay: boolean;
  sentMessages: number;
  sentBytes: number;
  droppedMessages: number;
  droppedBytes: number;
  overflows: number;
}

export interface StreamStats {
  app: string;
  name: string;
  /** The cluster worker that serves this entry (null without workers). */
  worker: number | null;
  /** null while players wait for a publisher. */
  publisher: (PeerInfo & { type: string; publishedFor: number }) | null;
  video: { codec: string; width?: number; height?: number; fps?: number } | null;
  audio: { codec: string; sampleRate?: number; channels?: number } | null;
  /** Publisher's bytes received since the publish began (its whole connection). */
  bytesIn: number;
  /** Average inbound bitrate since the publish began, kbit/s. */
  bitrateKbps: number;
  /** Players that are end users (relays to other workers are listed, not counted). */
  playerCount: number;
  players: PlayerStats[];
  /** Fan-out flow control: the publisher held while most players were full (docs/flow-control.md). */
  flow: { paused: boolean; pauses: number; pausedMs: number };
}

export interface ConnectionStats extends PeerInfo {
  worker: number | null;
  app: string;
  state: string;
  bytesIn: number;
  bytesOut: number;
  publishing: string[];
  playing: string[];
}

export interface Totals {
  connections: Record<ConnectionProtocol, number>;
  streams: number;
  players: number;
  connectionsAccepted: number;
  connectionsRefused: number;
  bytesIn: number;
  bytesOut: number;
  droppedMessages: number;
  droppedBytes: number;
  /** Memory budget, when the server has one (see HttpServerOptions.budget). */
  budget?: { limitBytes: number; usedBytes: number };
  residentMemoryBytes: number;
  heapUsedBytes: number;
}

export interface WorkerSnapshot {
  worker: number | null;
  pid: number;
  time: number;
  streams: StreamStats[];
  connections: ConnectionStats[];
  totals: Totals;
}

/** Something that says who it is in the stats (the cluster's relay publisher does). */
export interface DescribedTarget {
  describe(): PeerInfo & { bytesIn: number };
}

interface PublishMark {
  since: number;
  bytesAtStart: number;
}

export class ServerStats {
  /** HTTP-FLV players (the HTTP server adds and removes them). */
  readonly httpPlayers = new Set<HttpFlvPlayer>();
  /** Budget source (another layer's memory budget); absent: not reported. */
  budget: (() => { limitBytes: number; usedBytes: number } | undefined) | undefined;
  private readonly publishMarks = new WeakMap<object, PublishMark>();
  private readonly subscribersOf = new Map<ServerConnection, Set<Subscriber>>();
  private closed = { bytesIn: 0, bytesOut: 0, droppedMessages: 0, droppedBytes: 0 };
  private accepted = 0;
  private refused = 0;

  constructor(
    readonly server: Server,
    readonly worker: number | null = null,
  ) {
    server.on('connection', () => this.accepted++);
    server.on('refused', () => this.refused++);
    server.on('publish', (conn) => this.publishMarks.set(conn, { since: Date.now(), bytesAtStart: socketOf(conn).bytesRead ?? 0 }));
    server.on('play', (conn) => {
      let set = this.subscribersOf.get(conn);
      if (!set) this.subscribersOf.set(conn, (set = new Set()));
      for (const s of conn.subscribers) set.add(s);
    });
    server.on('disconnect', (conn) => {
      const socket = socketOf(conn);
      this.closed.bytesIn += socket.bytesRead ?? 0;
      this.closed.bytesOut += socket.bytesWritten ?? 0;
      for (const s of this.subscribersOf.get(conn) ?? []) this.addDrops(this.closed, s);
      this.subscribersOf.delete(conn);
    });
  }

  /** An HTTP-FLV player ended: its bytes and drops join the closed totals. */
  httpPlayerEnded(player: HttpFlvPlayer): void {
    if (!this.httpPlayers.delete(player)) return;
    this.closed.bytesOut += player.bytesSent;
    this.addDrops(this.closed, player.subscriber);
  }

  snapshot(): WorkerSnapshot {
    const streams = this.server.registry.list().map((s) => this.streamStats(s));
    const connections = [
      ...this.server.connections.map((c) => this.connectionStats(c)),
      ...[...this.httpPlayers].map((p) => this.httpConnectionStats(p)),
    ];
    const byProtocol: Record<ConnectionProtocol, number> = { rtmp: 0, rtmps: 0, 'http-flv': 0, cluster: 0 };
    for (const c of connections) byProtocol[c.protocol]++;
    const live = { bytesIn: 0, bytesOut: 0, droppedMessages: 0, droppedBytes: 0 };
    for (const c of connections) {
      live.bytesIn += c.bytesIn;
      live.bytesOut += c.bytesOut;
    }
    for (const set of this.subscribersOf.values()) for (const s of set) this.addDrops(live, s);
    for (const p of this.httpPlayers) this.addDrops(live, p.subscriber);
    const memory = process.memoryUsage();
    const budget = this.budget?.();
    return {
      worker: this.worker,
      pid: process.pid,
      time: Date.now(),
      streams,
      connections,
      totals: {
        connections: byProtocol,
        streams: streams.filter((s) => s.publisher).length,
        players: streams.reduce((n, s) => n + s.playerCount, 0),
        connectionsAccepted: this.accepted,
        connectionsRefused: this.refused,
        bytesIn: this.closed.bytesIn + live.bytesIn,
        bytesOut: this.closed.bytesOut + live.bytesOut,
        droppedMessages: this.closed.droppedMessages + live.droppedMessages,
        droppedBytes: this.closed.droppedBytes + live.droppedBytes,
        ...(budget ? { budget } : {}),
        residentMemoryBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
      },
    };
  }

  private addDrops(into: { droppedMessages: number; droppedBytes: number }, s: Subscriber): void {
    into.droppedMessages += s.stats.droppedMessages;
    into.droppedBytes += s.stats.droppedBytes;
  }

  private streamStats(stream: LiveStream): StreamStats {
    const players = [...stream.players].map((p) => playerStats(p));
    const publisher = stream.publisher;
    let publisherInfo: StreamStats['publisher'] = null;
    let bytesIn = 0;
    let bitrateKbps = 0;
    if (publisher) {
      const peer = describeTarget(publisher.target);
      const mark = this.publishMarks.get(publisher.target) ?? { since: Date.now(), bytesAtStart: 0 };
      bytesIn = Math.max(0, peer.bytesIn - mark.bytesAtStart);
      const seconds = (Date.now() - mark.since) / 1000;
      bitrateKbps = seconds > 0 ? Math.round((bytesIn * 8) / seconds / 1000) : 0;
      const { bytesIn: _ignored, ...info } = peer;
      publisherInfo = { ...info, type: publisher.type, publishedFor: Math.round(seconds * 1000) / 1000 };
    }
    return {
      app: stream.app,
      name: stream.name,
      worker: this.worker,
      publisher: publisherInfo,
      video: videoInfo(stream),
      audio: audioInfo(stream),
      bytesIn,
      bitrateKbps,
      playerCount: players.filter((p) => !p.relay).length,
      players,
      flow: flowStats(stream),
    };
  }

  private connectionStats(conn: ServerConnection): ConnectionStats {
    const socket = socketOf(conn);
    return {
      id: conn.id,
      worker: this.worker,
      protocol: conn.secure ? 'rtmps' : 'rtmp',
      address: conn.remoteAddress ?? null,
      port: conn.remotePort ?? null,
      app: conn.app,
      state: conn.state,
      bytesIn: socket.bytesRead ?? 0,
      bytesOut: socket.bytesWritten ?? 0,
      publishing: conn.publishedStreams,
      playing: conn.subscribers.map((s) => s.key.slice(conn.app.length + 1)),
    };
  }

  private httpConnectionStats(player: HttpFlvPlayer): ConnectionStats {
    return {
      id: player.id,
      worker: this.worker,
      protocol: 'http-flv',
      address: player.remoteAddress ?? null,
      port: player.remotePort ?? null,
      app: player.app,
      state: player.closed ? 'closed' : 'playing',
      bytesIn: 0,
      bytesOut: player.bytesSent,
      publishing: [],
      playing: [player.name],
    };
  }
}

function socketOf(conn: ServerConnection): Partial<Pick<net.Socket, 'bytesRead' | 'bytesWritten'>> {
  return conn.socket as unknown as Partial<net.Socket>;
}

/** Who a publisher or player target is: a connection, an HTTP-FLV player or a cluster relay. */
export function describeTarget(target: SubscriberTarget): PeerInfo & { bytesIn: number } {
  if (target instanceof ServerConnection) {
    return {
      id: target.id,
      protocol: target.id.startsWith('cluster-') ? 'cluster' : target.secure ? 'rtmps' : 'rtmp',
      address: target.remoteAddress ?? null,
      port: target.remotePort ?? null,
      bytesIn: socketOf(target).bytesRead ?? 0,
    };
  }
  const described = target as Partial<DescribedTarget> & Partial<HttpFlvPlayer>;
  if (typeof described.describe === 'function') return described.describe();
  if (described.protocol === 'http-flv') {
    return { id: described.id!, protocol: 'http-flv', address: described.remoteAddress ?? null, port: described.remotePort ?? null, bytesIn: 0 };
  }
  return { id: '?', protocol: 'rtmp', address: null, port: null, bytesIn: 0 };
}

function flowStats(stream: LiveStream): StreamStats['flow'] {
  const { pauses, pausedMs, pausedSince } = stream.flow.stats;
  const current = pausedSince === undefined ? 0 : performance.now() - pausedSince;
  return { paused: pausedSince !== undefined, pauses, pausedMs: Math.round(pausedMs + current) };
}

function playerStats(player: Subscriber): PlayerStats {
  const { bytesIn: _ignored, ...peer } = describeTarget(player.target);
  const s = player.stats;
  return {
    ...peer,
    relay: peer.protocol === 'cluster',
    sentMessages: s.sentMessages,
    sentBytes: s.sentBytes,
    droppedMessages: s.droppedMessages,
    droppedBytes: s.droppedBytes,
    overflows: s.overflows,
  };
}

const VIDEO_CODECS: Record<number, string> = { 2: 'h263', 3: 'screen', 4: 'vp6', 5: 'vp6a', 6: 'screen2', 7: 'h264', 12: 'hevc' };
const AUDIO_CODECS: Record<number, string> = { 0: 'pcm', 1: 'adpcm', 2: 'mp3', 3: 'pcm_le', 4: 'nellymoser', 5: 'nellymoser', 6: 'nellymoser', 7: 'g711a', 8: 'g711u', 10: 'aac', 11: 'speex', 14: 'mp3' };
const FOURCC_NAMES: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9', vp08: 'vp8', Opus: 'opus', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3', '.mp3': 'mp3', mp4a: 'aac' };

function fourCcName(payload: Buffer): string {
  const fourCc = payload.length >= 5 ? payload.toString('latin1', 1, 5) : '?';
  return FOURCC_NAMES[fourCc] ?? fourCc;
}

function metadataOf(stream: LiveStream): Record<string, unknown> {
  const value = stream.cache.metadata?.[1];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function videoInfo(stream: LiveStream): StreamStats['video'] {
  const header = stream.cache.videoHeader?.payload;
  if (!header || header.length === 0) return stream.hasVideo ? { codec: 'unknown' } : null;
  const codec = header[0]! & 0x80 ? fourCcName(header) : (VIDEO_CODECS[header[0]! & 0x0f] ?? `codec-${header[0]! & 0x0f}`);
  const meta = metadataOf(stream);
  const info: NonNullable<StreamStats['video']> = { codec };
  const width = num(meta.width);
  const height = num(meta.height);
  const fps = num(meta.framerate) ?? num(meta.videoframerate);
  if (width !== undefined) info.width = width;
  if (height !== undefined) info.height = height;
  if (fps !== undefined) info.fps = fps;
  return info;
}

function audioInfo(stream: LiveStream): StreamStats['audio'] {
  const header = stream.cache.audioHeader?.payload;
  if (!header || header.length === 0) return stream.hasAudio ? { codec: 'unknown' } : null;
  const id = header[0]! >> 4;
  const codec = id === 9 ? fourCcName(header) : (AUDIO_CODECS[id] ?? `codec-${id}`);
  const meta = metadataOf(stream);
  const info: NonNullable<StreamStats['audio']> = { codec };
  const sampleRate = num(meta.audiosamplerate);
  if (sampleRate !== undefined) info.sampleRate = sampleRate;
  if (typeof meta.stereo === 'boolean') info.channels = meta.stereo ? 2 : 1;
  else if (num(meta.audiochannels) !== undefined) info.channels = num(meta.audiochannels)!;
  return info;
}
