import { allocateMessageBuffer } from './slab-allocator.js';

/**
 * A FIFO of socket reads. `consume(n)` returns a view (`subarray`) when the n bytes sit inside one
 * read and copies only when they span reads, so a payload that arrived in one read is never copied.
 * The parser reads small header fields straight from `head` at `headOffset` when they fit there.
 */
export class ByteQueue {
  private buffers: Buffer[] = [];
  /** Index of the first unread buffer in `buffers`. */
  private index = 0;
  /** Read position inside `buffers[index]`. */
  private offset = 0;
  private total = 0;

  /** Bytes queued and not yet consumed. */
  get length(): number {
    return this.total;
  }

  /** The read holding the next unread byte (only meaningful while `length > 0`). */
  get head(): Buffer {
    return this.buffers[this.index]!;
  }

  /** Position of the next unread byte inside `head`. */
  get headOffset(): number {
    return this.offset;
  }

  push(buf: Buffer): void {
    if (buf.length === 0) return;
    if (this.total === 0) {
      // Drained: start over instead of growing the array (one read at a time is the usual case).
      this.buffers.length = 0;
      this.index = 0;
      this.offset = 0;
    } else if (this.index >= 32) {
      // Reads keep ending mid-chunk, so the queue never drains: drop the consumed slots now and then.
      this.buffers = this.buffers.slice(this.index);
      this.index = 0;
    }
    this.buffers.push(buf);
    this.total += buf.length;
  }

  /** The byte at position `i` (0 = next unread), without consuming. Requires `i < length`. */
  byteAt(i: number): number {
    let b = this.index;
    let pos = this.offset + i;
    let buf = this.buffers[b]!;
    while (pos >= buf.length) {
      pos -= buf.length;
      buf = this.buffers[++b]!;
    }
    return buf[pos]!;
  }

  /** Copies the next `n` bytes into `target` at 0 without consuming. Requires `n <= length`. */
  peekInto(target: Buffer, n: number): void {
    let b = this.index;
    let pos = this.offset;
    let copied = 0;
    while (copied < n) {
      const buf = this.buffers[b++]!;
      const take = Math.min(buf.length - pos, n - copied);
      buf.copy(target, copied, pos, pos + take);
      copied += take;
      pos = 0;
    }
  }

  /** Drops the next `n` bytes. Requires `n <= length`. */
  skip(n: number): void {
    this.total -= n;
    let left = n;
    while (left > 0) {
      const buf = this.buffers[this.index]!;
      const avail = buf.length - this.offset;
      if (left < avail) {
        this.offset += left;
        return;
      }
      left -= avail;
      this.buffers[this.index++] = EMPTY; // release the read for the GC
      this.offset = 0;
    }
  }

  /** Takes the next `n` bytes: a view when they lie in one read, else one copy. Requires `n <= length`. */
  consume(n: number): Buffer {
    const head = this.buffers[this.index];
    if (head !== undefined) {
      const start = this.offset;
      if (head.length - start >= n) {
        const view = head.subarray(start, start + n);
        this.skip(n);
        return view;
      }
    } else {
      return EMPTY; // only reachable with n === 0 on an empty queue
    }
    const out = allocateMessageBuffer(n);
    this.peekInto(out, n);
    this.skip(n);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
