/**
 * Every error this library raises is an `RtmpError` (or a subclass per layer) with a stable
 * `code` string from `ErrorCode`, in the style of Node's `ERR_*` codes. Match on `code`, never on
 * the message text.
 */

export const ErrorCode = {
  // AMF (lib/amf)
  AMF_TRUNCATED: 'ERR_AMF_TRUNCATED',
  AMF_UNKNOWN_MARKER: 'ERR_AMF_UNKNOWN_MARKER',
  AMF_RESERVED_MARKER: 'ERR_AMF_RESERVED_MARKER',
  AMF_BAD_REFERENCE: 'ERR_AMF_BAD_REFERENCE',
  AMF_DEPTH_EXCEEDED: 'ERR_AMF_DEPTH_EXCEEDED',
  AMF_TOO_MANY_REFERENCES: 'ERR_AMF_TOO_MANY_REFERENCES',
  AMF_LENGTH_EXCEEDED: 'ERR_AMF_LENGTH_EXCEEDED',
  AMF_UNKNOWN_EXTERNALIZABLE: 'ERR_AMF_UNKNOWN_EXTERNALIZABLE',
  AMF_UNENCODABLE: 'ERR_AMF_UNENCODABLE',
  AMF_INVALID: 'ERR_AMF_INVALID',

  // Handshake (lib/handshake)
  HANDSHAKE_VERSION: 'ERR_HANDSHAKE_VERSION',
  HANDSHAKE_TIMEOUT: 'ERR_HANDSHAKE_TIMEOUT',
  HANDSHAKE_DIGEST: 'ERR_HANDSHAKE_DIGEST',
  HANDSHAKE_CLOSED: 'ERR_HANDSHAKE_CLOSED',

  // Chunk stream (lib/chunk)
  CHUNK_SIZE_INVALID: 'ERR_CHUNK_SIZE_INVALID',
  CHUNK_NO_PREVIOUS_HEADER: 'ERR_CHUNK_NO_PREVIOUS_HEADER',
  CHUNK_MESSAGE_TOO_LARGE: 'ERR_CHUNK_MESSAGE_TOO_LARGE',
  CHUNK_TOO_MANY_STREAMS: 'ERR_CHUNK_TOO_MANY_STREAMS',
  CHUNK_PARTIAL_BYTES_EXCEEDED: 'ERR_CHUNK_PARTIAL_BYTES_EXCEEDED',
  CHUNK_STREAM_ID_INVALID: 'ERR_CHUNK_STREAM_ID_INVALID',
  CHUNK_INVALID_INPUT: 'ERR_CHUNK_INVALID_INPUT',
  CHUNK_TRUNCATED: 'ERR_CHUNK_TRUNCATED',
  CHUNK_INVALID_OPTION: 'ERR_CHUNK_INVALID_OPTION',

  // Messages (lib/message)
  MESSAGE_TRUNCATED: 'ERR_MESSAGE_TRUNCATED',
  MESSAGE_INVALID: 'ERR_MESSAGE_INVALID',
  MESSAGE_UNKNOWN_TYPE: 'ERR_MESSAGE_UNKNOWN_TYPE',
  MESSAGE_BACK_POINTER_MISMATCH: 'ERR_MESSAGE_BACK_POINTER_MISMATCH',
  MESSAGE_UNKNOWN_SO_EVENT: 'ERR_MESSAGE_UNKNOWN_SO_EVENT',
  MESSAGE_AGGREGATE_TOO_MANY: 'ERR_MESSAGE_AGGREGATE_TOO_MANY',
  MESSAGE_AGGREGATE_NESTED: 'ERR_MESSAGE_AGGREGATE_NESTED',

  // FLV files and codec configuration (lib/flv, lib/codec)
  FLV_BAD_SIGNATURE: 'ERR_FLV_BAD_SIGNATURE',
  FLV_BAD_HEADER: 'ERR_FLV_BAD_HEADER',
  FLV_TRUNCATED: 'ERR_FLV_TRUNCATED',
  FLV_BAD_TAG_SIZE: 'ERR_FLV_BAD_TAG_SIZE',
  FLV_UNKNOWN_TAG: 'ERR_FLV_UNKNOWN_TAG',
  FLV_ENCRYPTED: 'ERR_FLV_ENCRYPTED',
  FLV_TAG_TOO_LARGE: 'ERR_FLV_TAG_TOO_LARGE',
  FLV_INVALID_INPUT: 'ERR_FLV_INVALID_INPUT',
  CODEC_INVALID: 'ERR_CODEC_INVALID',
  CODEC_TRUNCATED: 'ERR_CODEC_TRUNCATED',

  // Stage splicing and pipelines
  STAGE_MODE_MISMATCH: 'ERR_STAGE_MODE_MISMATCH',

  // Sessions: connections, commands, server and client (lib/session, lib/server, lib/client)
  SESSION_CLOSED: 'ERR_SESSION_CLOSED',
  SESSION_READ_TIMEOUT: 'ERR_SESSION_READ_TIMEOUT',
  SESSION_WRITE_TIMEOUT: 'ERR_SESSION_WRITE_TIMEOUT',
  SESSION_STATE: 'ERR_SESSION_STATE',
  COMMAND_FAILED: 'ERR_COMMAND_FAILED',
  COMMAND_TIMEOUT: 'ERR_COMMAND_TIMEOUT',
  CONNECT_REJECTED: 'ERR_CONNECT_REJECTED',
  CONNECT_TIMEOUT: 'ERR_CONNECT_TIMEOUT',
  INVALID_URL: 'ERR_INVALID_URL',
  PUBLISH_REJECTED: 'ERR_PUBLISH_REJECTED',
  PLAY_REJECTED: 'ERR_PLAY_REJECTED',
  /** Not raised any more: an aborted `signal` rejects with `signal.reason` (kept so code matching on it compiles). */
  ABORTED: 'ERR_ABORTED',
  SERVER_STATE: 'ERR_SERVER_STATE',
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  MEMORY_BUDGET: 'ERR_MEMORY_BUDGET',
  /** A connected client neither published nor played within the server's idleTimeout. */
  SESSION_IDLE_TIMEOUT: 'ERR_SESSION_IDLE_TIMEOUT',
  /** A record or VOD path met a symbolic link, a hard-linked or non-regular file below its root. */
  PATH_ESCAPES_ROOT: 'ERR_PATH_ESCAPES_ROOT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class RtmpError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

export class AmfError extends RtmpError {}
export class HandshakeError extends RtmpError {}
export class ChunkError extends RtmpError {}
export class MessageError extends RtmpError {}
export class StageError extends RtmpError {}
export class SessionError extends RtmpError {}
export class FlvError extends RtmpError {}
export class CodecError extends RtmpError {}

/** A `_error` answer (or an error-level onStatus) from the peer; `info` is its information object. */
export class CommandError extends RtmpError {
  readonly info: unknown;
  constructor(code: ErrorCode, message: string, info?: unknown, options?: { cause?: unknown }) {
    super(code, message, options);
    this.info = info;
  }
}

/** True when `err` is one of ours with the given code. */
export function isRtmpError(err: unknown, code?: ErrorCode): err is RtmpError {
  return err instanceof RtmpError && (code === undefined || err.code === code);
}
