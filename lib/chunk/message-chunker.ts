import { Transform, type TransformCallback } from 'node:stream';
import type { Chunk } from './chunk.js';
import { ChunkWriter, type FramedMessage } from './chunk-writer.js';
import { positiveIntegerOption } from './limits.js';

export { chunkMessage } from './chunk-message.js';

export interface MessageChunkerOptions {
  /** Chunk size before any outgoing Set Chunk Size. Default 128 (RTMP 1.0 §5.4.1). */
  chunkSize?: number;
  /** Objects queued per side (messages in, chunks out) before backpressure. Default 64. */
  highWaterMark?: number;
  /**
   * The connection's `ChunkWriter` (header state and chunk size), when the chunker is the adapter
   * of a running connection; a standalone chunker has its own. `chunkSize` is then ignored.
   */
  writer?: ChunkWriter;
}

/**
 * `Message` → `Chunk`, object mode on both sides: the `Transform` adapter over a `ChunkWriter`
 * (header compression, and the switch to a new size right after an outgoing Set Chunk Size, as
 * the peer's decoder will). A message carrying its shared `frame` yields chunks with `wire` views.
 * Bad messages fail with a typed `ChunkError`.
 */
export class MessageChunker extends Transform {
  readonly writer: ChunkWriter;

  constructor(options: MessageChunkerOptions = {}) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({ objectMode: true, highWaterMark });
    this.writer = options.writer ?? new ChunkWriter({ chunkSize: options.chunkSize });
  }

  /** Chunk size used for the next message. */
  get chunkSize(): number {
    return this.writer.chunkSize;
  }

  override _transform(message: FramedMessage, _encoding: BufferEncoding, callback: TransformCallback): void {
    let chunks: Chunk[];
    try {
      chunks = this.writer.chunk(message);
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const chunk of chunks) this.push(chunk);
    callback();
  }
}

export interface MessageChunker {
  on(event: 'data', listener: (chunk: Chunk) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
