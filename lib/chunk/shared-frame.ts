/**
 * `SharedFrame`: one media message on its way to many connections (a live stream's fan-out, a GOP
 * replayed to late joiners). It carries the message's type, timestamp and payload and keeps its
 * serializations, one per header shape (chunk size, header format, timestamp field, extended
 * timestamp, chunk and message stream): every connection in the same header state writes the same
 * bytes, built once. Opaque to the layers above: they pass it along and never look inside.
 */
import { ChunkError, ErrorCode } from '../errors.js';
import { PROTOCOL_MAX_MESSAGE_LENGTH, isUint } from './limits.js';
import { serializeWithHeader } from './serialize-message.js';

export class SharedFrame {
  /** Message type id (8 audio, 9 video, ...). */
  readonly type: number;
  /** Absolute timestamp, 32-bit. */
  readonly timestamp: number;
  /** The message body every connection sends. */
  readonly payload: Buffer;
  // The last wire form and the shape it was built for: in a fan-out nearly every connection is in
  // the same header state, so this one entry answers almost every lookup without building a key.
  private lastWire: Buffer | undefined = undefined;
  private lastShape = -1;
  private lastStreams = -1;
  private lastMessageStreamId = -1;
  private lastField = -1;
  /** Further shapes (players that joined at another point, another chunk size), by key. */
  private others: Map<string, Buffer> | undefined = undefined;

  /** Throws ERR_CHUNK_INVALID_INPUT / ERR_CHUNK_MESSAGE_TOO_LARGE for a message no connection could send. */
  constructor(type: number, timestamp: number, payload: Buffer) {
    if (!Buffer.isBuffer(payload)) throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, 'frame payload must be a Buffer');
    if (payload.length > PROTOCOL_MAX_MESSAGE_LENGTH) {
      throw new ChunkError(ErrorCode.CHUNK_MESSAGE_TOO_LARGE, `frame of ${payload.length} bytes exceeds the 24-bit length field. RTMP 1.0 §5.3.1.2.1`);
    }
    if (!isUint(type, 0xff)) throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `message type must be 0..255, got ${String(type)}`);
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `timestamp must be a finite number, got ${String(timestamp)}`);
    }
    this.type = type;
    this.timestamp = timestamp >>> 0;
    this.payload = payload;
  }

  /** Distinct wire forms built so far. */
  get serializations(): number {
    return (this.lastWire === undefined ? 0 : 1) + (this.others?.size ?? 0);
  }

  /**
   * True when `data`/`timestamp`/`type` still describe this frame: a stage that replaced a
   * message's payload or retimed it has made the frame stale, and the message is sent as its own.
   */
  describes(data: Buffer, timestamp: number, type: number): boolean {
    return data === this.payload && (timestamp >>> 0) === this.timestamp && type === this.type;
  }

  /**
   * Every chunk of the frame, headers included, for one header shape (the chunk writer decided
   * `fmt`, `field` and `extended` from its state): from the cache, or serialized into it.
   */
  wire(chunkStreamId: number, messageStreamId: number, fmt: 0 | 1 | 2 | 3, field: number, extended: boolean, chunkSize: number): Buffer {
    // chunkSize ≤ 2^31 and fmt/extended fit below it: one number for the shape, one for the chunk stream.
    const shape = chunkSize * 8 + fmt * 2 + (extended ? 1 : 0);
    const streams = chunkStreamId;
    if (this.lastWire !== undefined && this.lastShape === shape && this.lastStreams === streams && this.lastMessageStreamId === messageStreamId && this.lastField === field) {
      return this.lastWire;
    }
    const key = `${shape}:${streams}:${messageStreamId}:${field}`;
    let wire = this.others?.get(key);
    if (wire === undefined) {
      wire = serializeWithHeader(
        { chunkStreamId, messageStreamId, timestamp: this.timestamp, type: this.type, length: this.payload.length, data: this.payload },
        fmt,
        field,
        extended,
        chunkSize,
      );
    } else this.others!.delete(key);
    // The shape it replaces at the front stays available (a player in another state asks again).
    if (this.lastWire !== undefined) (this.others ??= new Map()).set(this.lastKey(), this.lastWire);
    this.lastWire = wire;
    this.lastShape = shape;
    this.lastStreams = streams;
    this.lastMessageStreamId = messageStreamId;
    this.lastField = field;
    return wire;
  }

  private lastKey(): string {
    return `${this.lastShape}:${this.lastStreams}:${this.lastMessageStreamId}:${this.lastField}`;
  }
}
