/**
 * The synchronous core of `MessageAssembler`: chunks in, whole messages out.
 *
 * Memory: a partial message costs its payload bytes plus a small constant, whatever the chunk
 * size (1-byte chunks included). A message that fits in one chunk is emitted as that chunk's view,
 * with no copy at all. A message spanning chunks keeps the views of its first few chunks
 * (`MAX_VIEW_PARTS`: a few small objects) and is joined with one allocation and copy when the last
 * one comes; past that count its bytes move into one buffer of its own that grows with what has
 * arrived (`accumulatorCapacity`: the whole length at once up to `EXACT_ALLOCATION_LIMIT`, else by
 * steps of four, never beyond the message length), so no per-chunk object is kept and each byte
 * is copied about once. `partialBytes` counts what is held: view bytes plus buffer capacity.
 * A shared account (`memoryAccount`, e.g. a server's memory budget) is charged the same amounts.
 *
 * In-place assembly (`assembleInPlace`, for chunks from a `ChunkDecoder` with `ownsInput`): while
 * every chunk of a message lies back to back in one read — between one chunk's payload and the
 * next chunk's payload there are exactly that next chunk's `headerSize` header bytes — each later
 * payload is moved left over its header as it arrives (`copyWithin`, destination before source),
 * so the message so far is always one view of the read, and a message that ends in that read is
 * emitted as that view: a cache-warm memmove instead of fresh memory and a copy. Anything else
 * (chunks spanning reads, other chunk streams interleaved) continues as above from that one view.
 *
 * Why a view handed out earlier is never changed by a later move: the bytes of the input are
 * partitioned into chunks (header + payload) by the decoder, and a read belongs to it alone
 * (`ownsInput`). A contiguous run of message M occupies the span from its first payload's start to
 * its last payload's end, and the contiguity check guarantees that this span holds nothing but M's
 * own payloads and M's own later headers. Its moves write only inside that span, so they touch no
 * other chunk's payload or header: not another message's chunk view, not a payload still waiting
 * to be joined, not another in-place message's span (spans of different messages are disjoint),
 * and not bytes the decoder has yet to parse (the chunk being moved was parsed before it got
 * here). A message dropped half way (Abort, a new header) has moved only its own bytes; its first
 * chunk, and anything before it, are as they arrived.
 *
 * A chunk at offset 0 on a chunk stream that still holds a partial message replaces it (the
 * decoder abandoned it: Abort, or a new fmt 0/1/2 header mid-message). An Abort message (type 2)
 * also drops the partial message of the chunk stream it names. RTMP 1.0 §5.4.2
 */
import { ChunkError, ErrorCode } from '../errors.js';
import { MessageType, type Message } from '../message/index.js';
import type { Chunk } from './chunk.js';
import { describe } from './describe.js';
import { allocateMessageBuffer } from './slab-allocator.js';
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_PARTIAL_BYTES, PROTOCOL_MAX_MESSAGE_LENGTH, positiveIntegerOption } from './limits.js';

export interface MessageCollectorOptions {
  /** Largest message accepted → else ERR_CHUNK_MESSAGE_TOO_LARGE. Default 0xFFFFFF. */
  maxMessageSize?: number;
  /** Bytes held in incomplete messages across chunk streams → else ERR_CHUNK_PARTIAL_BYTES_EXCEEDED. Default 32 MiB. */
  maxPartialBytes?: number;
  /**
   * Assemble messages whose chunks lie back to back in one read inside that read (see above).
   * Only for chunks straight from a `ChunkDecoder` with `ownsInput`, which nobody else holds: the
   * moves rewrite the reads and the other chunks' payload views. Default false.
   */
  assembleInPlace?: boolean;
  /** Charged (and credited, with negative amounts) every byte `partialBytes` counts, as it changes. */
  memoryAccount?: MemoryAccount;
}

/** Where partial-message memory is reported as it is taken and given back (a server's budget). */
export interface MemoryAccount {
  /** `bytes` > 0: now held; < 0: released. Must not throw. */
  charge(bytes: number): void;
}

/** Views kept per partial message before its bytes move into one buffer of its own. */
export const MAX_VIEW_PARTS = 8;
/** Up to this length a message's buffer is allocated whole when it is first needed (1 MiB). */
export const EXACT_ALLOCATION_LIMIT = 1024 * 1024;
/**
 * Capacity of a partial message's own buffer that must hold `needed` bytes of a `length`-byte
 * message: the whole message when it is small or mostly here, else four times what is needed (so
 * the bytes are copied less than 1.34 times on average and the buffer never outgrows the message).
 */
export function accumulatorCapacity(needed: number, length: number): number {
  if (length <= EXACT_ALLOCATION_LIMIT) return length;
  const grown = Math.max(needed * 4, EXACT_ALLOCATION_LIMIT);
  return grown < length ? grown : length;
}

/** One chunk stream's message in progress; kept per chunk stream and reused (no Map churn per message). */
class PartialMessage {
  /** The message's first chunk (its header fields describe the message); null when idle. */
  first: Chunk | null = null;
  /** Payload views so far (at most MAX_VIEW_PARTS), while `buffer` is null. */
  parts: Buffer[] = [];
  /** The message's own buffer once views are past MAX_VIEW_PARTS; its first `received` bytes are filled. */
  buffer: Buffer | null = null;
  received = 0;
  /** Bytes charged for this message: view bytes, or the buffer's capacity. */
  held = 0;
  /**
   * Every chunk so far back to back in one read, moved together there (see the file comment):
   * the message so far is `span[0, received)`, `span` a view of the read from the first payload
   * on; `end` is where the last payload ended in the read.
   */
  inPlace = false;
  end = 0;
  span: Buffer | null = null;
}

export class MessageCollector {
  /**
   * Chunk streams 0..63 (real peers use 2..10) by id, no hashing; any other id (a hand-made Chunk
   * may carry anything) in `highStreams`.
   */
  private readonly lowStreams: (PartialMessage | undefined)[] = new Array<PartialMessage | undefined>(64).fill(undefined);
  private readonly highStreams = new Map<number, PartialMessage>();
  private readonly maxMessageSize: number;
  private readonly maxPartialBytes: number;
  private readonly account: MemoryAccount | undefined;
  private held = 0;
  private pending = 0;
  private inPlace: boolean;

  constructor(options: MessageCollectorOptions = {}) {
    this.maxMessageSize = positiveIntegerOption('maxMessageSize', options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE, PROTOCOL_MAX_MESSAGE_LENGTH);
    this.maxPartialBytes = positiveIntegerOption('maxPartialBytes', options.maxPartialBytes, DEFAULT_MAX_PARTIAL_BYTES);
    this.inPlace = options.assembleInPlace === true;
    this.account = options.memoryAccount;
  }

  /** Whether messages are assembled in place (option `assembleInPlace`, until `stopAssemblingInPlace()`). */
  get assemblesInPlace(): boolean {
    return this.inPlace;
  }

  /**
   * Others may hold chunks from now on (a stage spliced in before the assembler): join every
   * message from here on, including those already under way (what was moved so far stays one
   * view). One way; messages already emitted are final and never touched again.
   */
  stopAssemblingInPlace(): void {
    this.inPlace = false;
  }

  /** Bytes held in incomplete messages (payload views, and the capacity of their own buffers). */
  get partialBytes(): number {
    return this.held;
  }

  /** Number of chunk streams with an incomplete message. */
  get partialCount(): number {
    return this.pending;
  }

  /** Adds one chunk; returns the message it completes, if any. Throws `ChunkError` on bad input. */
  add(chunk: Chunk): Message | undefined {
    if (chunk === null || typeof chunk !== 'object' || !Buffer.isBuffer(chunk.payload) || typeof chunk.chunkStreamId !== 'number') {
      throw new ChunkError(ErrorCode.CHUNK_INVALID_INPUT, `MessageAssembler expects Chunk objects, got ${describe(chunk)}`);
    }
    const { chunkStreamId: csid, payload, messageLength: length, messageOffset: offset } = chunk;
    // Also rejects NaN and missing fields: every comparison with them is false.
    if (!(offset >= 0 && offset + payload.length <= length)) {
      throw new ChunkError(
        ErrorCode.CHUNK_INVALID_INPUT,
        `chunk payload (offset ${offset}, ${payload.length} bytes) does not fit its message length ${length}`,
      );
    }
    let partial = (csid & 63) === csid ? this.lowStreams[csid] : this.highStreams.get(csid);
    if (offset === 0) {
      if (length > this.maxMessageSize) {
        throw new ChunkError(
          ErrorCode.CHUNK_MESSAGE_TOO_LARGE,
          `message of ${length} bytes on chunk stream ${csid} exceeds the limit maxMessageSize=${this.maxMessageSize}`,
        );
      }
      if (partial !== undefined && partial.first !== null) this.drop(partial);
      if (payload.length === length) return this.complete(chunk, payload);
      this.reserve(payload.length);
      if (partial === undefined) {
        partial = new PartialMessage();
        if ((csid & 63) === csid) this.lowStreams[csid] = partial;
        else this.highStreams.set(csid, partial);
      }
      partial.first = chunk;
      partial.parts = [payload];
      partial.received = payload.length;
      partial.held = payload.length;
      // headerSize > 0: the payload is a view of a read the decoder owns.
      if (this.inPlace && chunk.headerSize! > 0) {
        partial.inPlace = true;
        partial.end = payload.byteOffset + payload.length;
        partial.span = Buffer.from(payload.buffer, payload.byteOffset);
      } else partial.inPlace = false;
      this.pending++;
      return undefined;
    }
    if (partial === undefined || partial.first === null || partial.received !== offset || partial.first.messageLength !== length) {
      throw new ChunkError(
        ErrorCode.CHUNK_INVALID_INPUT,
        `chunk at offset ${offset} of a ${length}-byte message does not continue a message on chunk stream ${csid}`,
      );
    }
    const received = offset + payload.length;
    if (partial.inPlace) {
      // Back to back: exactly this chunk's own header lies between the previous payload and this one.
      const headerSize = chunk.headerSize!;
      const span = partial.span!;
      if (this.inPlace && headerSize > 0 && payload.byteOffset - headerSize === partial.end && payload.buffer === span.buffer) {
        const from = payload.byteOffset - span.byteOffset;
        span.copyWithin(offset, from, from + payload.length);
        partial.end = payload.byteOffset + payload.length;
        if (received === length) {
          const first = partial.first;
          this.drop(partial);
          return this.complete(first, span.subarray(0, length));
        }
        this.reserve(payload.length);
        partial.held += payload.length;
        partial.received = received;
        return undefined;
      }
      // The run ends here: what was moved so far is the message's first view.
      partial.inPlace = false;
      partial.parts[0] = span.subarray(0, offset);
      partial.span = null;
    }
    if (received === length) {
      const first = partial.first;
      const buffer = partial.buffer;
      let data: Buffer;
      if (buffer !== null && buffer.length === length) {
        data = buffer;
        data.set(payload, offset);
      } else if (buffer !== null) data = join([buffer.subarray(0, offset), payload], length);
      else {
        partial.parts.push(payload);
        data = join(partial.parts, length);
      }
      this.drop(partial);
      return this.complete(first, data);
    }
    if (partial.buffer === null && partial.parts.length < MAX_VIEW_PARTS) {
      this.reserve(payload.length);
      partial.held += payload.length;
      partial.parts.push(payload);
    } else {
      const buffer = partial.buffer;
      if (buffer === null || buffer.length < received) this.grow(partial, received, length);
      partial.buffer!.set(payload, offset);
    }
    partial.received = received;
    return undefined;
  }

  /**
   * Moves a partial message's bytes into a buffer of its own that holds at least `needed` bytes
   * (one allocation, one copy of what is there; the old views or buffer are let go).
   */
  private grow(partial: PartialMessage, needed: number, length: number): void {
    const capacity = accumulatorCapacity(needed, length);
    this.reserve(capacity - partial.held);
    partial.held = capacity;
    // The final size: a slab piece or a buffer of its own (see slab-allocator.ts), like `join`.
    const next = capacity === length ? allocateMessageBuffer(length) : Buffer.allocUnsafeSlow(capacity);
    const old = partial.buffer;
    if (old !== null) next.set(old.subarray(0, partial.received), 0);
    else {
      let pos = 0;
      const parts = partial.parts;
      for (let i = 0; i < parts.length; i++) {
        next.set(parts[i]!, pos);
        pos += parts[i]!.length;
      }
      partial.parts = NO_PARTS;
    }
    partial.buffer = next;
  }

  /** Drops the partial message of a chunk stream, if any. RTMP 1.0 §5.4.2 */
  abort(chunkStreamId: number): void {
    const partial = (chunkStreamId & 63) === chunkStreamId ? this.lowStreams[chunkStreamId] : this.highStreams.get(chunkStreamId);
    if (partial !== undefined && partial.first !== null) this.drop(partial);
  }

  /** Drops every partial message (the connection is going away): `partialBytes` and the account go to 0. */
  clear(): void {
    for (const partial of this.lowStreams) if (partial !== undefined && partial.first !== null) this.drop(partial);
    for (const partial of this.highStreams.values()) if (partial.first !== null) this.drop(partial);
  }

  private drop(partial: PartialMessage): void {
    this.held -= partial.held;
    this.account?.charge(-partial.held);
    this.pending--;
    partial.first = null;
    partial.parts = NO_PARTS;
    partial.buffer = null;
    partial.received = 0;
    partial.held = 0;
    partial.inPlace = false;
    partial.span = null;
  }

  /** The chunk stream ended: throws ERR_CHUNK_TRUNCATED if a message is incomplete. */
  end(): void {
    if (this.pending > 0) {
      const ids = [...this.lowStreams.entries(), ...this.highStreams]
        .filter(([, p]) => p !== undefined && p.first !== null)
        .map(([id]) => id)
        .join(', ');
      throw new ChunkError(ErrorCode.CHUNK_TRUNCATED, `chunks ended with incomplete messages on chunk stream(s) ${ids}`);
    }
  }

  private reserve(bytes: number): void {
    if (this.held + bytes > this.maxPartialBytes) {
      throw new ChunkError(
        ErrorCode.CHUNK_PARTIAL_BYTES_EXCEEDED,
        `incomplete messages would hold ${this.held + bytes} bytes, over the limit maxPartialBytes=${this.maxPartialBytes}`,
      );
    }
    this.held += bytes;
    this.account?.charge(bytes);
  }

  private complete(first: Chunk, data: Buffer): Message {
    const type = first.messageTypeId;
    if (type === MessageType.Abort && data.length >= 4) this.abort(data.readUInt32BE(0));
    return {
      chunkStreamId: first.chunkStreamId,
      messageStreamId: first.messageStreamId,
      timestamp: first.timestamp,
      type,
      length: data.length,
      data,
    };
  }
}

/**
 * `Buffer.concat` without its per-part checks: one allocation of the exact length (known to match
 * the parts, which were counted on arrival; carved from a shared slab when small), then one `set`
 * per part. Measurably faster on the hot path (bench/chunk.bench.ts).
 */
function join(parts: Buffer[], length: number): Buffer {
  const out = allocateMessageBuffer(length);
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

const NO_PARTS: Buffer[] = [];
