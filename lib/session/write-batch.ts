/**
 * Writes of one tick, batched per socket: the first fan-out write to a socket in a tick corks it,
 * and every socket corked so far is uncorked together when the tick's work is done (one
 * `process.nextTick`). A publisher's read usually completes several messages (a video frame and
 * the audio around it); each player then gets them in one `writev` instead of one `write` each:
 * fewer syscalls and TCP segments on the server, fewer wake-ups on the player. Nothing waits
 * longer than the current tick, and the order of bytes on each socket is unchanged.
 */
import type { Writable } from 'node:stream';

const corked: Writable[] = [];
const inBatch = new WeakSet<Writable>();
let scheduled = false;

/** Cork `socket` until the current tick ends (once per tick, however often it is called). */
export function batchUntilTickEnds(socket: Writable): void {
  if (inBatch.has(socket)) return;
  inBatch.add(socket);
  socket.cork();
  corked.push(socket);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(flushBatch);
  }
}

function flushBatch(): void {
  scheduled = false;
  // A socket corked while flushing (an uncork can run user code) waits for the next flush.
  const sockets = corked.splice(0);
  for (const socket of sockets) {
    inBatch.delete(socket);
    socket.uncork();
  }
}
