import { Transform, type TransformCallback } from 'node:stream';
import { ChunkError, ErrorCode } from '../errors.js';
import type { Chunk } from './chunk.js';
import { ChunkParser, type ChunkParserOptions } from './chunk-parser.js';
import { describe } from './describe.js';
import { positiveIntegerOption } from './limits.js';
import { TurnBudget, type TurnBudgetOptions } from './turn-budget.js';

export { DEFAULT_BYTES_PER_TURN, DEFAULT_CHUNKS_PER_TURN } from './turn-budget.js';

export interface ChunkDecoderOptions extends ChunkParserOptions, TurnBudgetOptions {
  /** Chunks queued on the readable side before backpressure. Default 64. */
  highWaterMark?: number;
}

/** Socket reads buffered on the writable side before backpressure. */
const WRITABLE_HIGH_WATER_MARK = 16;

/**
 * Bytes → `Chunk` objects (RTMP 1.0 §5.3). A Transform around `ChunkParser`; see it for the state
 * machine, inline control messages and acknowledgement counting.
 *
 * Writable side: `Buffer` (or `Uint8Array`) reads. It is in object mode only so that anything else
 * fails with ERR_CHUNK_INVALID_INPUT through the stream's error path instead of a TypeError thrown
 * from `write()`; its highWaterMark counts reads (16). Readable side: `Chunk` objects whose
 * payloads are views of the reads whenever a chunk does not span reads.
 *
 * `ownsInput: true` promises that the decoder alone uses the reads written to it (no one else keeps
 * or reads them, no two overlap), so a `MessageAssembler` with `assembleInPlace` may assemble a
 * message by moving its payloads together inside the read (see message-collector.ts). Default off.
 *
 * Fairness (`TurnBudget`, the same bound a connection applies when it runs the parser inline): at
 * most `chunksPerTurn` chunks and about `bytesPerTurn` bytes are parsed before the decoder yields
 * one event-loop turn (setImmediate), and chunks are parsed only while the readable side has room;
 * the write's callback waits meanwhile, so the socket stops being read (pipe backpressure) and
 * other connections get their turn.
 *
 * Given an existing `parser` (second argument), the decoder continues from that parser's state
 * (chunk size, chunk stream headers, byte count) and its options are ignored: that is how a
 * connection that ran the parser inline puts it behind a stage spliced in before it. The parser
 * must have no bytes waiting (not `paused`).
 *
 * Events: `'setChunkSize'` (size), `'windowAckSize'` (size), `'acknowledgement'` (sequence number
 * to send back in an Acknowledgement message, total bytes received mod 2^32).
 */
export class ChunkDecoder extends Transform {
  private readonly parser: ChunkParser;
  /** Chunks delivered and bytes taken in since the decoder last yielded. */
  private readonly budget: TurnBudget;
  /** The write callback held while the parser is paused, and why it waits. */
  private parked: TransformCallback | null = null;
  private waitingForRead = false;
  private readonly continueParsing = (): void => this.resumeParsing();

  constructor(options: ChunkDecoderOptions = {}, parser?: ChunkParser) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    const budget = new TurnBudget(options);
    super({
      writableObjectMode: true,
      readableObjectMode: true,
      writableHighWaterMark: WRITABLE_HIGH_WATER_MARK,
      readableHighWaterMark: highWaterMark,
    });
    this.budget = budget;
    const sink = {
      onChunk: (chunk: Chunk) => {
        if (!this.push(chunk)) {
          this.waitingForRead = true;
          this.parser.pause();
        } else if (this.budget.spendChunk()) this.parser.pause();
      },
      onSetChunkSize: (size: number) => {
        this.emit('setChunkSize', size);
      },
      onWindowAckSize: (size: number) => {
        this.emit('windowAckSize', size);
      },
      onAcknowledgement: (sequenceNumber: number) => {
        this.emit('acknowledgement', sequenceNumber);
      },
    };
    if (parser === undefined) this.parser = new ChunkParser(options, sink);
    else {
      this.parser = parser;
      parser.attach(sink);
    }
  }

  /** Chunk size in effect for the next incoming chunk. */
  get chunkSize(): number {
    return this.parser.chunkSize;
  }
  /** The peer's acknowledgement window (0 = none announced). */
  get windowAckSize(): number {
    return this.parser.windowAckSize;
  }
  /** Total bytes received, `initialBytes` included (not wrapped). */
  get bytesReceived(): number {
    return this.parser.bytesReceived;
  }
  /** Whether chunks are marked for in-place assembly (option `ownsInput`, until `releaseInput()`). */
  get ownsInput(): boolean {
    return this.parser.ownsInput;
  }

  /**
   * Others may hold the reads written from now on (a stage spliced in before the decoder): stop
   * marking chunks for in-place assembly. One way; chunks already emitted keep their marks, which
   * is safe because the reads they came from were the decoder's alone.
   */
  releaseInput(): void {
    this.parser.releaseInput();
  }

  override _transform(data: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    let bytes: Buffer;
    if (Buffer.isBuffer(data)) bytes = data;
    else if (data instanceof Uint8Array) bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else {
      callback(new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `ChunkDecoder expects Buffer writes, got ${describe(data)}`));
      return;
    }
    const bytesSpent = this.budget.spendBytes(bytes.length);
    let done: boolean;
    try {
      done = this.parser.push(bytes);
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (done && !bytesSpent) callback();
    else this.park(callback);
  }

  /** The parser paused: the write's callback waits for the next turn, or for room to read into. */
  private park(callback: TransformCallback): void {
    this.parked = callback;
    if (!this.waitingForRead) setImmediate(this.continueParsing);
  }

  override _read(size: number): void {
    if (this.waitingForRead && this.parked !== null) {
      this.waitingForRead = false;
      // Not from inside _read: pushing here would re-enter the consumer that asked.
      setImmediate(this.continueParsing);
    }
    super._read(size);
  }

  private resumeParsing(): void {
    const callback = this.parked;
    if (callback === null || this.destroyed || this.waitingForRead) return;
    this.parked = null;
    this.budget.reset();
    let done: boolean;
    try {
      done = this.parser.resume();
    } catch (err) {
      callback(err as Error);
      return;
    }
    if (done) callback();
    else this.park(callback);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.parser.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }
}

export interface ChunkDecoder {
  on(event: 'setChunkSize' | 'windowAckSize' | 'acknowledgement', listener: (value: number) => void): this;
  on(event: 'data', listener: (chunk: Chunk) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'setChunkSize' | 'windowAckSize' | 'acknowledgement', listener: (value: number) => void): this;
  once(event: 'data', listener: (chunk: Chunk) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}
