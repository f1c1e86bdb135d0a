import { Transform, type TransformCallback } from 'node:stream';
import type { Message } from '../message/index.js';
import type { Chunk } from './chunk.js';
import { positiveIntegerOption } from './limits.js';
import { MessageCollector, type MessageCollectorOptions } from './message-collector.js';

export interface MessageAssemblerOptions extends MessageCollectorOptions {
  /** Objects queued per side (chunks in, messages out) before backpressure. Default 64. */
  highWaterMark?: number;
}

/**
 * `Chunk` → `Message`, object mode on both sides. A Transform around `MessageCollector`: one
 * copy per message that spans chunks (into a shared slab, see slab-allocator.ts), the chunk's own
 * view when it fits in one. With `assembleInPlace` (chunks straight from a `ChunkDecoder` with
 * `ownsInput`), a message whose chunks lie back to back in one read is assembled inside that read
 * instead (see message-collector.ts).
 * Given an existing `collector` (second argument), the assembler continues from its partial
 * messages and its options are ignored (except `highWaterMark`): how a connection that ran the
 * collector inline puts it behind a stage spliced in before it.
 * Anything that is not a Chunk fails with ERR_CHUNK_INVALID_INPUT; chunks ending inside a message
 * fail with ERR_CHUNK_TRUNCATED on end.
 */
export class MessageAssembler extends Transform {
  private readonly collector: MessageCollector;
  /** A write's callback held back while the readable side is full (see `_write`). */
  private pendingCallback: ((error?: Error | null) => void) | null = null;

  constructor(options: MessageAssemblerOptions = {}, collector?: MessageCollector) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({ objectMode: true, highWaterMark });
    this.collector = collector ?? new MessageCollector(options);
  }

  /** Bytes held in incomplete messages. */
  get partialBytes(): number {
    return this.collector.partialBytes;
  }

  /** Whether messages are assembled in place (option `assembleInPlace`, until `stopAssemblingInPlace()`). */
  get assemblesInPlace(): boolean {
    return this.collector.assemblesInPlace;
  }

  /**
   * Others may hold the chunks written from now on (a stage spliced in before the assembler):
   * join every message from here on. One way; messages already emitted are never touched again.
   */
  stopAssemblingInPlace(): void {
    this.collector.stopAssemblingInPlace();
  }

  /**
   * `_write` rather than `_transform`: Transform's own `_write` allocates a closure per chunk, a
   * measurable share of the per-chunk cost (bench/chunk.bench.ts). Same backpressure rule as
   * Transform: the callback waits while the readable side is full and is released by `_read`.
   */
  override _write(chunk: Chunk, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let message: Message | undefined;
    try {
      message = this.collector.add(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (message === undefined) {
      callback();
      return;
    }
    const before = this.readableLength;
    this.push(message);
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

  /** Partial messages go with the stream (and their charges with any memory account). */
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.collector.clear();
    callback(err);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.collector.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }
}

export interface MessageAssembler {
  on(event: 'data', listener: (message: Message) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
