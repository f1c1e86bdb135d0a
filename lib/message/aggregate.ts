/**
 * Aggregate messages (type 22; RTMP 1.0 §7.1.6): a run of sub-messages, each an FLV-tag-like
 * header + payload + back pointer:
 *
 *   type (1) | payload length (3) | timestamp (3) + timestamp extension (1, the top 8 bits)
 *   | stream id (3) | payload | back pointer (4) = 11 + payload length
 *
 * The aggregate's own timestamp replaces the first sub-message's; the others keep their offset
 * from the first. The aggregate's message stream id applies to all of them (the sub-headers'
 * stream ids are ignored). Sub-message payloads are views into the aggregate, never copies.
 */
import { ErrorCode, MessageError } from '../errors.js';
import { checkInt, invalid, need } from './fields.js';
import type { Message } from './message.js';
import { MessageType } from './message-type.js';

/** Bytes of a sub-message header, and of the back pointer after its payload. */
export const AGGREGATE_SUB_HEADER_LENGTH = 11;
export const AGGREGATE_BACK_POINTER_LENGTH = 4;

export interface SplitAggregateOptions {
  /**
   * Check that each back pointer equals 11 + the sub-message length (default true). A mismatch
   * means the framing is lost, so it raises ERR_MESSAGE_BACK_POINTER_MISMATCH.
   */
  checkBackPointers?: boolean;
  /**
   * Sub-messages one aggregate may hold, those of nested aggregates included; more →
   * ERR_MESSAGE_AGGREGATE_TOO_MANY. Each becomes an object and an event, so this bounds the work
   * one message can cause (16 MiB of empty sub-messages would be 1.1 million). Default 65536.
   */
  maxMessages?: number;
  /**
   * Aggregate levels one message may have (1: no aggregate inside an aggregate); deeper →
   * ERR_MESSAGE_AGGREGATE_NESTED. Used where nested aggregates are opened (`CommandDecoder`,
   * `checkAggregate`); `splitAggregate` itself returns a nested aggregate as one message. Default 1.
   */
  maxDepth?: number;
}

/** Default `maxMessages`: sub-messages per aggregate, nested ones included. */
export const DEFAULT_MAX_AGGREGATE_MESSAGES = 65536;
/** Default `maxDepth`: no aggregate inside an aggregate. */
export const DEFAULT_MAX_AGGREGATE_DEPTH = 1;

function tooMany(max: number): MessageError {
  return new MessageError(ErrorCode.MESSAGE_AGGREGATE_TOO_MANY, `aggregate holds more than maxMessages=${max} sub-messages`);
}

/** One sub-message as written, before the aggregate's timestamp and stream id are applied. */
export interface AggregatePart {
  type: number;
  /** The 32-bit timestamp from the sub-header. */
  timestamp: number;
  /** The 24-bit stream id from the sub-header (ignored by `splitAggregate`). */
  streamId: number;
  data: Buffer;
}

export function decodeAggregate(payload: Buffer, options: SplitAggregateOptions = {}): AggregatePart[] {
  const checkBackPointers = options.checkBackPointers ?? true;
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_AGGREGATE_MESSAGES;
  const parts: AggregatePart[] = [];
  let offset = 0;
  while (offset < payload.length) {
    if (parts.length >= maxMessages) throw tooMany(maxMessages);
    need(payload, offset, AGGREGATE_SUB_HEADER_LENGTH, `aggregate sub-message ${parts.length} header`);
    const type = payload[offset]!;
    const length = payload.readUIntBE(offset + 1, 3);
    const timestamp = (payload.readUIntBE(offset + 4, 3) | (payload[offset + 7]! << 24)) >>> 0;
    const streamId = payload.readUIntBE(offset + 8, 3);
    const start = offset + AGGREGATE_SUB_HEADER_LENGTH;
    need(payload, start, length + AGGREGATE_BACK_POINTER_LENGTH, `aggregate sub-message ${parts.length} payload`);
    const backPointer = payload.readUInt32BE(start + length);
    if (checkBackPointers && backPointer !== AGGREGATE_SUB_HEADER_LENGTH + length) {
      throw new MessageError(
        ErrorCode.MESSAGE_BACK_POINTER_MISMATCH,
        `aggregate sub-message ${parts.length}: back pointer ${backPointer}, expected ${AGGREGATE_SUB_HEADER_LENGTH + length}`,
      );
    }
    parts.push({ type, timestamp, streamId, data: payload.subarray(start, start + length) });
    offset = start + length + AGGREGATE_BACK_POINTER_LENGTH;
  }
  return parts;
}

/**
 * Splits an aggregate into its messages, with absolute timestamps (RTMP 1.0 §7.1.6), the
 * aggregate's message stream id and chunk stream id.
 */
export function splitAggregate(message: Message, options?: SplitAggregateOptions): Message[] {
  const parts = decodeAggregate(message.data, options);
  if (parts.length === 0) return [];
  const first = parts[0]!.timestamp;
  return parts.map((part) => ({
    chunkStreamId: message.chunkStreamId,
    messageStreamId: message.messageStreamId,
    // 32-bit arithmetic: offsets and the result wrap like every RTMP timestamp.
    timestamp: (message.timestamp + (part.timestamp - first)) >>> 0,
    type: part.type,
    length: part.data.length,
    data: part.data,
  }));
}

type AggregateInput = Pick<Message, 'type' | 'timestamp' | 'messageStreamId' | 'data'>;

/** Encodes messages as an aggregate payload, each with its own timestamp in the sub-header. */
export function encodeAggregate(messages: readonly AggregateInput[]): Buffer {
  let total = 0;
  for (const m of messages) {
    checkInt(m.type, 0, 0xff, 'sub-message type');
    checkInt(m.data.length, 0, 0xffffff, 'sub-message length');
    checkInt(m.messageStreamId, 0, 0xffffff, 'sub-message stream id');
    checkInt(m.timestamp, 0, 0xffffffff, 'sub-message timestamp');
    total += AGGREGATE_SUB_HEADER_LENGTH + m.data.length + AGGREGATE_BACK_POINTER_LENGTH;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const m of messages) {
    out[offset] = m.type;
    out.writeUIntBE(m.data.length, offset + 1, 3);
    out.writeUIntBE(m.timestamp & 0xffffff, offset + 4, 3);
    out[offset + 7] = m.timestamp >>> 24;
    out.writeUIntBE(m.messageStreamId, offset + 8, 3);
    m.data.copy(out, offset + AGGREGATE_SUB_HEADER_LENGTH);
    offset += AGGREGATE_SUB_HEADER_LENGTH + m.data.length;
    out.writeUInt32BE(AGGREGATE_SUB_HEADER_LENGTH + m.data.length, offset);
    offset += AGGREGATE_BACK_POINTER_LENGTH;
  }
  return out;
}

/**
 * Builds an aggregate message from messages of one message stream. It takes the first message's
 * timestamp, stream id and (unless given) chunk stream id, so `splitAggregate` gives them back.
 */
export function createAggregateMessage(messages: readonly Message[], chunkStreamId?: number): Message {
  const first = messages[0];
  if (first === undefined) throw invalid('an aggregate needs at least one message');
  for (const m of messages) {
    if (m.messageStreamId !== first.messageStreamId) {
      throw invalid(`aggregate messages must share one message stream id (${first.messageStreamId} and ${m.messageStreamId})`);
    }
  }
  const data = encodeAggregate(messages);
  return {
    chunkStreamId: chunkStreamId ?? first.chunkStreamId,
    messageStreamId: first.messageStreamId,
    timestamp: first.timestamp >>> 0,
    type: MessageType.Aggregate,
    length: data.length,
    data,
  };
}
