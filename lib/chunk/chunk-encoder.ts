import { Transform, type TransformCallback } from 'node:stream';
import type { Chunk } from './chunk.js';
import { checkChunkFields, chunkHeaderSize, writeChunkHeader } from './chunk-header.js';
import { positiveIntegerOption } from './limits.js';

export interface ChunkEncoderOptions {
  /** Chunks queued on the writable side before backpressure. Default 64. */
  highWaterMark?: number;
}

/** Bytes queued on the readable (socket) side before backpressure. */
const READABLE_HIGH_WATER_MARK = 64 * 1024;
/**
 * Payloads up to this size are copied next to their header (one small write instead of two); larger
 * ones go out as views of the message, never copied.
 */
const COALESCE_LIMIT = 1024;

/**
 * `Chunk` → bytes (RTMP 1.0 §5.3.1). Writes each chunk's header exactly as its fields say (fmt,
 * timestamp field, extended timestamp...), so it is stateless; `MessageChunker` decides the fields.
 * Anything that is not a valid Chunk fails with a typed `ChunkError` (ERR_CHUNK_INVALID_INPUT,
 * ERR_CHUNK_STREAM_ID_INVALID, ERR_CHUNK_MESSAGE_TOO_LARGE).
 *
 * Fewer tiny writes: headers and small payloads are written into one buffer, and when chunks queue
 * up (`_writev`, e.g. while the socket is slow) a whole run of them becomes one buffer; large
 * payloads are pushed as the message's own views. For one message to many sockets, use
 * `serializeMessage` instead.
 */
export class ChunkEncoder extends Transform {
  private pendingCallback: ((error?: Error | null) => void) | null = null;
  // Contiguous shared wire bytes not pushed yet (see encode()).
  private wireBuffer: ArrayBufferLike | undefined;
  private wireStart = 0;
  private wireEnd = 0;

  constructor(options: ChunkEncoderOptions = {}) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({
      writableObjectMode: true,
      readableObjectMode: false,
      writableHighWaterMark: highWaterMark,
      readableHighWaterMark: READABLE_HIGH_WATER_MARK,
    });
  }

  override _transform(chunk: Chunk, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.encode([chunk]);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _writev(entries: Array<{ chunk: Chunk; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    const before = this.readableLength;
    try {
      this.encode(entries.map((e) => e.chunk));
    } catch (err) {
      callback(err as Error);
      return;
    }
    // Same backpressure rule as Transform's own _write: hold the callback while the readable side is full.
    const after = this.readableLength;
    if (this.writableEnded || after === before || after < this.readableHighWaterMark) callback();
    else this.pendingCallback = callback;
  }

  override _read(size: number): void {
    const callback = this.pendingCallback;
    if (callback !== null) {
      this.pendingCallback = null;
      callback();
    }
    super._read(size);
  }

  /**
   * Validates every chunk, then pushes runs of headers + small payloads as one buffer each. Chunks
   * that carry their shared serialization (`wire`) go out as views of it, neighbours merged.
   */
  private encode(chunks: readonly Chunk[]): void {
    for (const chunk of chunks) checkChunkFields(chunk);
    let runStart = 0;
    let runBytes = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      const wire = c.wire;
      if (wire !== undefined && isTailOf(c.payload, wire)) {
        if (runStart < i) this.push(writeRun(chunks, runStart, i, runBytes));
        runStart = i + 1;
        runBytes = 0;
        if (this.wireBuffer === wire.buffer && this.wireEnd === wire.byteOffset) this.wireEnd += wire.length;
        else {
          this.flushWire();
          this.wireBuffer = wire.buffer;
          this.wireStart = wire.byteOffset;
          this.wireEnd = this.wireStart + wire.length;
        }
        // A message's chunks arrive one write each: push its bytes once, when its last chunk is in.
        if (c.messageOffset + c.payload.length >= c.messageLength) this.flushWire();
        continue;
      }
      this.flushWire();
      runBytes += chunkHeaderSize(c.fmt, c.chunkStreamId, c.extendedTimestamp);
      if (c.payload.length <= COALESCE_LIMIT) {
        runBytes += c.payload.length;
        continue;
      }
      this.push(writeRun(chunks, runStart, i + 1, runBytes));
      this.push(c.payload);
      runStart = i + 1;
      runBytes = 0;
    }
    if (runStart < chunks.length) this.push(writeRun(chunks, runStart, chunks.length, runBytes));
  }

  /** Push the pending run of shared wire bytes (one view), if any. */
  private flushWire(): void {
    if (this.wireBuffer !== undefined) this.push(Buffer.from(this.wireBuffer, this.wireStart, this.wireEnd - this.wireStart));
    this.wireBuffer = undefined;
  }

  override _flush(callback: TransformCallback): void {
    this.flushWire();
    callback();
  }
}

/** True when `payload` is exactly the last bytes of `wire` (so nobody swapped it since). */
function isTailOf(payload: Buffer, wire: Buffer): boolean {
  return payload.buffer === wire.buffer && payload.byteOffset + payload.length === wire.byteOffset + wire.length && wire.length >= payload.length;
}

/** Headers of chunks[from..to) and their payloads, except a large payload (only ever the last one). */
function writeRun(chunks: readonly Chunk[], from: number, to: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = from; i < to; i++) {
    const c = chunks[i]!;
    pos = writeChunkHeader(out, pos, c.fmt, c.chunkStreamId, c.timestampField, c.extendedTimestamp, c.messageLength, c.messageTypeId, c.messageStreamId);
    if (c.payload.length <= COALESCE_LIMIT) pos += c.payload.copy(out, pos);
  }
  return out;
}
