/**
 * Aggregates (RTMP 1.0 §7.1.6) read one sub-message at a time, for a receiver that must not turn
 * a large aggregate into a million objects or events at once: `checkAggregate` validates the
 * whole message first (framing, back pointers, the sub-message count and the nesting depth), in
 * bounded time and without building anything, so a bad aggregate delivers nothing; then an
 * `AggregateReader` hands out the sub-messages in order, as the receiver has room for them, with
 * nested aggregates (when `maxDepth` allows them) opened in place. Timestamps and stream ids are
 * those `splitAggregate` gives, level by level.
 */
import { ErrorCode, MessageError } from '../errors.js';
import {
  AGGREGATE_BACK_POINTER_LENGTH,
  AGGREGATE_SUB_HEADER_LENGTH,
  DEFAULT_MAX_AGGREGATE_DEPTH,
  DEFAULT_MAX_AGGREGATE_MESSAGES,
  type SplitAggregateOptions,
} from './aggregate.js';
import { need } from './fields.js';
import type { Message } from './message.js';
import { MessageType } from './message-type.js';

/**
 * Validates an aggregate and every aggregate nested in it (see `SplitAggregateOptions`); returns
 * the number of sub-messages, nested ones and their contents included. Work is bounded by
 * `maxMessages` steps and the recursion by `maxDepth`.
 */
export function checkAggregate(message: Pick<Message, 'data'>, options: SplitAggregateOptions = {}): number {
  const limits = {
    checkBackPointers: options.checkBackPointers ?? true,
    maxMessages: options.maxMessages ?? DEFAULT_MAX_AGGREGATE_MESSAGES,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_AGGREGATE_DEPTH,
  };
  return checkLevel(message.data, 1, 0, limits);
}

function checkLevel(payload: Buffer, depth: number, counted: number, limits: Required<Pick<SplitAggregateOptions, 'checkBackPointers' | 'maxMessages' | 'maxDepth'>>): number {
  let offset = 0;
  let index = 0;
  while (offset < payload.length) {
    if (counted >= limits.maxMessages) {
      throw new MessageError(ErrorCode.MESSAGE_AGGREGATE_TOO_MANY, `aggregate holds more than maxMessages=${limits.maxMessages} sub-messages`);
    }
    // The description is built only for the error: this loop runs up to maxMessages times per message.
    if (offset + AGGREGATE_SUB_HEADER_LENGTH > payload.length) need(payload, offset, AGGREGATE_SUB_HEADER_LENGTH, `aggregate sub-message ${index} header`);
    const type = payload[offset]!;
    const length = (payload[offset + 1]! << 16) | (payload[offset + 2]! << 8) | payload[offset + 3]!;
    const start = offset + AGGREGATE_SUB_HEADER_LENGTH;
    if (start + length + AGGREGATE_BACK_POINTER_LENGTH > payload.length) need(payload, start, length + AGGREGATE_BACK_POINTER_LENGTH, `aggregate sub-message ${index} payload`);
    const backPointer = payload.readUInt32BE(start + length);
    if (limits.checkBackPointers && backPointer !== AGGREGATE_SUB_HEADER_LENGTH + length) {
      throw new MessageError(
        ErrorCode.MESSAGE_BACK_POINTER_MISMATCH,
        `aggregate sub-message ${index}: back pointer ${backPointer}, expected ${AGGREGATE_SUB_HEADER_LENGTH + length}`,
      );
    }
    counted++;
    if (type === MessageType.Aggregate) {
      if (depth >= limits.maxDepth) {
        throw new MessageError(
          ErrorCode.MESSAGE_AGGREGATE_NESTED,
          `aggregate sub-message ${index} is an aggregate nested ${depth} deep, over maxDepth=${limits.maxDepth}`,
        );
      }
      counted = checkLevel(payload.subarray(start, start + length), depth + 1, counted, limits);
    }
    offset = start + length + AGGREGATE_BACK_POINTER_LENGTH;
    index++;
  }
  return counted;
}

/** One open aggregate level. */
interface Level {
  data: Buffer;
  offset: number;
  chunkStreamId: number;
  messageStreamId: number;
  /** The aggregate's own timestamp, which replaces its first sub-message's. */
  timestamp: number;
  /** The first sub-message's timestamp as written: the others keep their offset from it. */
  first: number;
}

/** Sub-messages of an aggregate that passed `checkAggregate` (with the same options), one by one. */
export class AggregateReader {
  private readonly levels: Level[] = [];

  constructor(message: Message) {
    this.open(message);
  }

  /** The next sub-message (never an aggregate: those are opened), or undefined at the end. */
  next(): Message | undefined {
    for (;;) {
      const level = this.levels[this.levels.length - 1];
      if (level === undefined) return undefined;
      const payload = level.data;
      const offset = level.offset;
      if (payload.length - offset < AGGREGATE_SUB_HEADER_LENGTH) {
        this.levels.pop();
        continue;
      }
      const type = payload[offset]!;
      const length = (payload[offset + 1]! << 16) | (payload[offset + 2]! << 8) | payload[offset + 3]!;
      const start = offset + AGGREGATE_SUB_HEADER_LENGTH;
      level.offset = start + length + AGGREGATE_BACK_POINTER_LENGTH;
      const data = payload.subarray(start, start + length);
      const message: Message = {
        chunkStreamId: level.chunkStreamId,
        messageStreamId: level.messageStreamId,
        // 32-bit arithmetic: offsets and the result wrap like every RTMP timestamp.
        timestamp: (level.timestamp + (subTimestamp(payload, offset) - level.first)) >>> 0,
        type,
        length: data.length,
        data,
      };
      if (type === MessageType.Aggregate) {
        this.open(message);
        continue;
      }
      return message;
    }
  }

  private open(message: Message): void {
    const data = message.data;
    this.levels.push({
      data,
      offset: 0,
      chunkStreamId: message.chunkStreamId,
      messageStreamId: message.messageStreamId,
      timestamp: message.timestamp,
      first: data.length >= AGGREGATE_SUB_HEADER_LENGTH ? subTimestamp(data, 0) : 0,
    });
  }
}

/** A sub-header's timestamp: 24 bits plus the extension byte as the top 8. */
function subTimestamp(payload: Buffer, offset: number): number {
  return (((payload[offset + 4]! << 16) | (payload[offset + 5]! << 8) | payload[offset + 6]!) | (payload[offset + 7]! << 24)) >>> 0;
}
