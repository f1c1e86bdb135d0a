import { Transform, type TransformCallback } from 'node:stream';
import type { Message } from '../message/message.js';
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
 * view when it fits in one.
 * Anything that is not a Chunk fails with ERR_CHUNK_INVALID_INPUT; chunks ending inside a message
 * fail with ERR_CHUNK_TRUNCATED on end.
 */
export class MessageAssembler extends Transform {
  private readonly collector: MessageCollector;

  constructor(options: MessageAssemblerOptions = {}) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({ objectMode: true, highWaterMark });
    this.collector = new MessageCollector(options);
  }

  /** Bytes held in incomplete messages. */
  get partialBytes(): number {
    return this.collector.partialBytes;
  }

  override _transform(chunk: Chunk, _encoding: BufferEncoding, callback: TransformCallback): void {
    let message: Message | undefined;
    try {
      message = this.collector.add(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (message !== undefined) this.push(message);
    callback();
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
