/**
 * What a late joiner needs to decode at once: the metadata, the audio and video decoder
 * configurations (AAC AudioSpecificConfig, AVC/HEVC record, Enhanced RTMP SequenceStart) and every
 * media message since the last keyframe. Payloads are copies (`Buffer.from`), never views of a
 * socket read: a view would keep its whole read buffer alive for as long as the GOP lasts.
 *
 * Bounded by bytes and message count: when a GOP outgrows either, its frames are dropped and late
 * joiners start at the next keyframe instead (the headers stay).
 */

/** One cached media message. `shared` is its fan-out serialization cache (see MediaEvent.shared). */
export interface CachedMedia {
  kind: 'audio' | 'video';
  timestamp: number;
  payload: Buffer;
  shared: Map<string, Buffer>;
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
  videoHeader: CachedMedia | undefined;
  audioHeader: CachedMedia | undefined;
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

  /** A new decoder configuration replaces the old one; for video the old GOP is no longer decodable with it. */
  setHeader(entry: CachedMedia): void {
    if (entry.kind === 'video') {
      this.videoHeader = entry;
      this.clearFrames();
    } else this.audioHeader = entry;
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
    this.videoHeader = undefined;
    this.audioHeader = undefined;
    this.clearFrames();
  }
}
