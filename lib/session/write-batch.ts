/**
 * Writes of one tick, batched per socket: the first fan-out write to a socket in a tick corks it,
 * and every socket corked so far is uncorked together when the tick's work is done (one
 * `process.nextTick`). A publisher's read usually completes several messages (a video frame and
 * the audio around it); each player then gets them in one `writev` instead of one `write` each:
 * fewer syscalls and TCP segments on the server, fewer wake-ups on the player. Nothing waits
 * longer than the current tick, and the order of bytes on each socket is unchanged.
 */
import type { Writable } from 'node:stream';

let pending: TickBatch[] = [];
let scheduled = false;

/** One socket's membership in the current tick's batch (a connection keeps one). */
export class TickBatch {
  private held = false;

  constructor(readonly socket: Writable) {}

  /** Cork the socket until the current tick ends (once per tick, however often it is called). */
  hold(): void {
    if (this.held) return;
    this.held = true;
    this.socket.cork();
    pending.push(this);
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flushBatch);
    }
  }

  /** Uncork: called for every held socket when the tick's batch flushes. */
  release(): void {
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
