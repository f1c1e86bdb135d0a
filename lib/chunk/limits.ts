import { ChunkError, ErrorCode } from '../errors.js';

/** Chunk size both directions start with. RTMP 1.0 §5.4.1 */
export const DEFAULT_CHUNK_SIZE = 128;
/** Largest chunk size the protocol can express: 31 bits, the top bit must be 0. RTMP 1.0 §5.4.1 */
export const PROTOCOL_MAX_CHUNK_SIZE = 0x7fffffff;
/**
 * Largest chunk size a peer may set on the decoder (1 MiB). The decoder holds one chunk's bytes
 * when it spans socket reads, so this bounds that buffer. Peers use 128..65536 in practice.
 */
export const DEFAULT_MAX_CHUNK_SIZE = 65536 * 16;
/** The message length field is 24 bits. RTMP 1.0 §5.3.1.2.1 */
export const PROTOCOL_MAX_MESSAGE_LENGTH = 0xffffff;
/** Default largest message accepted: the 24-bit maximum (16 MiB - 1). Set lower to bound memory. */
export const DEFAULT_MAX_MESSAGE_SIZE = PROTOCOL_MAX_MESSAGE_LENGTH;
/**
 * Default number of chunk stream ids one connection may use. Real peers use 2..10 (a few more
 * when they multiplex several message streams); 64 leaves room and bounds per-stream state.
 */
export const DEFAULT_MAX_CHUNK_STREAMS = 64;
/** Default cap on bytes held in incomplete messages across all chunk streams (32 MiB). */
export const DEFAULT_MAX_PARTIAL_BYTES = 32 * 1024 * 1024;
/** Chunk stream ids 0 and 1 are basic-header markers; 65599 is the 3-byte form's maximum. RTMP 1.0 §5.3.1.1 */
export const MIN_CHUNK_STREAM_ID = 2;
export const MAX_CHUNK_STREAM_ID = 65599;

/** Reads an optional positive-integer option, or fails with ERR_CHUNK_INVALID_OPTION. */
export function positiveIntegerOption(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_OPTION, `${name} must be an integer in 1..${max}, got ${String(value)}`);
  }
  return value;
}

/** Reads an optional non-negative-integer option (0 allowed), or fails with ERR_CHUNK_INVALID_OPTION. */
export function nonNegativeIntegerOption(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ChunkError(ErrorCode.CHUNK_INVALID_OPTION, `${name} must be an integer in 0..${max}, got ${String(value)}`);
  }
  return value;
}

/** Validates a chunk size against the protocol range and a local limit. RTMP 1.0 §5.4.1 */
export function checkChunkSize(size: number, max: number = PROTOCOL_MAX_CHUNK_SIZE): number {
  if (!Number.isInteger(size) || size < 1 || size > PROTOCOL_MAX_CHUNK_SIZE) {
    throw new ChunkError(ErrorCode.CHUNK_SIZE_INVALID, `chunk size must be in 1..${PROTOCOL_MAX_CHUNK_SIZE}, got ${size}`);
  }
  if (size > max) {
    throw new ChunkError(ErrorCode.CHUNK_SIZE_INVALID, `chunk size ${size} exceeds the limit maxChunkSize=${max}`);
  }
  return size;
}

/** Whether `value` is an integer in 0..max. */
export function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}
