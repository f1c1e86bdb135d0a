/**
 * The synchronous core of `MessageAssembler`: chunks in, whole messages out.
 *
 * Memory: nothing is allocated from a length the peer claims. The payload views of a message's
 * chunks are collected as they arrive and joined with one allocation and copy when the last one comes;
 * a message that fits in one chunk is emitted as that chunk's view, with no copy at all.
 *
 * In-place assembly (`assembleInPlace`, for chunks from a `ChunkDecoder` with `ownsInput`): when
 * every chunk of a message lies back to back in one read — between one chunk's payload and the
 * next chunk's payload there are exactly that next chunk's `headerSize` header bytes — the later
 * payloads are moved left over those headers (`copyWithin`, in order, destination before source)
 * and the message is a view of the read: a cache-warm memmove instead of fresh memory and a copy.
 * Anything else (chunks spanning reads, other chunk streams interleaved) is joined as above.
 *
 * Why a view handed out earlier is never changed by a later move: the bytes of the input are
 * partitioned into chunks (header + payload) by the decoder, and a read belongs to it alone
 * (`ownsInput`). A contiguous message M occupies the span from its first payload's start to its
 * last payload's end, and the contiguity check guarantees that this span holds nothing but M's own
 * payloads and M's own later headers. Its moves write only inside that span, so they touch no
 * other chunk's payload or header: not another message's chunk view, not a payload still waiting
 * to be joined, not another in-place message's span (spans of different messages are disjoint),
 * and not bytes the decoder has yet to parse (M's last chunk was parsed before it got here). Bytes
 * move only when the last chunk arrives, so a message dropped half way (Abort, a new header) is
 * left untouched.
 *
 * A chunk at offset 0 on a chunk stream that still holds a partial message replaces it (the
 * decoder abandoned it: Abort, or a new fmt 0/1/2 header mid-message). An Abort message (type 2)
 * also drops the partial message of the chunk stream it names. RTMP 1.0 §5.4.2
 */
import { ChunkError, ErrorCode } from '../errors.js';
import { MessageType } from '../message/message-type.js';
import type { Message } from '../message/message.js';
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
}

/** One chunk stream's message in progress; kept per chunk stream and reused (no Map churn per message). */
class PartialMessage {
  /** The message's first chunk (its header fields describe the message); null when idle. */
  first: Chunk | null = null;
  parts: Buffer[] = [];
  received = 0;
  /** Every chunk so far back to back in one read (see the file comment); `end` is where the last payload ends. */
  inPlace = false;
  end = 0;
  memory: ArrayBufferLike | null = null;
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
  private held = 0;
  private pending = 0;
  private inPlace: boolean;

  constructor(options: MessageCollectorOptions = {}) {
    this.maxMessageSize = positiveIntegerOption('maxMessageSize', options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE, PROTOCOL_MAX_MESSAGE_LENGTH);
    this.maxPartialBytes = positiveIntegerOption('maxPartialBytes', options.maxPartialBytes, DEFAULT_MAX_PARTIAL_BYTES);
    this.inPlace = options.assembleInPlace === true;
  }

  /** Whether messages are assembled in place (option `assembleInPlace`, until `stopAssemblingInPlace()`). */
  get assemblesInPlace(): boolean {
    return this.inPlace;
  }

  /**
   * Others may hold chunks from now on (a stage spliced in before the assembler): join every
   * message from here on, including those already under way. One way; messages already emitted
   * are final and never touched again.
   */
  stopAssemblingInPlace(): void {
    this.inPlace = false;
  }

  /** Bytes held in incomplete messages. */
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
      // headerSize > 0: the payload is a view of a read the decoder owns.
      if (this.inPlace && chunk.headerSize! > 0) {
        partial.inPlace = true;
        partial.end = payload.byteOffset + payload.length;
        partial.memory = payload.buffer;
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
    if (partial.inPlace) {
      // Back to back: exactly this chunk's own header lies between the previous payload and this one.
      const headerSize = chunk.headerSize!;
      if (headerSize > 0 && payload.byteOffset - headerSize === partial.end && payload.buffer === partial.memory) {
        partial.end = payload.byteOffset + payload.length;
      } else partial.inPlace = false;
    }
    const received = offset + payload.length;
    if (received === length) {
      const first = partial.first;
      partial.parts.push(payload);
      const data = partial.inPlace && this.inPlace ? compact(partial.parts, length, partial.end) : join(partial.parts, length);
      this.drop(partial);
      return this.complete(first, data);
    }
    this.reserve(payload.length);
    partial.parts.push(payload);
    partial.received = received;
    return undefined;
  }

  /** Drops the partial message of a chunk stream, if any. RTMP 1.0 §5.4.2 */
  abort(chunkStreamId: number): void {
    const partial = (chunkStreamId & 63) === chunkStreamId ? this.lowStreams[chunkStreamId] : this.highStreams.get(chunkStreamId);
    if (partial !== undefined && partial.first !== null) this.drop(partial);
  }

  private drop(partial: PartialMessage): void {
    this.held -= partial.received;
    this.pending--;
    partial.first = null;
    partial.parts = NO_PARTS;
    partial.received = 0;
    partial.inPlace = false;
    partial.memory = null;
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

/**
 * In-place assembly of parts that lie back to back in one read, each after its own header: move
 * every later part left to follow the one before (destination below source, and `copyWithin` is a
 * memmove, so in-order moves never overwrite a part not yet moved), then view the result. `end` is
 * where the last part ends; the moves stay inside [first part's start, end).
 */
function compact(parts: Buffer[], length: number, end: number): Buffer {
  const first = parts[0]!;
  const base = first.byteOffset;
  const span = Buffer.from(first.buffer, base, end - base);
  let pos = first.length;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const from = part.byteOffset - base;
    span.copyWithin(pos, from, from + part.length);
    pos += part.length;
  }
  return span.subarray(0, length);
}

const NO_PARTS: Buffer[] = [];
