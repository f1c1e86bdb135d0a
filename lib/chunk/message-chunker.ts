import { Transform, type TransformCallback } from 'node:stream';
import type { Message } from '../message/message.js';
import type { Chunk } from './chunk.js';
import { DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE, checkChunkSize, positiveIntegerOption } from './limits.js';
import {
  ChunkStreamWriterState,
  OutboundChunkState,
  advanceChunkStream,
  checkOutboundMessage,
  nextChunkSize,
} from './outbound-state.js';

export interface MessageChunkerOptions {
  /** Chunk size before any outgoing Set Chunk Size. Default 128 (RTMP 1.0 §5.4.1). */
  chunkSize?: number;
  /** Objects queued per side (messages in, chunks out) before backpressure. Default 64. */
  highWaterMark?: number;
}

/**
 * Splits one message into chunks with the smallest correct headers (see `advanceChunkStream`),
 * updating `state`. The first chunk carries the chosen fmt, the rest are fmt 3 continuations.
 * Payloads are views of `message.data`. Pure apart from `state`. RTMP 1.0 §5.3.1
 */
export function chunkMessage(message: Message, state: ChunkStreamWriterState | OutboundChunkState, chunkSize: number): Chunk[] {
  const m = checkOutboundMessage(message);
  checkChunkSize(chunkSize);
  const csid = m.chunkStreamId;
  const data = m.data;
  const length = data.length;
  const timestamp = m.timestamp >>> 0;
  const s = state instanceof OutboundChunkState ? state.stream(csid) : state;
  let fmt = advanceChunkStream(s, m.messageStreamId, length, m.type, timestamp);
  const chunks: Chunk[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + chunkSize, length);
    chunks.push({
      fmt,
      chunkStreamId: csid,
      timestamp,
      timestampField: s.timestampField,
      extendedTimestamp: s.extendedTimestamp,
      messageLength: length,
      messageTypeId: m.type,
      messageStreamId: m.messageStreamId,
      messageOffset: offset,
      payload: data.subarray(offset, end),
    });
    offset = end;
    fmt = 3;
  } while (offset < length);
  return chunks;
}

/**
 * `Message` → `Chunk`, object mode on both sides. Keeps the per-chunk-stream header state, and
 * when it chunks an outgoing Set Chunk Size message it switches to the new size right after it,
 * as the peer's decoder will. Bad messages fail with a typed `ChunkError`.
 */
export class MessageChunker extends Transform {
  private readonly state = new OutboundChunkState();
  private size: number;

  constructor(options: MessageChunkerOptions = {}) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({ objectMode: true, highWaterMark });
    this.size = positiveIntegerOption('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE);
  }

  /** Chunk size used for the next message. */
  get chunkSize(): number {
    return this.size;
  }

  override _transform(message: Message, _encoding: BufferEncoding, callback: TransformCallback): void {
    let chunks: Chunk[];
    let next: number;
    try {
      // Validate (a Set Chunk Size value included) before any header state changes.
      next = nextChunkSize(checkOutboundMessage(message), this.size);
      chunks = chunkMessage(message, this.state, this.size);
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const chunk of chunks) this.push(chunk);
    this.size = next;
    callback();
  }
}

export interface MessageChunker {
  on(event: 'data', listener: (chunk: Chunk) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
