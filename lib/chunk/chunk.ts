/**
 * What flows between `ChunkDecoder` → `MessageAssembler` and `MessageChunker` → `ChunkEncoder`:
 * one chunk with its header fully resolved (deltas applied, fields inherited from earlier chunks of
 * the same chunk stream), plus where its payload sits in the message.
 */
export interface Chunk {
  /** Header format as it was (decoder) or is to be (encoder) written: 0, 1, 2 or 3. RTMP 1.0 §5.3.1.2 */
  fmt: 0 | 1 | 2 | 3;
  /** Chunk stream id, 2..65599. */
  chunkStreamId: number;
  /** Absolute message timestamp (deltas already applied), 32-bit. */
  timestamp: number;
  /**
   * The timestamp field as written in this chunk's header: absolute for fmt 0, the delta for
   * fmt 1/2, and the inherited delta (or absolute) for fmt 3.
   */
  timestampField: number;
  /** True when the header carries (or must carry) the 4-byte extended timestamp. */
  extendedTimestamp: boolean;
  /** Length of the whole message this chunk belongs to. */
  messageLength: number;
  /** Message type id. */
  messageTypeId: number;
  /** Message stream id. */
  messageStreamId: number;
  /** Byte offset of this chunk's payload within its message (0 on the first chunk). */
  messageOffset: number;
  /** This chunk's part of the payload (a view, never a copy, on the decoder side). */
  payload: Buffer;
  /**
   * Outbound only, optional: this chunk's exact bytes, header included, as a view into a message
   * serialized once for many connections. `ChunkEncoder` writes it as is (merging neighbours into
   * one write) while `payload` is still the tail of `wire`; a stage that swaps the payload thereby
   * turns it off. A stage that edits header fields must delete `wire`.
   */
  wire?: Buffer;
  /**
   * Inbound only, set by a `ChunkDecoder` that owns its input (`ownsInput`): how many bytes of this
   * chunk's header (basic + message header + extended timestamp) lie in the same read right before
   * `payload`, which is then a view of that read; 0 when not (the chunk spans reads, or the
   * decoder no longer owns its input). `MessageAssembler` with `assembleInPlace` uses it to find
   * messages whose chunks are back to back in one read. Encoders ignore it.
   */
  headerSize?: number;
}
