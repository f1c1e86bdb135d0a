/**
 * Live streams by `app/name`: one publisher, many players, and the GOP cache late joiners start
 * from. A player may arrive before the publisher: it waits on the stream's entry and starts with
 * the publisher's first messages. Fan-out never waits on a player (see Subscriber).
 *
 * Each published media message becomes one `SharedFrame` (one payload Buffer) offered to every
 * player, so the chunk layer serializes it once per header shape, however many players send it.
 * After each fan-out the stream's flow control may hold the publisher (lib/server/fanout-flow.ts).
 */
import { SharedEvent, type StreamType, type DataEvent, type MediaEvent, type RtmpEvent } from '../command/index.js';
import { isAudioSequenceHeader, SET_DATA_FRAME, getMetadata, stripSetDataFrame, VideoPacketType, isKeyframe, isVideoSequenceEnd, isVideoSequenceHeader, videoExPacketType } from '../message/index.js';
import { SharedFrame, ownsItsMemory } from '../chunk/index.js';
import { MessageType } from '../message/index.js';
import { GopCache, type CachedMedia, type GopCacheLimits } from './gop-cache.js';
import { StatusCode, statusInfo, type StatusInfo } from './status.js';
import { DEFAULT_MAX_PLAYER_BACKLOG, type MediaFlags, type Subscriber, type SubscriberTarget } from './subscriber.js';
import { FanoutFlow, resolveFanoutLimits, type FanoutFlowSettings } from './fanout-flow.js';
import { DEFAULT_MEMORY_BUDGET } from './memory-budget.js';


export { StreamType } from '../command/index.js';

export interface Publisher {
  target: SubscriberTarget;
  streamId: number;
  type: StreamType;
}

export class LiveStream {
  publisher: Publisher | undefined;
  readonly players = new Set<Subscriber>();
  readonly cache: GopCache;
  hasVideo = false;
  hasAudio = false;
  /** Timestamp of the last media message (where a late joiner's headers are placed without a GOP). */
  lastTimestamp = 0;
  /** Holds the publisher while most players are full (`flow.stats`: how often and how long). */
  readonly flow: FanoutFlow;

  constructor(
    readonly key: string,
    readonly app: string,
    readonly name: string,
    cacheLimits: GopCacheLimits,
    flow: FanoutFlowSettings = resolveFanoutLimits(undefined, DEFAULT_MAX_PLAYER_BACKLOG, DEFAULT_MEMORY_BUDGET),
    serverPlayers: () => number = () => this.players.size,
  ) {
    this.cache = new GopCache(cacheLimits);
    this.flow = new FanoutFlow(this.players, flow, serverPlayers);
  }
}

export interface StreamRegistryOptions {
  /** Keep metadata, sequence headers and the last GOP for late joiners. Default true. */
  gopCache?: boolean;
  gopCacheLimits?: GopCacheLimits;
  /** Fan-out flow control (`limits.fanout`, resolved). Default: on, for a 4 MiB player backlog and a 256 MiB budget. */
  flow?: FanoutFlowSettings;
}

/** An onStatus command on message stream `streamId`. */
function statusEvent(streamId: number, info: StatusInfo): RtmpEvent {
  return { kind: 'command', streamId, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [info] };
}

function streamEvent(event: 'StreamBegin' | 'StreamEOF', streamId: number): RtmpEvent {
  return { kind: 'userControl', streamId: 0, timestamp: 0, event: { event, streamId } };
}

/** An onStatus command on a player's or publisher's stream. */
export function sendStatus(target: SubscriberTarget, streamId: number, info: StatusInfo): void {
  target.send(statusEvent(streamId, info));
}

export function sendStreamEvent(target: SubscriberTarget, event: 'StreamBegin' | 'StreamEOF', streamId: number): void {
  target.send(streamEvent(event, streamId));
}

/** The same onStatus for every player of a stream, encoded once. */
function sharedStatus(code: StatusCode, description: string, details: string): SharedEvent {
  return new SharedEvent(statusEvent(0, statusInfo('status', code, description, { details })));
}

function sharedStreamEvent(event: 'StreamBegin' | 'StreamEOF'): SharedEvent {
  return new SharedEvent(streamEvent(event, 0));
}

/**
 * One media message to every player, as one shared frame. A function of its own: the loop is what
 * runs hot, and kept apart it is optimized once, while the classification around it in `media`
 * (keyframes, headers, the cache) stays out of the optimized code and cannot deoptimize it.
 */
function offerToPlayers(players: Set<Subscriber>, kind: 'audio' | 'video', timestamp: number, payload: Buffer, flags: MediaFlags): void {
  const frame = new SharedFrame(kind === 'audio' ? MessageType.Audio : MessageType.Video, timestamp, payload);
  for (const player of players) player.offerMedia(kind, timestamp, payload, frame, flags);
}

export class StreamRegistry {
  private readonly streams = new Map<string, LiveStream>();
  private readonly cacheEnabled: boolean;
  private readonly cacheLimits: GopCacheLimits;
  private readonly flowSettings: FanoutFlowSettings;
  /** Players across all streams (flow control shares the memory budget among them). */
  private playerTotal = 0;
  // [relay] Told after a player left a stream (relay pull stops an upstream nobody watches).
  private readonly leaveListeners = new Set<(stream: LiveStream) => void>();

  constructor(options: StreamRegistryOptions = {}) {
    this.cacheEnabled = options.gopCache ?? true;
    this.cacheLimits = options.gopCacheLimits ?? {};
    this.flowSettings = options.flow ?? resolveFanoutLimits(undefined, DEFAULT_MAX_PLAYER_BACKLOG, DEFAULT_MEMORY_BUDGET);
  }

  /** Players subscribed across all streams. */
  get playerCount(): number {
    return this.playerTotal;
  }

  /**
   * The registry key of `app` + `name`: `app/name` with '%' and '/' in the app escaped, so the app
   * ends at the first bare '/' and `live` + `x/y` (`live/x/y`) is not `live/x` + `y` (`live%2Fx/y`).
   */
  static key(app: string, name: string): string {
    const safeApp = app.includes('/') || app.includes('%') ? app.replace(/%/g, '%25').replace(/\//g, '%2F') : app;
    return `${safeApp}/${name}`;
  }

  get(app: string, name: string): LiveStream | undefined {
    return this.streams.get(StreamRegistry.key(app, name));
  }

  /** Streams with a publisher or waiting players. */
  list(): LiveStream[] {
    return [...this.streams.values()];
  }

  isPublished(app: string, name: string): boolean {
    return this.get(app, name)?.publisher !== undefined;
  }

  /** Claims `app/name` for a publisher; undefined when someone already publishes it. */
  publish(app: string, name: string, publisher: Publisher): LiveStream | undefined {
    const stream = this.entry(app, name);
    if (stream.publisher) return undefined;
    stream.publisher = publisher;
    stream.flow.setSource(publisher.target);
    stream.cache.clear();
    stream.hasVideo = false;
    stream.hasAudio = false;
    // Players that waited: the stream (re)starts on their message stream.
    const begin = sharedStreamEvent('StreamBegin');
    const notify = sharedStatus(StatusCode.PlayPublishNotify, `${name} is now published.`, name);
    for (const player of stream.players) {
      player.needVideoKeyframe = false;
      player.dropping = false;
      player.sendShared(begin);
      player.sendShared(notify);
    }
    return stream;
  }

  /**
   * The publisher left: its players get Play.UnpublishNotify and Stream EOF and keep waiting for
   * a next publisher of the name.
   */
  unpublish(stream: LiveStream): void {
    if (!stream.publisher) return;
    stream.publisher = undefined;
    stream.flow.setSource(undefined);
    stream.cache.clear();
    const notify = sharedStatus(StatusCode.PlayUnpublishNotify, `${stream.name} is now unpublished.`, stream.name);
    const eof = sharedStreamEvent('StreamEOF');
    for (const player of stream.players) {
      player.sendShared(notify);
      player.sendShared(eof);
    }
    this.prune(stream);
  }

  /** Adds a player (its Play.Start has gone out). A live stream's cache follows at once. */
  subscribe(app: string, name: string, player: Subscriber): LiveStream {
    const stream = this.entry(app, name);
    const before = stream.players.size;
    stream.players.add(player);
    this.playerTotal += stream.players.size - before;
    stream.flow.add(player);
    if (stream.publisher) this.startPlayer(stream, player);
    return stream;
  }

  unsubscribe(player: Subscriber): void {
    const stream = this.streams.get(player.key);
    if (!stream) return;
    if (stream.players.delete(player)) this.playerTotal--;
    stream.flow.remove(player);
    this.prune(stream);
    for (const listener of this.leaveListeners) listener(stream); // [relay]
  }

  /** [relay] Calls `listener` after each player leaves a stream; returns the remover. */
  onPlayerLeft(listener: (stream: LiveStream) => void): () => void {
    this.leaveListeners.add(listener);
    return () => this.leaveListeners.delete(listener);
  }

  /** A media message from the publisher of `stream`. Never waits. */
  media(stream: LiveStream, event: MediaEvent): void {
    const kind = event.kind;
    let payload = event.payload;
    const sequenceHeader = kind === 'video' ? isVideoSequenceHeader(payload) : isAudioSequenceHeader(payload);
    // Enhanced RTMP: the frame type of a SequenceEnd or Metadata packet does not make it a picture.
    const sequenceEnd = kind === 'video' && !sequenceHeader && isVideoSequenceEnd(payload);
    const videoMetadata = kind === 'video' && !sequenceHeader && videoExPacketType(payload) === VideoPacketType.Metadata;
    const keyframe = kind === 'video' && !sequenceHeader && !sequenceEnd && !videoMetadata && isKeyframe(payload);
    if (kind === 'video') stream.hasVideo = true;
    else stream.hasAudio = true;
    stream.lastTimestamp = event.timestamp;
    const cache = stream.cache;
    if (this.cacheEnabled && sequenceEnd) cache.endVideoSequence();
    else if (this.cacheEnabled && (sequenceHeader || videoMetadata || keyframe || cache.gop.length > 0)) {
      // One copy, used by the cache and by every player: the socket read it came in can go. A large
      // message joined from its chunks already has memory of its own (nothing else to keep alive).
      if (!ownsItsMemory(payload)) payload = Buffer.from(payload);
      const entry: CachedMedia = { kind, timestamp: event.timestamp, payload };
      if (sequenceHeader) cache.setHeader(entry);
      else if (videoMetadata) cache.setVideoMetadata(entry);
      else cache.addFrame(entry, keyframe);
    }
    // Metadata (colorInfo) and SequenceEnd go out like headers: never dropped while a player catches up.
    const flags = { keyframe, sequenceHeader: sequenceHeader || videoMetadata || sequenceEnd, streamHasVideo: stream.hasVideo };
    if (stream.players.size > 0) offerToPlayers(stream.players, kind, event.timestamp, payload, flags);
    stream.flow.afterFanout();
  }

  /** A data message from the publisher: metadata is cached (without `@setDataFrame`) and forwarded. */
  data(stream: LiveStream, event: DataEvent): void {
    if (event.name === '@clearDataFrame') {
      stream.cache.metadata = undefined;
      return;
    }
    const values = stripSetDataFrame([event.name, ...event.values]);
    if (event.name === SET_DATA_FRAME && values.length === 0) return;
    if (getMetadata(values) !== undefined && this.cacheEnabled) stream.cache.metadata = values;
    const name = typeof values[0] === 'string' ? values[0] : '';
    const shared = new SharedEvent({ kind: 'data', streamId: 0, timestamp: event.timestamp, name, values: values.slice(1) });
    for (const player of stream.players) player.sendShared(shared);
  }

  /** Graceful shutdown: every player and publisher hears that its stream ends. */
  shutdown(): void {
    for (const stream of this.streams.values()) {
      const publisher = stream.publisher;
      if (publisher) {
        sendStatus(publisher.target, publisher.streamId, statusInfo('status', StatusCode.UnpublishSuccess, `${stream.name} is now unpublished.`, { details: stream.name }));
        this.unpublish(stream);
      } else {
        const stop = sharedStatus(StatusCode.PlayStop, `Stopped playing ${stream.name}.`, stream.name);
        const eof = sharedStreamEvent('StreamEOF');
        for (const player of stream.players) {
          player.sendShared(stop);
          player.sendShared(eof);
        }
      }
    }
  }

  private startPlayer(stream: LiveStream, player: Subscriber): void {
    const cache = stream.cache;
    const gop = cache.gop;
    // Headers go out at the GOP's first timestamp so the player's clock does not jump back.
    const start = gop[0]?.timestamp ?? stream.lastTimestamp;
    if (cache.metadata) player.sendData(String(cache.metadata[0]), cache.metadata.slice(1), start);
    const header = { keyframe: false, sequenceHeader: true, streamHasVideo: stream.hasVideo };
    // Every track's configuration (Enhanced RTMP Multitrack), then the colorInfo that precedes the frames.
    for (const entry of cache.videoHeaders.entries) player.offerMedia('video', start, entry.payload, undefined, header);
    for (const entry of cache.videoMetadata.entries) player.offerMedia('video', start, entry.payload, undefined, header);
    for (const entry of cache.audioHeaders.entries) player.offerMedia('audio', start, entry.payload, undefined, header);
    if (gop.length === 0) {
      player.needVideoKeyframe = stream.hasVideo || cache.videoHeader !== undefined;
      return;
    }
    for (let i = 0; i < gop.length; i++) {
      const frame = gop[i]!;
      const keyframe = i === 0;
      frame.frame ??= new SharedFrame(frame.kind === 'audio' ? MessageType.Audio : MessageType.Video, frame.timestamp, frame.payload);
      player.offerMedia(frame.kind, frame.timestamp, frame.payload, frame.frame, { keyframe, sequenceHeader: false, streamHasVideo: true });
    }
  }

  private entry(app: string, name: string): LiveStream {
    const key = StreamRegistry.key(app, name);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new LiveStream(key, app, name, this.cacheLimits, this.flowSettings, () => this.playerTotal);
      this.streams.set(key, stream);
    }
    return stream;
  }

  private prune(stream: LiveStream): void {
    if (!stream.publisher && stream.players.size === 0 && this.streams.get(stream.key) === stream) {
      this.streams.delete(stream.key);
      stream.flow.close();
    }
  }
}
