/**
 * Header compression for outgoing messages (RTMP 1.0 §5.3.1.2): each chunk stream remembers the
 * last header it sent, and the next message gets the smallest header that is correct given it.
 * Shared by `MessageChunker` and `serializeMessage`, so both pick the same headers.
 */
import { ChunkError, ErrorCode } from '../errors.js';
import { MessageType, type Message } from '../message/index.js';
import { EXTENDED_TIMESTAMP_MARKER, checkChunkStreamId } from './chunk-header.js';
import { describe } from './describe.js';
import { PROTOCOL_MAX_MESSAGE_LENGTH, checkChunkSize, isUint } from './limits.js';

/** The last header sent on one chunk stream. */
export class ChunkStreamWriterState {
  /** False until a message was sent: the first one needs fmt 0. */
  initialized = false;
  messageStreamId = 0;
  messageLength = 0;
  messageTypeId = 0;
  /** Absolute timestamp of the last message. */
  timestamp = 0;
  /** The timestamp field last written: absolute after fmt 0, the delta after fmt 1/2/3. */
  timestampField = 0;
  /** Whether a delta is established (the last fmt 0/1/2 header was fmt 1 or 2), so fmt 3 may start a message. */
  hasDelta = false;
  /** Whether the last fmt 0/1/2 header used the extended timestamp (fmt 3 chunks then repeat it). */
  extendedTimestamp = false;
}

/** Header state of every chunk stream of one outgoing direction. */
export class OutboundChunkState {
  /** Chunk streams 0..63 (all a server or client of ours uses) by id: looked up per message and player. */
  private readonly lowStreams: (ChunkStreamWriterState | undefined)[] = new Array<ChunkStreamWriterState | undefined>(64).fill(undefined);
  /** Chunk streams 64..65599. */
  private readonly highStreams = new Map<number, ChunkStreamWriterState>();

  /** The state of one chunk stream, created on first use. */
  stream(chunkStreamId: number): ChunkStreamWriterState {
    const low = (chunkStreamId & 63) === chunkStreamId;
    let s = low ? this.lowStreams[chunkStreamId] : this.highStreams.get(chunkStreamId);
    if (s === undefined) {
      s = new ChunkStreamWriterState();
      if (low) this.lowStreams[chunkStreamId] = s;
      else this.highStreams.set(chunkStreamId, s);
    }
    return s;
  }
}

/**
 * Picks the header format for the next message on a chunk stream and records it in `s`. Afterwards
 * `s.timestampField` and `s.extendedTimestamp` are what that header (and every continuation chunk
 * of the message) carries.
 *
 * - fmt 0: first message, a different message stream id, or the timestamp going backwards (a
 *   delta of 2^31 or more in 32-bit serial arithmetic; a forward wrap past 2^32 is a small delta).
 * - fmt 1: same message stream id.
 * - fmt 2: also the same length and type.
 * - fmt 3: also the same delta as the previous header's, and that header set a delta: a fmt 3 that
 *   follows a fmt 0 would repeat its absolute timestamp as a delta (legal per §5.3.1.2.4's example,
 *   but peers disagree), so after fmt 0 we send fmt 2 once.
 */
export function advanceChunkStream(
  s: ChunkStreamWriterState,
  messageStreamId: number,
  messageLength: number,
  messageTypeId: number,
  timestamp: number,
): 0 | 1 | 2 | 3 {
  let fmt: 0 | 1 | 2 | 3;
  const delta = (timestamp - s.timestamp) >>> 0;
  if (!s.initialized || messageStreamId !== s.messageStreamId || delta >= 0x80000000) {
    fmt = 0;
    s.timestampField = timestamp;
    s.hasDelta = false;
    s.extendedTimestamp = timestamp >= EXTENDED_TIMESTAMP_MARKER;
  } else {
    if (messageLength !== s.messageLength || messageTypeId !== s.messageTypeId) fmt = 1;
    else if (s.hasDelta && delta === s.timestampField) fmt = 3;
    else fmt = 2;
    if (fmt !== 3) {
      s.timestampField = delta;
      s.hasDelta = true;
      s.extendedTimestamp = delta >= EXTENDED_TIMESTAMP_MARKER;
    }
  }
  s.initialized = true;
  s.messageStreamId = messageStreamId;
  s.messageLength = messageLength;
  s.messageTypeId = messageTypeId;
  s.timestamp = timestamp;
  return fmt;
}

/** Throws a typed error unless `message` is a `Message` the chunk layer can send. */
export function checkOutboundMessage(message: unknown): Message {
  if (message === null || typeof message !== 'object') {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `expected a Message object, got ${describe(message)}`);
  }
  const m = message as Partial<Message>;
  if (!Buffer.isBuffer(m.data)) throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, 'message data must be a Buffer');
  checkChunkStreamId(m.chunkStreamId);
  if (m.data.length > PROTOCOL_MAX_MESSAGE_LENGTH) {
    throw new ChunkError(
      ErrorCode.CHUNK_MESSAGE_TOO_LARGE,
      `message of ${m.data.length} bytes exceeds the 24-bit length field (${PROTOCOL_MAX_MESSAGE_LENGTH}). RTMP 1.0 §5.3.1.2.1`,
    );
  }
  if (m.length !== undefined && m.length !== m.data.length) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `message length ${String(m.length)} differs from data.length ${m.data.length}`);
  }
  if (!isUint(m.type, 0xff)) throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `message type must be 0..255, got ${String(m.type)}`);
  if (!isUint(m.messageStreamId, 0xffffffff)) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `messageStreamId must be a 32-bit unsigned integer, got ${String(m.messageStreamId)}`);
  }
  if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `timestamp must be a finite number, got ${String(m.timestamp)}`);
  }
  return m as Message;
}

/**
 * The chunk size to use after sending `message` from `current`: a Set Chunk Size message switches
 * the sender right after it (RTMP 1.0 §5.4.1); anything else leaves it. Throws
 * ERR_CHUNK_SIZE_INVALID for a Set Chunk Size that is short, 0 or has the top bit set.
 */
export function nextChunkSize(message: Message, current: number): number {
  if (message.type !== MessageType.SetChunkSize) return current;
  if (message.data.length < 4) {
    throw new ChunkError(ErrorCode.CHUNK_SIZE_INVALID, `Set Chunk Size message of ${message.data.length} bytes, expected 4`);
  }
  return checkChunkSize(message.data.readUInt32BE(0));
}
