/**
 * What a late joiner needs to decode at once: the metadata, the audio and video decoder
 * configurations (AAC AudioSpecificConfig, AVC/HEVC record, Enhanced RTMP SequenceStart) and every
 * media message since the last keyframe. Payloads are copies (`Buffer.from`), never views of a
 * socket read: a view would keep its whole read buffer alive for as long as the GOP lasts. The
 * exception is a large message joined from its chunks into memory of its own (`ownsItsMemory`):
 * it keeps nothing else alive, so it is held as it is.
 *
 * Bounded by bytes and message count: when a GOP outgrows either, its frames are dropped and late
 * joiners start at the next keyframe instead (the headers stay).
 *
 * Enhanced RTMP v2 Multitrack: each track has its own decoder configuration (OBS sends one
 * SequenceStart per track), so headers are kept per track: a new one replaces those that configure
 * any of the same tracks (a packet that is not Multitrack configures track 0, the default track).
 * The latest video Metadata packet (colorInfo) per track is kept the same way: it must precede the
 * frames it affects (enhanced-rtmp v2, "Metadata Frame").
 */
import type { SharedFrame } from '../chunk/index.js';
import { parseEnhancedAudio, parseEnhancedVideo } from '../codec/index.js';

/**
 * One cached media message. `frame` is the shared frame late joiners are sent from (see
 * `SharedFrame`), made when the first one needs it: the live fan-out's own frame is
 * not kept, so it dies young (a cached wire form would keep a second payload-sized buffer alive
 * for the whole GOP, and the old-generation collections that frees them cost more than the
 * rare re-serialization for a late joiner).
 */
export interface CachedMedia {
  kind: 'audio' | 'video';
  timestamp: number;
  payload: Buffer;
  frame?: SharedFrame;
  /** Headers: the track ids this message configures ([0] unless Enhanced Multitrack). */
  tracks?: readonly number[];
}

export interface GopCacheLimits {
  /** Payload bytes of cached frames. Default 16 MiB. */
  maxBytes?: number;
  /** Cached frames (audio and video). Default 4096. */
  maxMessages?: number;
}

export const DEFAULT_GOP_CACHE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_GOP_CACHE_MESSAGES = 4096;

export class GopCache {
  /** `onMetaData` values as players get them: `['onMetaData', <ECMA array>]`, `@setDataFrame` stripped. */
  metadata: unknown[] | undefined;
  /** Video decoder configurations, one per track (set), oldest first. */
  readonly videoHeaders = new TrackSlots();
  /** Audio decoder configurations, one per track (set), oldest first. */
  readonly audioHeaders = new TrackSlots();
  /** Enhanced RTMP video Metadata packets (colorInfo), the latest per track. */
  readonly videoMetadata = new TrackSlots();
  private frames: CachedMedia[] = [];
  private frameBytes = 0;
  private readonly maxBytes: number;
  private readonly maxMessages: number;

  constructor(limits: GopCacheLimits = {}) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_GOP_CACHE_BYTES;
    this.maxMessages = limits.maxMessages ?? DEFAULT_GOP_CACHE_MESSAGES;
  }

  /** Frames since the last keyframe (the first one is that keyframe), oldest first. */
  get gop(): readonly CachedMedia[] {
    return this.frames;
  }

  /** Payload bytes held by the GOP frames. */
  get bytes(): number {
    return this.frameBytes;
  }

  /** The latest video decoder configuration (of any track). */
  get videoHeader(): CachedMedia | undefined {
    return this.videoHeaders.latest;
  }

  /** The latest audio decoder configuration (of any track). */
  get audioHeader(): CachedMedia | undefined {
    return this.audioHeaders.latest;
  }

  /** A new decoder configuration replaces the old one of its tracks; for video the old GOP is no longer decodable with it. */
  setHeader(entry: CachedMedia): void {
    entry.tracks ??= mediaTracks(entry.kind, entry.payload);
    if (entry.kind === 'video') {
      this.videoHeaders.set(entry);
      this.clearFrames();
    } else this.audioHeaders.set(entry);
  }

  /** An Enhanced RTMP video Metadata packet: replaces the previous one of its tracks. */
  setVideoMetadata(entry: CachedMedia): void {
    entry.tracks ??= mediaTracks(entry.kind, entry.payload);
    this.videoMetadata.set(entry);
  }

  /**
   * A video sequence ended (Enhanced SequenceEnd, AVC end of sequence): the GOP before it is of no
   * use to a late joiner, who starts at the next keyframe. Headers stay: a publisher may go on
   * without sending them again, and a new SequenceStart replaces them.
   */
  endVideoSequence(): void {
    this.clearFrames();
  }

  /** Adds a frame: a keyframe starts a new GOP; frames before the first keyframe are not kept. */
  addFrame(entry: CachedMedia, keyframe: boolean): void {
    if (keyframe) this.clearFrames();
    else if (this.frames.length === 0) return;
    if (this.frames.length + 1 > this.maxMessages || this.frameBytes + entry.payload.length > this.maxBytes) {
      this.clearFrames();
      return;
    }
    this.frames.push(entry);
    this.frameBytes += entry.payload.length;
  }

  clearFrames(): void {
    this.frames = [];
    this.frameBytes = 0;
  }

  clear(): void {
    this.metadata = undefined;
    this.videoHeaders.clear();
    this.audioHeaders.clear();
    this.videoMetadata.clear();
    this.clearFrames();
  }
}

/** Cached messages keyed by the tracks they apply to (at most one per track id: 256). */
export class TrackSlots {
  private list: CachedMedia[] = [];

  get entries(): readonly CachedMedia[] {
    return this.list;
  }

  get latest(): CachedMedia | undefined {
    return this.list[this.list.length - 1];
  }

  /** Adds `entry`, dropping the entries that apply to any of its tracks. */
  set(entry: CachedMedia): void {
    const tracks = entry.tracks ?? [0];
    this.list = this.list.filter((old) => !(old.tracks ?? [0]).some((t) => tracks.includes(t)));
    this.list.push(entry);
  }

  clear(): void {
    this.list = [];
  }
}

/**
 * The track ids an audio/video message applies to: those of an Enhanced Multitrack packet, else
 * [0]. Called for headers only (rare); a malformed Enhanced packet counts as track 0.
 */
export function mediaTracks(kind: 'audio' | 'video', payload: Buffer): number[] {
  const enhanced = payload.length > 0 && (kind === 'video' ? (payload[0]! & 0x80) !== 0 : payload[0]! >> 4 === 9);
  if (!enhanced) return [0];
  try {
    const packet = kind === 'video' ? parseEnhancedVideo(payload) : parseEnhancedAudio(payload);
    return [...new Set(packet.tracks.map((t) => t.trackId))];
  } catch {
    return [0];
  }
}
