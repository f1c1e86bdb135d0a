/**
 * Message buffers carved out of shared 256 KiB slabs, like Node's own 8 KiB Buffer pool but for
 * message-sized allocations: one allocation per slab instead of one per message, which measurably
 * speeds up assembling (bench/chunk.bench.ts). Messages above 64 KiB get their own buffer.
 *
 * The price is the same as for payload views of socket reads: a message keeps its whole slab
 * alive. Anything that holds messages for long (GOP cache, recorder queue) copies them.
 * Module-level, so idle connections hold no slab of their own.
 */
const SLAB_SIZE = 256 * 1024;
const MAX_CARVED = SLAB_SIZE / 4;

let slab = Buffer.allocUnsafeSlow(0);
let offset = 0;

/** An uninitialised buffer of `length` bytes, carved from the current slab when it is small enough. */
export function allocateMessageBuffer(length: number): Buffer {
  if (length > MAX_CARVED) return Buffer.allocUnsafe(length);
  if (slab.length - offset < length) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    offset = 0;
  }
  const out = slab.subarray(offset, offset + length);
  offset = (offset + length + 7) & ~7; // keep views 8-byte aligned
  return out;
}
