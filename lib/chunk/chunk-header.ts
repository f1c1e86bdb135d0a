import { ChunkError, ErrorCode } from '../errors.js';
import type { Chunk } from './chunk.js';
import { MAX_CHUNK_STREAM_ID, MIN_CHUNK_STREAM_ID, PROTOCOL_MAX_MESSAGE_LENGTH, isUint } from './limits.js';

/** Message header size per fmt 0..3. RTMP 1.0 §5.3.1.2 */
export const MESSAGE_HEADER_SIZE: readonly number[] = [11, 7, 3, 0];
/** A 24-bit timestamp field holding this value means "read the 4-byte extended timestamp". RTMP 1.0 §5.3.1.3 */
export const EXTENDED_TIMESTAMP_MARKER = 0xffffff;

/**
 * Basic header size for a chunk stream id, shortest form: 1 byte for 2..63, 2 bytes for 64..319,
 * 3 bytes for 320..65599. RTMP 1.0 §5.3.1.1
 */
export function basicHeaderSize(chunkStreamId: number): number {
  return chunkStreamId < 64 ? 1 : chunkStreamId < 320 ? 2 : 3;
}

/** Whole header size (basic + message header + extended timestamp). */
export function chunkHeaderSize(fmt: number, chunkStreamId: number, extendedTimestamp: boolean): number {
  return basicHeaderSize(chunkStreamId) + MESSAGE_HEADER_SIZE[fmt]! + (extendedTimestamp ? 4 : 0);
}

/**
 * Writes one chunk header into `target` at `pos` and returns the position after it. Fields must be
 * valid already (see `checkChunkFields`). The timestamp field carries `timestampField` or, when
 * `extendedTimestamp`, the marker followed by the 4-byte value. RTMP 1.0 §5.3.1
 */
export function writeChunkHeader(
  target: Buffer,
  pos: number,
  fmt: number,
  chunkStreamId: number,
  timestampField: number,
  extendedTimestamp: boolean,
  messageLength: number,
  messageTypeId: number,
  messageStreamId: number,
): number {
  // Basic header. RTMP 1.0 §5.3.1.1: csid 0 / 1 in the low 6 bits select the 2- / 3-byte forms.
  if (chunkStreamId < 64) {
    target[pos++] = (fmt << 6) | chunkStreamId;
  } else if (chunkStreamId < 320) {
    target[pos++] = fmt << 6;
    target[pos++] = chunkStreamId - 64;
  } else {
    const rest = chunkStreamId - 64;
    target[pos++] = (fmt << 6) | 1;
    target[pos++] = rest & 0xff;
    target[pos++] = rest >>> 8;
  }
  if (fmt === 3) {
    // RTMP 1.0 §5.3.1.3: a type-3 chunk repeats the extended timestamp of its chunk stream.
    if (extendedTimestamp) pos = target.writeUInt32BE(timestampField, pos);
    return pos;
  }
  const field = extendedTimestamp ? EXTENDED_TIMESTAMP_MARKER : timestampField;
  target[pos++] = field >>> 16;
  target[pos++] = (field >>> 8) & 0xff;
  target[pos++] = field & 0xff;
  if (fmt <= 1) {
    target[pos++] = messageLength >>> 16;
    target[pos++] = (messageLength >>> 8) & 0xff;
    target[pos++] = messageLength & 0xff;
    target[pos++] = messageTypeId;
    // RTMP 1.0 §5.3.1.2.1: the message stream id is little-endian.
    if (fmt === 0) pos = target.writeUInt32LE(messageStreamId, pos);
  }
  if (extendedTimestamp) pos = target.writeUInt32BE(timestampField, pos);
  return pos;
}

/** Throws ERR_CHUNK_STREAM_ID_INVALID unless `id` is a chunk stream id 2..65599. RTMP 1.0 §5.3.1.1 */
export function checkChunkStreamId(id: unknown): number {
  if (!isUint(id, MAX_CHUNK_STREAM_ID) || id < MIN_CHUNK_STREAM_ID) {
    throw new ChunkError(
      ErrorCode.CHUNK_STREAM_ID_INVALID,
      `chunk stream id must be an integer in ${MIN_CHUNK_STREAM_ID}..${MAX_CHUNK_STREAM_ID}, got ${String(id)}`,
    );
  }
  return id;
}

/** Throws a typed error unless `chunk` is a `Chunk` whose header can be written as it says. */
export function checkChunkFields(chunk: unknown): Chunk {
  if (chunk === null || typeof chunk !== 'object') {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `expected a Chunk object, got ${chunk === null ? 'null' : typeof chunk}`);
  }
  const c = chunk as Partial<Chunk>;
  if (!Buffer.isBuffer(c.payload)) throw invalid('payload must be a Buffer');
  if (c.fmt !== 0 && c.fmt !== 1 && c.fmt !== 2 && c.fmt !== 3) throw invalid(`fmt must be 0..3, got ${String(c.fmt)}`);
  checkChunkStreamId(c.chunkStreamId);
  if (!isUint(c.messageLength, PROTOCOL_MAX_MESSAGE_LENGTH)) {
    throw new ChunkError(
      ErrorCode.CHUNK_MESSAGE_TOO_LARGE,
      `messageLength must be an integer in 0..${PROTOCOL_MAX_MESSAGE_LENGTH}, got ${String(c.messageLength)}`,
    );
  }
  if (!isUint(c.messageTypeId, 0xff)) throw invalid(`messageTypeId must be 0..255, got ${String(c.messageTypeId)}`);
  if (!isUint(c.messageStreamId, 0xffffffff)) throw invalid(`messageStreamId must be a 32-bit unsigned integer`);
  if (!isUint(c.timestampField, 0xffffffff)) throw invalid(`timestampField must be a 32-bit unsigned integer`);
  if (typeof c.extendedTimestamp !== 'boolean') throw invalid('extendedTimestamp must be a boolean');
  // RTMP 1.0 §5.3.1.3: 0xFFFFFF in the 24-bit field is the marker, so such values need the extension.
  if (!c.extendedTimestamp && c.timestampField >= EXTENDED_TIMESTAMP_MARKER) {
    throw invalid(`timestampField ${c.timestampField} needs extendedTimestamp: true`);
  }
  if (!isUint(c.messageOffset, PROTOCOL_MAX_MESSAGE_LENGTH) || c.messageOffset + c.payload.length > c.messageLength) {
    throw invalid(`payload (offset ${String(c.messageOffset)}, ${c.payload.length} bytes) overruns messageLength ${c.messageLength}`);
  }
  return c as Chunk;
}

function invalid(message: string): ChunkError {
  return new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, message);
}

/**
 * The header bytes of one chunk (basic header, message header for its fmt, extended timestamp),
 * without the payload. Pure; validates the chunk first. RTMP 1.0 §5.3.1
 */
export function encodeChunkHeader(chunk: Chunk): Buffer {
  const c = checkChunkFields(chunk);
  const out = Buffer.allocUnsafe(chunkHeaderSize(c.fmt, c.chunkStreamId, c.extendedTimestamp));
  writeChunkHeader(out, 0, c.fmt, c.chunkStreamId, c.timestampField, c.extendedTimestamp, c.messageLength, c.messageTypeId, c.messageStreamId);
  return out;
}
