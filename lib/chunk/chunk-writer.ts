/**
 * `ChunkWriter`: the outbound core of the chunk layer, one per connection. It owns what the peer's
 * decoder must agree with: the header state of every chunk stream (RTMP 1.0 §5.3.1.2: each message
 * gets the smallest correct header) and the chunk size (switched right after an outgoing Set Chunk
 * Size, §5.4.1). Synchronous and I/O-free: it turns messages and shared frames into bytes (for the
 * socket) or into `Chunk` objects (for a stage spliced at the 'chunks' boundary), and counts every
 * byte it produces, so its owner knows its backlog exactly.
 *
 * Every byte comes from one serializer (`serializeWithHeader`, via `serializeMessage` for a
 * connection's own messages and via `SharedFrame.wire` for fan-out frames).
 */
import { ChunkError, ErrorCode } from '../errors.js';
import type { Message } from '../message/index.js';
import type { Chunk } from './chunk.js';
import { MESSAGE_HEADER_SIZE, basicHeaderSize, checkChunkStreamId, chunkHeaderSize } from './chunk-header.js';
import { DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE, isUint, positiveIntegerOption } from './limits.js';
import { chunkMessage } from './chunk-message.js';
import { OutboundChunkState, advanceChunkStream, checkOutboundMessage, nextChunkSize } from './outbound-state.js';
import { serializeMessage } from './serialize-message.js';
import type { SharedFrame } from './shared-frame.js';

/** A message that may travel with the shared frame it was made from (see `SharedFrame.describes`). */
export interface FramedMessage extends Message {
  frame?: SharedFrame;
}

export interface ChunkWriterOptions {
  /** Chunk size before any outgoing Set Chunk Size. Default 128 (RTMP 1.0 §5.4.1). */
  chunkSize?: number;
}

export class ChunkWriter {
  private readonly state = new OutboundChunkState();
  private size: number;
  /** Bytes produced so far (headers and payloads, as they go on the wire). */
  bytesProduced = 0;

  constructor(options: ChunkWriterOptions = {}) {
    this.size = positiveIntegerOption('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE);
  }

  /** Chunk size used for the next message. */
  get chunkSize(): number {
    return this.size;
  }

  /**
   * Every chunk of `message` in one Buffer. A message that still matches its `frame` is taken
   * from the frame's serializations. Throws a `ChunkError` (and changes no state) for a message
   * that cannot be sent.
   */
  serialize(message: FramedMessage): Buffer {
    const frame = message.frame;
    if (frame !== undefined && frame.describes(message.data, message.timestamp, message.type)) {
      return this.serializeFrame(frame, message.chunkStreamId, message.messageStreamId);
    }
    // Validate (a Set Chunk Size value included) before any header state changes.
    const next = nextChunkSize(checkOutboundMessage(message), this.size);
    const bytes = serializeMessage(message, this.state, this.size);
    this.size = next;
    this.bytesProduced += bytes.length;
    return bytes;
  }

  /** `serialize` of a shared frame given by its streams: no message object is built (the fan-out path). */
  serializeFrame(frame: SharedFrame, chunkStreamId: number, messageStreamId: number): Buffer {
    checkFrameStreams(chunkStreamId, messageStreamId);
    const s = this.state.stream(chunkStreamId);
    const fmt = advanceChunkStream(s, messageStreamId, frame.payload.length, frame.type, frame.timestamp);
    const wire = frame.wire(chunkStreamId, messageStreamId, fmt, s.timestampField, s.extendedTimestamp, this.size);
    this.bytesProduced += wire.length;
    return wire;
  }

  /**
   * `message` as `Chunk` objects, for a stage at the 'chunks' boundary. Chunks of a framed message
   * also carry `wire`, their bytes in the frame's serialization (see `Chunk.wire`).
   */
  chunk(message: FramedMessage): Chunk[] {
    const next = nextChunkSize(checkOutboundMessage(message), this.size);
    const frame = message.frame;
    const chunks = frame !== undefined && frame.describes(message.data, message.timestamp, message.type)
      ? this.frameChunks(frame, message.chunkStreamId, message.messageStreamId)
      : chunkMessage(message, this.state, this.size);
    for (const c of chunks) this.bytesProduced += chunkHeaderSize(c.fmt, c.chunkStreamId, c.extendedTimestamp) + c.payload.length;
    this.size = next;
    return chunks;
  }

  private frameChunks(frame: SharedFrame, chunkStreamId: number, messageStreamId: number): Chunk[] {
    const s = this.state.stream(chunkStreamId);
    const length = frame.payload.length;
    const first = advanceChunkStream(s, messageStreamId, length, frame.type, frame.timestamp);
    const field = s.timestampField;
    const extended = s.extendedTimestamp;
    const size = this.size;
    const wire = frame.wire(chunkStreamId, messageStreamId, first, field, extended, size);
    const continuation = basicHeaderSize(chunkStreamId) + (extended ? 4 : 0);
    const chunks: Chunk[] = [];
    let fmt = first;
    let pos = 0;
    let offset = 0;
    do {
      const header = continuation + MESSAGE_HEADER_SIZE[fmt]!;
      const end = Math.min(offset + size, length);
      const payload = wire.subarray(pos + header, pos + header + (end - offset));
      chunks.push({
        fmt,
        chunkStreamId,
        timestamp: frame.timestamp,
        timestampField: field,
        extendedTimestamp: extended,
        messageLength: length,
        messageTypeId: frame.type,
        messageStreamId,
        messageOffset: offset,
        payload,
        wire: wire.subarray(pos, pos + header + payload.length),
      });
      pos += header + payload.length;
      offset = end;
      fmt = 3;
    } while (offset < length);
    return chunks;
  }
}

function checkFrameStreams(chunkStreamId: number, messageStreamId: number): void {
  checkChunkStreamId(chunkStreamId);
  if (!isUint(messageStreamId, 0xffffffff)) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `messageStreamId must be a 32-bit unsigned integer, got ${String(messageStreamId)}`);
  }
}
