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
/** Memory of messages too large to carve: each belongs to one message and to nothing else. */
const ownMemory = new WeakSet<ArrayBufferLike>();

/** An uninitialised buffer of `length` bytes, carved from the current slab when it is small enough. */
export function allocateMessageBuffer(length: number): Buffer {
  if (length > MAX_CARVED) {
    const own = Buffer.allocUnsafeSlow(length);
    ownMemory.add(own.buffer);
    return own;
  }
  if (slab.length - offset < length) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    offset = 0;
  }
  const out = slab.subarray(offset, offset + length);
  offset = (offset + length + 7) & ~7; // keep views 8-byte aligned
  return out;
}

/**
 * True when `data` is a whole message buffer of its own from `allocateMessageBuffer` (a large
 * message joined from its chunks): holding it keeps nothing else alive, so a cache may keep it
 * as it is instead of copying it (views of socket reads and slab pieces must be copied).
 */
export function ownsItsMemory(data: Buffer): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && ownMemory.has(data.buffer);
}
