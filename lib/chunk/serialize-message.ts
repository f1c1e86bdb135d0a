import type { Message } from '../message/index.js';
import { MESSAGE_HEADER_SIZE, basicHeaderSize, writeChunkHeader } from './chunk-header.js';
import { checkChunkSize } from './limits.js';
import { ChunkStreamWriterState, OutboundChunkState, advanceChunkStream, checkOutboundMessage } from './outbound-state.js';

/**
 * Every chunk of one message, headers included, in one Buffer: the fan-out fast path (serialize a
 * media message once per header state and chunk size, write the same bytes to many sockets).
 * Produces exactly the bytes `MessageChunker` → `ChunkEncoder` would, and updates `state` the same
 * way. It does not act on Set Chunk Size: after serializing one, switch `chunkSize` yourself
 * (`nextChunkSize(message, chunkSize)` gives the new value). I/O-free. RTMP 1.0 §5.3.1
 */
export function serializeMessage(message: Message, state: ChunkStreamWriterState | OutboundChunkState, chunkSize: number): Buffer {
  const m = checkOutboundMessage(message);
  checkChunkSize(chunkSize);
  const csid = m.chunkStreamId;
  const data = m.data;
  const length = data.length;
  const type = m.type;
  const streamId = m.messageStreamId;
  const s = state instanceof OutboundChunkState ? state.stream(csid) : state;
  const fmt = advanceChunkStream(s, streamId, length, type, m.timestamp >>> 0);
  return serializeWithHeader(m, fmt, s.timestampField, s.extendedTimestamp, chunkSize);
}

/**
 * Every chunk of a checked message with the header already decided (`advanceChunkStream`): the
 * first chunk gets `fmt`, the rest are fmt 3 continuations repeating the timestamp field.
 */
export function serializeWithHeader(m: Message, fmt: 0 | 1 | 2 | 3, field: number, extended: boolean, chunkSize: number): Buffer {
  const csid = m.chunkStreamId;
  const data = m.data;
  const length = data.length;
  const type = m.type;
  const streamId = m.messageStreamId;
  const continuationHeader = basicHeaderSize(csid) + (extended ? 4 : 0);
  const chunkCount = length === 0 ? 1 : Math.ceil(length / chunkSize);
  const firstHeader = continuationHeader + MESSAGE_HEADER_SIZE[fmt]!;
  const out = Buffer.allocUnsafe(firstHeader + (chunkCount - 1) * continuationHeader + length);
  let pos = writeChunkHeader(out, 0, fmt, csid, field, extended, length, type, streamId);
  let offset = 0;
  for (;;) {
    const end = Math.min(offset + chunkSize, length);
    pos += data.copy(out, pos, offset, end);
    offset = end;
    if (offset >= length) return out;
    pos = writeChunkHeader(out, pos, 3, csid, field, extended, length, type, streamId);
  }
}
