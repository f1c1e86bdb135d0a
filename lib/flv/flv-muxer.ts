/**
 * Media/data objects → FLV bytes (Adobe FLV spec v10.1 Annex E), a Transform with an object-mode
 * writable side and a byte-mode readable side:
 *
 *   pipeline(player, new FlvMuxer(), fs.createWriteStream('out.flv'))
 *
 * Input: command-layer events (`kind` 'audio' | 'video' | 'data') and seed `Message`s (`type` 8,
 * 9, 18, 15, 22 aggregate), told apart by `kind` vs `type`. Everything else a player emits
 * (commands, protocol/user control, shared objects) is dropped silently; a value that is neither
 * an event nor a message is ERR_FLV_INVALID_INPUT.
 *
 * - The 9-byte header and PreviousTagSize0 are written before the first tag (or at the end if
 *   there is none). Header flags come from the `audio`/`video` options, both true by default:
 *   the muxer never holds tags back to infer them (ffmpeg and players read the tags anyway).
 * - Audio/video payloads are written untouched (legacy and Enhanced RTMP tags alike, byte-exact).
 * - Data: `@setDataFrame` is stripped so the tag holds `onMetaData, <ECMA array>` as FLV expects;
 *   a plain-object onMetaData is written as an ECMA array. An AMF0 data message without
 *   `@setDataFrame` keeps its bytes; AMF3 data (type 15) is rewritten as AMF0 (FLV has no AMF3).
 * - Timestamps are written as they come (absolute) unless `rebaseTimestamps` makes the first tag 0;
 *   `timestampOffset` is added to every tag (to continue an existing file when appending, with
 *   `header: false`).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ecmaArray, isEcmaArray } from '../amf/index.js';
import { ErrorCode, FlvError, RtmpError } from '../errors.js';
import { splitAggregate, decodeData, decodeDataAmf3, encodeData, ON_META_DATA, SET_DATA_FRAME, type Message, MessageType } from '../message/index.js';
import { encodeFlvHeader } from './flv-header.js';
import { FLV_MAX_DATA_SIZE, FLV_TAG_HEADER_LENGTH, FlvTagType, writeFlvTagHeader } from './flv-tag.js';

export interface FlvMuxerOptions {
  /** TypeFlagsAudio in the header. Default true. */
  audio?: boolean;
  /** TypeFlagsVideo in the header. Default true. */
  video?: boolean;
  /** Write the FLV header (false when appending tags to an existing file). Default true. */
  header?: boolean;
  /** Subtract the first tag's timestamp from every tag, so the file starts at 0. Default false. */
  rebaseTimestamps?: boolean;
  /** Added to every timestamp (after rebasing), e.g. the last timestamp of the file appended to. Default 0. */
  timestampOffset?: number;
  /** Objects buffered on the writable side before backpressure. Default 64. */
  writableHighWaterMark?: number;
  /** Bytes buffered on the readable side before backpressure. Default 64 KiB. */
  readableHighWaterMark?: number;
}

/** Below this payload size a tag goes out as one buffer (a copy is cheaper than three pushes). */
const COALESCE_BELOW = 1024;
const SET_DATA_FRAME_PREFIX = Buffer.from([0x02, 0x00, SET_DATA_FRAME.length, ...Buffer.from(SET_DATA_FRAME, 'latin1')]);

interface MuxInput {
  kind?: unknown;
  type?: unknown;
  timestamp?: unknown;
  payload?: unknown;
  data?: unknown;
  name?: unknown;
  values?: unknown;
}

export class FlvMuxer extends Transform {
  private readonly flags: { hasAudio: boolean; hasVideo: boolean };
  private readonly rebase: boolean;
  private readonly offset: number;
  private headerPending: boolean;
  private base: number | undefined;
  private count = 0;
  /** Bytes pushed so far: the file position of the next byte. */
  private written = 0;
  /** File position of the first onMetaData's `duration` number (8 bytes), if it has one. */
  private durationAt: number | undefined;
  private mediaSpan: { first: number; last: number } | undefined;

  constructor(options: FlvMuxerOptions = {}) {
    super({
      writableObjectMode: true,
      readableObjectMode: false,
      writableHighWaterMark: options.writableHighWaterMark ?? 64,
      readableHighWaterMark: options.readableHighWaterMark ?? 64 * 1024,
    });
    const offset = options.timestampOffset ?? 0;
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
      throw new FlvError(ErrorCode.FLV_INVALID_INPUT, `timestampOffset must be an integer in [0, 2^32), got ${String(offset)}`);
    }
    this.flags = { hasAudio: options.audio ?? true, hasVideo: options.video ?? true };
    this.headerPending = options.header ?? true;
    this.rebase = options.rebaseTimestamps ?? false;
    this.offset = offset;
  }

  /** Tags written so far. */
  get tagCount(): number {
    return this.count;
  }

  /**
   * What the file's onMetaData `duration` should say now: the span of the audio/video timestamps
   * written, in seconds, and the file position of that 8-byte number (big-endian double). Undefined
   * when no onMetaData with a `duration` was written. The position counts from the muxer's first
   * byte (the file position when the file starts with it). A recorder writing a file applies it once the
   * file is complete (rewriteFlvDuration), so a recording stopped early says how long it really is.
   */
  get durationPatch(): { position: number; seconds: number } | undefined {
    if (this.durationAt === undefined) return undefined;
    const span = this.mediaSpan ? this.mediaSpan.last - this.mediaSpan.first : 0;
    return { position: this.durationAt, seconds: span / 1000 };
  }

  override _transform(input: MuxInput, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.writeInput(input);
      callback();
    } catch (err) {
      callback(err instanceof RtmpError ? err : new FlvError(ErrorCode.FLV_INVALID_INPUT, String(err), { cause: err }));
    }
  }

  override _flush(callback: TransformCallback): void {
    this.writeHeaderOnce();
    callback();
  }

  private writeInput(input: MuxInput): void {
    if (typeof input !== 'object' || input === null) throw invalidInput(input);
    if (typeof input.kind === 'string') {
      const timestamp = input.timestamp;
      if (input.kind === 'audio' || input.kind === 'video') {
        if (!Buffer.isBuffer(input.payload)) throw new FlvError(ErrorCode.FLV_INVALID_INPUT, `${input.kind} event without a Buffer payload`);
        this.writeTag(input.kind === 'audio' ? FlvTagType.Audio : FlvTagType.Video, checkTimestamp(timestamp), input.payload);
      } else if (input.kind === 'data') {
        const values = Array.isArray(input.values) ? input.values : [];
        this.writeTag(FlvTagType.ScriptData, checkTimestamp(timestamp), encodeScriptData([input.name, ...values]));
      }
      return; // commands, control, shared objects: not FLV content
    }
    if (typeof input.type === 'number' && Buffer.isBuffer(input.data)) {
      this.writeMessage(input as unknown as Message);
      return;
    }
    throw invalidInput(input);
  }

  private writeMessage(message: Message): void {
    const timestamp = checkTimestamp(message.timestamp);
    switch (message.type) {
      case MessageType.Audio:
        this.writeTag(FlvTagType.Audio, timestamp, message.data);
        return;
      case MessageType.Video:
        this.writeTag(FlvTagType.Video, timestamp, message.data);
        return;
      case MessageType.DataAMF0: {
        const data = message.data;
        // Re-encode only when there is a `@setDataFrame` to strip: other data keeps its bytes.
        const hasPrefix = data.length >= SET_DATA_FRAME_PREFIX.length && data.subarray(0, SET_DATA_FRAME_PREFIX.length).equals(SET_DATA_FRAME_PREFIX);
        this.writeTag(FlvTagType.ScriptData, timestamp, hasPrefix ? encodeScriptData(decodeData(data)) : data);
        return;
      }
      case MessageType.DataAMF3:
        this.writeTag(FlvTagType.ScriptData, timestamp, encodeScriptData(decodeDataAmf3(message.data)));
        return;
      case MessageType.Aggregate:
        for (const sub of splitAggregate(message)) this.writeMessage(sub);
        return;
      default:
        return; // not FLV content
    }
  }

  private writeTag(type: number, timestamp: number, data: Buffer): void {
    if (data.length > FLV_MAX_DATA_SIZE) {
      throw new FlvError(ErrorCode.FLV_TAG_TOO_LARGE, `a ${data.length}-byte payload does not fit an FLV tag (24-bit DataSize)`);
    }
    this.writeHeaderOnce();
    if (this.rebase && this.base === undefined) this.base = timestamp;
    const ts = (timestamp - (this.base ?? 0) + this.offset) >>> 0;
    const total = FLV_TAG_HEADER_LENGTH + data.length;
    if (type === FlvTagType.ScriptData) {
      if (this.durationAt === undefined) {
        const at = durationValueOffset(data);
        if (at >= 0) this.durationAt = this.written + FLV_TAG_HEADER_LENGTH + at;
      }
    } else if (this.mediaSpan) {
      this.mediaSpan.first = Math.min(this.mediaSpan.first, ts);
      this.mediaSpan.last = Math.max(this.mediaSpan.last, ts);
    } else this.mediaSpan = { first: ts, last: ts };
    this.written += total + 4;
    if (data.length < COALESCE_BELOW) {
      const buf = Buffer.allocUnsafe(total + 4);
      writeFlvTagHeader(buf, 0, type, data.length, ts);
      data.copy(buf, FLV_TAG_HEADER_LENGTH);
      buf.writeUInt32BE(total, total); // §E.3 PreviousTagSize
      this.push(buf);
    } else {
      const header = Buffer.allocUnsafe(FLV_TAG_HEADER_LENGTH);
      writeFlvTagHeader(header, 0, type, data.length, ts);
      const trailer = Buffer.allocUnsafe(4);
      trailer.writeUInt32BE(total, 0);
      this.push(header);
      this.push(data);
      this.push(trailer);
    }
    this.count++;
  }

  private writeHeaderOnce(): void {
    if (!this.headerPending) return;
    this.headerPending = false;
    const header = encodeFlvHeader(this.flags);
    this.written += header.length;
    this.push(header);
  }
}

const ON_META_DATA_PREFIX = Buffer.from([0x02, 0x00, ON_META_DATA.length, ...Buffer.from(ON_META_DATA, 'latin1')]);
/** The `duration` key of an object or ECMA array (u16 length + UTF-8), followed by the number marker. */
const DURATION_NUMBER = Buffer.from([0x00, 0x08, ...Buffer.from('duration', 'latin1'), 0x00]);

/** Offset in an onMetaData payload of the 8-byte value of its top-level `duration` number, or -1. */
function durationValueOffset(data: Buffer): number {
  if (!data.subarray(0, ON_META_DATA_PREFIX.length).equals(ON_META_DATA_PREFIX)) return -1;
  const at = data.indexOf(DURATION_NUMBER, ON_META_DATA_PREFIX.length);
  return at < 0 || at + DURATION_NUMBER.length + 8 > data.length ? -1 : at + DURATION_NUMBER.length;
}

/** Script data as FLV stores it: without `@setDataFrame`, onMetaData as an ECMA array. */
export function encodeScriptData(values: readonly unknown[]): Buffer {
  const rest = values[0] === SET_DATA_FRAME ? values.slice(1) : values.slice();
  const metadata = rest[1];
  if (
    rest[0] === ON_META_DATA &&
    typeof metadata === 'object' &&
    metadata !== null &&
    Object.getPrototypeOf(metadata) === Object.prototype &&
    !isEcmaArray(metadata)
  ) {
    rest[1] = ecmaArray({ ...metadata });
  }
  return encodeData(rest);
}

function checkTimestamp(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FlvError(ErrorCode.FLV_INVALID_INPUT, `timestamp must be a number, got ${String(value)}`);
  }
  return value >>> 0;
}

function invalidInput(input: unknown): FlvError {
  const what = input === null ? 'null' : typeof input;
  return new FlvError(ErrorCode.FLV_INVALID_INPUT, `FlvMuxer takes media/data events or Messages, got ${what}`);
}
