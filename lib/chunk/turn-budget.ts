import { positiveIntegerOption } from './limits.js';

export interface TurnBudgetOptions {
  /**
   * Chunks parsed per event-loop turn; the rest of the read waits for the next turn (socket reads
   * behind it wait too: backpressure). Bounds the synchronous work one peer's read can cause
   * (64 KiB of 1-byte chunks is 32 768 chunks). Default 1024; real peers send a few to a few
   * hundred chunks per read.
   */
  chunksPerTurn?: number;
  /**
   * Bytes taken in before the parser lets the event loop turn once. libuv hands a busy socket up
   * to 32 reads (2 MiB) in one go; without this one peer's flood is parsed in one stretch while
   * every other connection waits. Default 256 KiB.
   */
  bytesPerTurn?: number;
}

/** Default `chunksPerTurn`. */
export const DEFAULT_CHUNKS_PER_TURN = 1024;
/** Default `bytesPerTurn`. */
export const DEFAULT_BYTES_PER_TURN = 256 * 1024;

/**
 * The fairness bound of one chunk parser, shared by whoever drives it (`ChunkDecoder`, and a
 * connection that runs the parser inline): chunks and bytes taken in since the driver last let
 * the event loop turn. When either is spent the driver pauses the parser, yields one turn
 * (setImmediate), calls `reset()` and goes on.
 */
export class TurnBudget {
  readonly chunksPerTurn: number;
  readonly bytesPerTurn: number;
  private chunks = 0;
  private bytes = 0;

  constructor(options: TurnBudgetOptions = {}) {
    this.chunksPerTurn = positiveIntegerOption('chunksPerTurn', options.chunksPerTurn, DEFAULT_CHUNKS_PER_TURN);
    this.bytesPerTurn = positiveIntegerOption('bytesPerTurn', options.bytesPerTurn, DEFAULT_BYTES_PER_TURN);
  }

  /** Counts one chunk; true when the turn's chunks are spent (pause the parser). */
  spendChunk(): boolean {
    return ++this.chunks >= this.chunksPerTurn;
  }

  /** Counts a read taken in; true when the turn's bytes are spent (yield before the next read). */
  spendBytes(length: number): boolean {
    this.bytes += length;
    return this.bytes >= this.bytesPerTurn;
  }

  /** A new turn began. */
  reset(): void {
    this.chunks = 0;
    this.bytes = 0;
  }
}
