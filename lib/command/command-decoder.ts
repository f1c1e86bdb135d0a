import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, MessageError } from '../errors.js';
import type { Message } from '../message/index.js';
import { EventDecoder, type EventDecoderOptions } from './event-decoder.js';
import type { ObjectEncodingState } from './events.js';

export { DEFAULT_EVENTS_PER_TURN } from './event-decoder.js';

export interface CommandDecoderOptions extends EventDecoderOptions {
  /** Events buffered before backpressure (object mode counts items). Default 64. */
  highWaterMark?: number;
}

/**
 * Messages → events (object mode both sides). A Transform around `EventDecoder`; see it for
 * aggregates (read out a bounded batch per event-loop turn) and AMF0/AMF3 detection. An aggregate
 * is also read out only while the readable side has room: the write's callback waits meanwhile.
 */
export class CommandDecoder extends Transform {
  private readonly core: EventDecoder;
  /** The write callback held while an aggregate is read out. */
  private aggregateDone: TransformCallback | null = null;
  /** Waiting for `_read` (the readable side is full) rather than for the next turn. */
  private waitingForRead = false;
  private readonly continueAggregate = (): void => this.readAggregate();

  constructor(options: CommandDecoderOptions = {}) {
    const hwm = options.highWaterMark ?? 64;
    super({ objectMode: true, highWaterMark: hwm });
    this.core = new EventDecoder(options, (event) => {
      this.push(event);
      if (this.core.pending && this.readableLength >= this.readableHighWaterMark) {
        this.waitingForRead = true;
        this.core.pause();
      }
    });
  }

  /** The negotiated AMF encoding this decoder detects (shared with the connection's encoder). */
  get encoding(): ObjectEncodingState {
    return this.core.encoding;
  }

  override _transform(message: Message, _enc: BufferEncoding, callback: TransformCallback): void {
    if (!message || typeof message.type !== 'number' || !Buffer.isBuffer(message.data)) {
      callback(new MessageError(ErrorCode.MESSAGE_INVALID, 'CommandDecoder takes Message objects'));
      return;
    }
    let done: boolean;
    try {
      done = this.core.push(message);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (done) callback();
    else this.park(callback);
  }

  override _read(size: number): void {
    if (this.waitingForRead) {
      this.waitingForRead = false;
      // Not from inside _read: pushing here would re-enter the consumer that asked.
      setImmediate(this.continueAggregate);
    }
    super._read(size);
  }

  /** An aggregate is left to read out: on the next turn, or once `_read` asks for more. */
  private park(callback: TransformCallback): void {
    this.aggregateDone = callback;
    if (!this.waitingForRead) setImmediate(this.continueAggregate);
  }

  private readAggregate(): void {
    const callback = this.aggregateDone;
    if (callback === null || this.destroyed || this.waitingForRead) return;
    this.aggregateDone = null;
    let done: boolean;
    try {
      done = this.core.resume();
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (done) callback();
    else this.park(callback);
  }
}
