/**
 * FLV bytes → media/data objects (Adobe FLV spec v10.1 Annex E), a Transform with a byte-mode
 * writable side and an object-mode readable side:
 *
 *   pipeline(fs.createReadStream('in.flv'), new FlvDemuxer(), client.publishStream(...))
 *
 * Output (`output` option):
 * - 'events' (default): what the command layer and a publishing client take: a `MediaEvent`
 *   `{ kind: 'audio' | 'video', streamId: 0, timestamp, payload }` per audio/video tag and a
 *   `DataEvent` `{ kind: 'data', streamId: 0, timestamp, name, values }` per script tag (onMetaData
 *   stays an ECMA array, see lib/amf `isEcmaArray`). `streamId` is 0: an FLV file has no message
 *   streams, the publishing side sets its own.
 * - 'messages': seed `Message`s (type 8/9/18, message stream 0, chunk streams 4 audio, 6 video,
 *   5 data, as the command encoder picks them); script tags keep their exact bytes.
 *
 * Payloads are views into the reads (copied only when a tag spans reads): a consumer that holds
 * tags long (a cache, a queue) should copy them.
 *
 * Parsing is a small state machine: Header → SkipHeaderExtra (DataOffset > 9) →
 * PreviousTagSize0 → Tag (11-byte header, body, PreviousTagSize) repeated. A tag is emitted only
 * once its PreviousTagSize arrived and was checked. Strict (default) errors:
 *   ERR_FLV_BAD_SIGNATURE / ERR_FLV_BAD_HEADER     the first 9 bytes are not an FLV header
 *   ERR_FLV_BAD_TAG_SIZE                           PreviousTagSize ≠ 11 + DataSize (or PTS0 ≠ 0)
 *   ERR_FLV_UNKNOWN_TAG                            TagType not 8/9/18, or reserved bits set
 *   ERR_FLV_ENCRYPTED                              the Filter bit is set (encrypted content)
 *   ERR_FLV_TAG_TOO_LARGE                          DataSize > maxTagSize
 *   ERR_FLV_TRUNCATED                              the input ended inside a tag
 *   ERR_AMF_*                                      a script tag that is not valid AMF0
 * `tolerant: true` (for damaged files) never raises those after the header: it drops bytes one at
 * a time until a plausible tag (type 8/9/18, reserved and Filter bits clear, StreamID 0,
 * DataSize ≤ maxTagSize) whose PreviousTagSize matches, and carries on from there. Encrypted tags,
 * undecodable script tags and a truncated tail are dropped too. `skippedBytes` counts all of it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ByteQueue } from '../chunk/index.js';
import { OutboundChunkStream, type DataEvent, type MediaEvent } from '../command/index.js';
import { ErrorCode, FlvError, RtmpError } from '../errors.js';
import type { AmfDecodeOptions } from '../amf/index.js';
import { decodeData, createMessage, type Message } from '../message/index.js';
import { decodeFlvHeader, FLV_HEADER_LENGTH, FLV_PREVIOUS_TAG_SIZE_LENGTH, type FlvHeader } from './flv-header.js';
import { decodeFlvTagHeader, FLV_TAG_HEADER_LENGTH, FlvTagType, type FlvTagHeader } from './flv-tag.js';

export interface FlvDemuxerOptions {
  /** 'events' (default): MediaEvent/DataEvent objects; 'messages': seed Message objects. */
  output?: 'events' | 'messages';
  /** Recover from damaged files instead of failing (see the class comment). Default false. */
  tolerant?: boolean;
  /** Largest DataSize accepted; bytes are only ever buffered up to this. Default 16 MiB. */
  maxTagSize?: number;
  /** AMF limits for script tags. */
  amf?: AmfDecodeOptions;
  /** Objects buffered on the readable side before backpressure. Default 64. */
  readableHighWaterMark?: number;
  /** Bytes buffered on the writable side before backpressure. Default 64 KiB. */
  writableHighWaterMark?: number;
}

export const FLV_DEMUXER_DEFAULTS = {
  maxTagSize: 16 * 1024 * 1024,
  readableHighWaterMark: 64,
  writableHighWaterMark: 64 * 1024,
} as const;

export type FlvDemuxerOutput = MediaEvent | DataEvent | Message;

const State = {
  Header: 0,
  SkipHeaderExtra: 1,
  PreviousTagSize0: 2,
  Tag: 3,
  Done: 4,
} as const;
type State = (typeof State)[keyof typeof State];

export class FlvDemuxer extends Transform {
  private readonly queue = new ByteQueue();
  private readonly scratch = Buffer.allocUnsafe(FLV_TAG_HEADER_LENGTH);
  private readonly tolerant: boolean;
  private readonly maxTagSize: number;
  private readonly asMessages: boolean;
  private readonly amf: AmfDecodeOptions | undefined;
  private state: State = State.Header;
  private headerExtra = 0;
  /** The header of the tag at the front of the queue, parsed once while its body arrives. */
  private pending: FlvTagHeader | undefined;
  /** File offset of the front of the queue, for error messages. */
  private position = 0;
  private skipped = 0;
  private fileHeader: FlvHeader | undefined;

  constructor(options: FlvDemuxerOptions = {}) {
    super({
      writableObjectMode: false,
      readableObjectMode: true,
      readableHighWaterMark: options.readableHighWaterMark ?? FLV_DEMUXER_DEFAULTS.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark ?? FLV_DEMUXER_DEFAULTS.writableHighWaterMark,
    });
    const maxTagSize = options.maxTagSize ?? FLV_DEMUXER_DEFAULTS.maxTagSize;
    if (!Number.isInteger(maxTagSize) || maxTagSize < 0) {
      throw new FlvError(ErrorCode.FLV_INVALID_INPUT, `maxTagSize must be a non-negative integer, got ${String(maxTagSize)}`);
    }
    this.maxTagSize = maxTagSize;
    this.tolerant = options.tolerant ?? false;
    this.asMessages = options.output === 'messages';
    this.amf = options.amf;
  }

  /** Bytes dropped in tolerant mode to get past damage (always 0 in strict mode). */
  get skippedBytes(): number {
    return this.skipped;
  }

  /** The file header once it has been read (also emitted as a 'header' event). */
  get header(): FlvHeader | undefined {
    return this.fileHeader;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      if (!Buffer.isBuffer(chunk)) {
        throw new FlvError(ErrorCode.FLV_INVALID_INPUT, 'FlvDemuxer takes bytes (Buffer chunks); pipe a byte stream into it');
      }
      this.queue.push(chunk);
      this.parse(false);
      callback();
    } catch (err) {
      callback(asRtmpError(err));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.parse(true);
      callback();
    } catch (err) {
      callback(asRtmpError(err));
    }
  }

  private parse(final: boolean): void {
    const q = this.queue;
    for (;;) {
      switch (this.state) {
        case State.Header: {
          if (q.length < FLV_HEADER_LENGTH) {
            if (final) throw new FlvError(ErrorCode.FLV_TRUNCATED, `input ended after ${q.length} byte(s), inside the ${FLV_HEADER_LENGTH}-byte FLV header`);
            return;
          }
          q.peekInto(this.scratch, FLV_HEADER_LENGTH);
          const header = decodeFlvHeader(this.scratch);
          this.advance(FLV_HEADER_LENGTH);
          this.fileHeader = header;
          this.headerExtra = header.dataOffset - FLV_HEADER_LENGTH;
          this.state = State.SkipHeaderExtra;
          this.emit('header', header);
          break;
        }
        case State.SkipHeaderExtra: {
          // §E.2: the body starts at DataOffset; skip whatever a later version put in between.
          const n = Math.min(this.headerExtra, q.length);
          this.advance(n);
          this.headerExtra -= n;
          if (this.headerExtra > 0) {
            if (final) throw new FlvError(ErrorCode.FLV_TRUNCATED, 'input ended inside the FLV header (before DataOffset)');
            return;
          }
          this.state = State.PreviousTagSize0;
          break;
        }
        case State.PreviousTagSize0: {
          if (q.length < FLV_PREVIOUS_TAG_SIZE_LENGTH) {
            if (final && q.length > 0) this.fail(ErrorCode.FLV_TRUNCATED, 'input ended inside PreviousTagSize0', q.length);
            if (final) this.state = State.Done;
            return;
          }
          q.peekInto(this.scratch, FLV_PREVIOUS_TAG_SIZE_LENGTH);
          const size0 = this.scratch.readUInt32BE(0);
          // §E.3: PreviousTagSize0 is always 0. Tolerant mode ignores it: nothing depends on it.
          if (size0 !== 0 && !this.tolerant) {
            throw new FlvError(ErrorCode.FLV_BAD_TAG_SIZE, `PreviousTagSize0 at offset ${this.position} is ${size0}, must be 0`);
          }
          this.advance(FLV_PREVIOUS_TAG_SIZE_LENGTH);
          this.state = State.Tag;
          break;
        }
        case State.Tag: {
          if (!this.parseTag(final)) return;
          break;
        }
        default:
          return;
      }
    }
  }

  /** One step in the Tag state; false when it must wait for bytes (or the input is done). */
  private parseTag(final: boolean): boolean {
    const q = this.queue;
    let header = this.pending;
    if (header === undefined) {
      if (q.length < FLV_TAG_HEADER_LENGTH) {
        if (final) {
          if (q.length > 0) this.fail(ErrorCode.FLV_TRUNCATED, `input ended ${q.length} byte(s) into a tag header at offset ${this.position}`, q.length);
          this.state = State.Done;
        }
        return false;
      }
      q.peekInto(this.scratch, FLV_TAG_HEADER_LENGTH);
      header = decodeFlvTagHeader(this.scratch);
      const problem = this.checkTagHeader(header);
      if (problem !== undefined) {
        if (!this.tolerant) throw problem;
        this.skipByte();
        return true;
      }
      this.pending = header;
    }
    const bodyEnd = FLV_TAG_HEADER_LENGTH + header.dataSize;
    if (q.length < bodyEnd + FLV_PREVIOUS_TAG_SIZE_LENGTH) {
      if (!final) return false;
      if (!this.tolerant) {
        throw new FlvError(ErrorCode.FLV_TRUNCATED, `input ended inside the tag at offset ${this.position} (${q.length} of ${bodyEnd + 4} bytes)`);
      }
      // A damaged file often just stops: keep a last tag that is whole but lacks its PreviousTagSize.
      if (q.length < bodyEnd) {
        this.pending = undefined;
        this.skipByte();
        return true;
      }
    } else {
      const previousTagSize = readUInt32At(q, bodyEnd);
      // §E.3: PreviousTagSize = size of the previous tag including its 11-byte header.
      if (previousTagSize !== bodyEnd) {
        this.pending = undefined;
        if (!this.tolerant) {
          throw new FlvError(
            ErrorCode.FLV_BAD_TAG_SIZE,
            `PreviousTagSize after the tag at offset ${this.position} is ${previousTagSize}, expected ${bodyEnd} (11 + DataSize ${header.dataSize})`,
          );
        }
        this.skipByte();
        return true;
      }
    }
    this.pending = undefined;
    this.advance(FLV_TAG_HEADER_LENGTH);
    const data = q.consume(header.dataSize);
    this.position += header.dataSize;
    this.advance(Math.min(FLV_PREVIOUS_TAG_SIZE_LENGTH, q.length));
    if (header.filter) {
      // Only reachable in tolerant mode (strict raised ERR_FLV_ENCRYPTED): drop the whole tag.
      this.skipped += bodyEnd + FLV_PREVIOUS_TAG_SIZE_LENGTH;
      return true;
    }
    this.emitTag(header, data);
    return true;
  }

  private checkTagHeader(h: FlvTagHeader): FlvError | undefined {
    const at = `tag at offset ${this.position}`;
    if (h.reserved !== 0 || (h.type !== FlvTagType.Audio && h.type !== FlvTagType.Video && h.type !== FlvTagType.ScriptData)) {
      return new FlvError(ErrorCode.FLV_UNKNOWN_TAG, `${at}: TagType ${h.type} (reserved bits ${h.reserved}) is not audio (8), video (9) or script data (18)`);
    }
    if (h.dataSize > this.maxTagSize) {
      return new FlvError(ErrorCode.FLV_TAG_TOO_LARGE, `${at}: DataSize ${h.dataSize} exceeds maxTagSize ${this.maxTagSize}`);
    }
    if (h.filter && !this.tolerant) {
      return new FlvError(ErrorCode.FLV_ENCRYPTED, `${at}: the Filter bit is set (encrypted tag), which this demuxer does not decrypt`);
    }
    // §E.4.1: StreamID is always 0. Strict mode lets a non-zero id pass (nothing depends on it);
    // while resyncing it is one more sign that the bytes are not a tag.
    if (this.tolerant && h.streamId !== 0) {
      return new FlvError(ErrorCode.FLV_UNKNOWN_TAG, `${at}: StreamID ${h.streamId} is not 0`);
    }
    return undefined;
  }

  private emitTag(h: FlvTagHeader, data: Buffer): void {
    if (this.asMessages) {
      const csid =
        h.type === FlvTagType.Audio ? OutboundChunkStream.Audio : h.type === FlvTagType.Video ? OutboundChunkStream.Video : OutboundChunkStream.Data;
      this.push(createMessage(csid, 0, h.type, data, h.timestamp));
      return;
    }
    if (h.type === FlvTagType.ScriptData) {
      let values: unknown[];
      try {
        values = decodeData(data, this.amf);
      } catch (err) {
        if (!this.tolerant) throw err;
        this.skipped += FLV_TAG_HEADER_LENGTH + data.length + FLV_PREVIOUS_TAG_SIZE_LENGTH;
        return;
      }
      const [name, ...rest] = values;
      const event: DataEvent = { kind: 'data', streamId: 0, timestamp: h.timestamp, name: typeof name === 'string' ? name : '', values: rest };
      this.push(event);
      return;
    }
    const event: MediaEvent = { kind: h.type === FlvTagType.Audio ? 'audio' : 'video', streamId: 0, timestamp: h.timestamp, payload: data };
    this.push(event);
  }

  private advance(n: number): void {
    this.queue.skip(n);
    this.position += n;
  }

  private skipByte(): void {
    this.advance(1);
    this.skipped += 1;
  }

  /** Strict: throw; tolerant: drop the `n` bytes left and stop. */
  private fail(code: ErrorCode, message: string, n: number): void {
    if (!this.tolerant) throw new FlvError(code, message);
    this.advance(n);
    this.skipped += n;
  }
}

function readUInt32At(q: ByteQueue, i: number): number {
  return ((q.byteAt(i) << 24) | (q.byteAt(i + 1) << 16) | (q.byteAt(i + 2) << 8) | q.byteAt(i + 3)) >>> 0;
}

function asRtmpError(err: unknown): RtmpError {
  return err instanceof RtmpError ? err : new FlvError(ErrorCode.FLV_INVALID_INPUT, String(err), { cause: err });
}
