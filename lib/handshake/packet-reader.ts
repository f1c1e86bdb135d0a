/**
 * Cuts fixed-size packets out of a stream of reads. A packet inside one read is returned as a view;
 * only a packet that spans reads is copied (once, into a buffer of its exact size).
 */
const EMPTY = Buffer.alloc(0);

export class PacketReader {
  private chunk: Buffer = EMPTY;
  private offset = 0;
  private partial: Buffer | undefined;
  private filled = 0;

  /** Starts reading from a new chunk. */
  begin(chunk: Buffer): void {
    this.chunk = chunk;
    this.offset = 0;
  }

  /** The next `size` bytes, or undefined when the current chunk runs out first (they are kept). */
  read(size: number): Buffer | undefined {
    const available = this.chunk.length - this.offset;
    if (this.partial === undefined) {
      if (available >= size) {
        const packet = this.chunk.subarray(this.offset, this.offset + size);
        this.offset += size;
        return packet;
      }
      if (available === 0) return undefined;
      this.partial = Buffer.allocUnsafe(size);
      this.filled = 0;
    }
    const n = Math.min(size - this.filled, available);
    this.chunk.copy(this.partial, this.filled, this.offset, this.offset + n);
    this.filled += n;
    this.offset += n;
    if (this.filled < size) return undefined;
    const packet = this.partial;
    this.partial = undefined;
    return packet;
  }

  /** What is left of the current chunk (a view), and forgets the chunk. */
  takeRest(): Buffer {
    const rest = this.chunk.subarray(this.offset);
    this.chunk = EMPTY;
    this.offset = 0;
    return rest;
  }
}
