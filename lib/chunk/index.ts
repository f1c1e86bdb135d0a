/** The chunk stream layer (RTMP 1.0 §5.3): bytes ⇄ chunks ⇄ messages. */
export type { Chunk } from './chunk.js';
export { ChunkDecoder, DEFAULT_BYTES_PER_TURN, DEFAULT_CHUNKS_PER_TURN, type ChunkDecoderOptions } from './chunk-decoder.js';
export { ChunkParser, type ChunkParserOptions, type ChunkParserSink } from './chunk-parser.js';
export { TurnBudget, type TurnBudgetOptions } from './turn-budget.js';
export { MessageAssembler, type MessageAssemblerOptions } from './message-assembler.js';
export {
  EXACT_ALLOCATION_LIMIT,
  MAX_VIEW_PARTS,
  MessageCollector,
  accumulatorCapacity,
  type MemoryAccount,
  type MessageCollectorOptions,
} from './message-collector.js';
export { MessageChunker, chunkMessage, type MessageChunkerOptions } from './message-chunker.js';
export { ChunkWriter, type ChunkWriterOptions, type FramedMessage } from './chunk-writer.js';
export { SharedFrame } from './shared-frame.js';
export { ChunkEncoder, type ChunkEncoderOptions } from './chunk-encoder.js';
export { serializeMessage } from './serialize-message.js';
export {
  ChunkStreamWriterState,
  OutboundChunkState,
  advanceChunkStream,
  checkOutboundMessage,
  nextChunkSize,
} from './outbound-state.js';
export {
  EXTENDED_TIMESTAMP_MARKER,
  MESSAGE_HEADER_SIZE,
  basicHeaderSize,
  checkChunkFields,
  checkChunkStreamId,
  chunkHeaderSize,
  encodeChunkHeader,
  writeChunkHeader,
} from './chunk-header.js';
export { ByteQueue } from './byte-queue.js';
export { ownsItsMemory } from './slab-allocator.js';
export {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_CHUNK_SIZE,
  DEFAULT_MAX_CHUNK_STREAMS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_PARTIAL_BYTES,
  MAX_CHUNK_STREAM_ID,
  MIN_CHUNK_STREAM_ID,
  PROTOCOL_MAX_CHUNK_SIZE,
  PROTOCOL_MAX_MESSAGE_LENGTH,
} from './limits.js';
