/**
 * Writes of one event-loop iteration, batched per socket: the first write to a socket corks it,
 * and every socket corked so far is uncorked together once the iteration's I/O callbacks have run
 * (one `setImmediate`). What a publisher's reads of one iteration complete (libuv hands a busy
 * socket up to 32 reads in a row; a real-time publisher usually one) then leaves for each player
 * in one `writev` instead of one write per read: fewer syscalls and TCP segments on the server,
 * fewer wake-ups on the player. The order of bytes on each socket is unchanged.
 *
 * Bounds on what batching may add: a socket holding `MAX_HELD_BYTES` is uncorked at once, and the
 * wait is the rest of the current iteration's I/O work, which the inbound per-turn bounds cap
 * (lib/chunk/chunk-decoder.ts). `bench/latency.bench.ts` measures it against plain writes.
 */
import type { Writable } from 'node:stream';

/** Bytes a socket holds corked before it is flushed without waiting for the batch. */
export const MAX_HELD_BYTES = 256 * 1024;

let pending: WriteBatch[] = [];
let scheduled = false;

/** One socket's membership in the current batch (a connection keeps one). */
export class WriteBatch {
  private held = false;
  private heldBytes = 0;

  constructor(readonly socket: Writable) {}

  /** Write `bytes` to the socket as part of the current batch; returns what `socket.write` does. */
  write(bytes: Buffer): boolean {
    if (!this.held) this.hold();
    const ok = this.socket.write(bytes);
    this.heldBytes += bytes.length;
    if (this.heldBytes >= MAX_HELD_BYTES) this.release();
    return ok;
  }

  /** Cork the socket until the batch flushes (once per batch, however often it is called). */
  hold(): void {
    if (this.held) return;
    this.held = true;
    this.heldBytes = 0;
    this.socket.cork();
    pending.push(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushBatch);
    }
  }

  /** Uncork: for every held socket when the batch flushes, or early for one that holds enough. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.socket.uncork();
  }
}

function flushBatch(): void {
  scheduled = false;
  // A socket held while flushing (an uncork can run user code) waits for the next flush.
  const batch = pending;
  pending = [];
  for (const entry of batch) entry.release();
}
