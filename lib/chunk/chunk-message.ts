import type { Message } from '../message/index.js';
import type { Chunk } from './chunk.js';
import { checkChunkSize } from './limits.js';
import { ChunkStreamWriterState, OutboundChunkState, advanceChunkStream, checkOutboundMessage } from './outbound-state.js';

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
