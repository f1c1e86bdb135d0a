/**
 * The synchronous core of `ChunkDecoder`: bytes in, resolved `Chunk`s out (RTMP 1.0 §5.3).
 * No streams and no I/O, so it can be fuzzed and benchmarked directly; the Transform only wraps it.
 *
 * States (one loop, early return when bytes are short):
 *   0 HEADER              basic header + message header for its fmt, read in one step
 *   1 EXTENDED_TIMESTAMP  the 4-byte extended timestamp after a fmt 0/1/2 header with 0xFFFFFF
 *   2 TYPE3_EXTENDED      a fmt 3 chunk on a stream whose last header had an extended timestamp:
 *                         peek, consume when the bytes match (see `readType3ExtendedTimestamp`)
 *   3 PAYLOAD             min(chunk size, bytes left in the message), a view of the read if it fits
 *
 * Inline control (RTMP 1.0 §5.4): Set Chunk Size (1) takes effect for the chunk right after the one
 * that completes it, even within the same read; Abort (2) drops the partial message of the named
 * chunk stream; Window Acknowledgement Size (5) sets the acknowledgement window. Those chunks are
 * still emitted like any other.
 *
 * Acknowledgement (RTMP 1.0 §5.4.3): every byte pushed counts (plus `initialBytes`, e.g. the 3073
 * handshake bytes). After a read is parsed, if at least `windowAckSize` bytes arrived since the last
 * acknowledgement, `onAcknowledgement(total mod 2^32)` fires once, and the next window counts from
 * there — one acknowledgement per read even if that read spans several windows (a single up-to-date
 * sequence number says all the peer needs; this is also how ffmpeg and nginx-rtmp behave).
 * `windowAckSize` 0 (the default) means no acknowledgements until the peer announces a window.
 */
import { ChunkError, ErrorCode } from '../errors.js';
import { MessageType } from '../message/index.js';
import { ByteQueue } from './byte-queue.js';
import type { Chunk } from './chunk.js';
import { EXTENDED_TIMESTAMP_MARKER, MESSAGE_HEADER_SIZE } from './chunk-header.js';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_CHUNK_SIZE,
  DEFAULT_MAX_CHUNK_STREAMS,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MAX_PARTIAL_BYTES,
  MAX_CHUNK_STREAM_ID,
  PROTOCOL_MAX_CHUNK_SIZE,
  PROTOCOL_MAX_MESSAGE_LENGTH,
  checkChunkSize,
  nonNegativeIntegerOption,
  positiveIntegerOption,
} from './limits.js';

export interface ChunkParserOptions {
  /** Chunk size in effect before any Set Chunk Size arrives. Default 128 (RTMP 1.0 §5.4.1). */
  chunkSize?: number;
  /** Largest chunk size the peer may set; larger → ERR_CHUNK_SIZE_INVALID. Default 1 MiB. */
  maxChunkSize?: number;
  /** Largest message length accepted → else ERR_CHUNK_MESSAGE_TOO_LARGE. Default 0xFFFFFF. */
  maxMessageSize?: number;
  /** Distinct chunk stream ids per connection → else ERR_CHUNK_TOO_MANY_STREAMS. Default 64. */
  maxChunkStreams?: number;
  /** Bytes of incomplete messages across chunk streams → else ERR_CHUNK_PARTIAL_BYTES_EXCEEDED. Default 32 MiB. */
  maxPartialBytes?: number;
  /** The peer's acknowledgement window in bytes; 0 = none yet. Updated by incoming type 5 messages. */
  windowAckSize?: number;
  /** Bytes already received before the chunk stream began (handshake), counted for acknowledgements. */
  initialBytes?: number;
  /**
   * The parser alone uses the reads it is given (nobody else holds or reads them; no two overlap),
   * so a `MessageAssembler` with `assembleInPlace` may rewrite them. Each chunk whose header and
   * payload lie in one read then carries `headerSize` (see `Chunk`); others carry 0. Default false.
   */
  ownsInput?: boolean;
}

/** Where the parser delivers what it finds, synchronously and in byte order. */
export interface ChunkParserSink {
  onChunk(chunk: Chunk): void;
  /** After the chunk that completed a Set Chunk Size message; `size` applies from the next chunk. */
  onSetChunkSize(size: number): void;
  /** After the chunk that completed a Window Acknowledgement Size message. */
  onWindowAckSize(size: number): void;
  /** The sequence number to acknowledge: total bytes received, modulo 2^32. */
  onAcknowledgement(sequenceNumber: number): void;
}

const STATE_HEADER = 0;
const STATE_EXTENDED_TIMESTAMP = 1;
const STATE_TYPE3_EXTENDED = 2;
const STATE_PAYLOAD = 3;

/** What a chunk stream remembers from its last header (RTMP 1.0 §5.3.1.2: fmt 1/2/3 inherit it). */
class InboundChunkStream {
  /** Absolute timestamp of the current (or last) message. */
  timestamp = 0;
  /** The last header's timestamp field: absolute after fmt 0, a delta after fmt 1/2. */
  timestampField = 0;
  /** Whether the last fmt 0/1/2 header used the extended timestamp. */
  extended = false;
  messageLength = 0;
  messageTypeId = 0;
  messageStreamId = 0;
  /** Bytes of the current message received so far; 0 = at a message boundary. */
  received = 0;
  /** First 4 payload bytes (big-endian) of a control message being received. */
  control = 0;
}

export class ChunkParser {
  private readonly queue = new ByteQueue();
  /** Chunk streams 2..63 (the 1-byte basic header: all that real peers use) by id, no hashing. */
  private readonly lowStreams: (InboundChunkStream | undefined)[] = new Array<InboundChunkStream | undefined>(64).fill(undefined);
  /** Chunk streams 64..65599. */
  private readonly highStreams = new Map<number, InboundChunkStream>();
  private streamCount = 0;
  /** Headers that span reads are copied here (up to 3 + 11 bytes, or 4 for a timestamp). */
  private readonly scratch = Buffer.allocUnsafe(16);
  private sink: ChunkParserSink;
  private readonly maxChunkSize: number;
  private readonly maxMessageSize: number;
  private readonly maxChunkStreams: number;
  private readonly maxPartialBytes: number;

  private state = STATE_HEADER;
  /** The chunk being parsed: its stream state, id and fmt. */
  private stream: InboundChunkStream | undefined;
  private chunkStreamId = 0;
  private fmt: 0 | 1 | 2 | 3 = 0;
  private payloadSize = 0;
  /** Where `take` left the bytes it returned. */
  private at = 0;

  private currentChunkSize: number;
  private currentWindowAckSize: number;
  private received: number;
  private lastAcknowledged = 0;
  private partial = 0;
  private failure: unknown = undefined;
  /** `pause()` was called: `parse` returns at the next chunk boundary. */
  private pausing = false;
  private owns: boolean;
  /**
   * Where the current chunk's header began when it began inside a read, for `headerSize` on the
   * general path (the hot path knows it directly); undefined when the header spanned reads.
   */
  private chunkRead: Buffer | undefined = undefined;
  private chunkStart = 0;

  constructor(options: ChunkParserOptions, sink: ChunkParserSink) {
    this.sink = sink;
    this.maxChunkSize = positiveIntegerOption('maxChunkSize', options.maxChunkSize, DEFAULT_MAX_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE);
    this.currentChunkSize = positiveIntegerOption('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, this.maxChunkSize);
    this.maxMessageSize = positiveIntegerOption('maxMessageSize', options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE, PROTOCOL_MAX_MESSAGE_LENGTH);
    this.maxChunkStreams = positiveIntegerOption('maxChunkStreams', options.maxChunkStreams, DEFAULT_MAX_CHUNK_STREAMS, MAX_CHUNK_STREAM_ID - 1);
    this.maxPartialBytes = positiveIntegerOption('maxPartialBytes', options.maxPartialBytes, DEFAULT_MAX_PARTIAL_BYTES);
    this.currentWindowAckSize = nonNegativeIntegerOption('windowAckSize', options.windowAckSize, 0, 0xffffffff);
    this.received = nonNegativeIntegerOption('initialBytes', options.initialBytes, 0);
    this.owns = options.ownsInput === true;
  }

  /**
   * Deliver to `sink` from the next chunk on, keeping every other state: how a connection that ran
   * the parser inline hands it to a `ChunkDecoder` when a stage is spliced in before it. Returns
   * the sink it replaces.
   */
  attach(sink: ChunkParserSink): ChunkParserSink {
    const previous = this.sink;
    this.sink = sink;
    return previous;
  }

  /** Whether chunks are marked for in-place assembly (`ownsInput`, until `releaseInput()`). */
  get ownsInput(): boolean {
    return this.owns;
  }

  /**
   * From now on others may hold the reads (e.g. a stage spliced in before the parser): chunks are
   * no longer marked (`headerSize` 0), so nothing downstream rewrites them. One way.
   */
  releaseInput(): void {
    this.owns = false;
  }

  /** Chunk size in effect for the next chunk. */
  get chunkSize(): number {
    return this.currentChunkSize;
  }
  /** The peer's acknowledgement window (0 = none). */
  get windowAckSize(): number {
    return this.currentWindowAckSize;
  }
  /** Total bytes received including `initialBytes` (not wrapped; the acknowledgement wraps it). */
  get bytesReceived(): number {
    return this.received;
  }
  /** Bytes of incomplete messages across all chunk streams (what an assembler downstream holds). */
  get partialBytes(): number {
    return this.partial;
  }
  /** Bytes queued waiting for the rest of a chunk (at most one header + one chunk + one read). */
  get bufferedBytes(): number {
    return this.queue.length;
  }
  /** Number of chunk stream ids seen. */
  get chunkStreamCount(): number {
    return this.streamCount;
  }

  /**
   * Parses one socket read. Throws a `ChunkError` on bad input; after that every call rethrows it.
   * Returns true when every queued byte was parsed, false when the sink called `pause()`: the
   * rest stays queued until `resume()`.
   */
  push(data: Buffer): boolean {
    if (this.failure !== undefined) throw this.failure;
    this.received += data.length;
    this.queue.push(data);
    const done = this.run();
    this.acknowledge();
    return done;
  }

  /**
   * Stop parsing after the chunk being delivered (call it from `onChunk`): `push`/`resume` return
   * false and the rest waits, e.g. while the reader has no room or until the next event-loop turn.
   */
  pause(): void {
    this.pausing = true;
  }

  /** Goes on parsing what is queued after a `pause()`; same result as `push`. */
  resume(): boolean {
    if (this.failure !== undefined) throw this.failure;
    return this.run();
  }

  /** True while bytes wait after a `pause()`. */
  get paused(): boolean {
    return this.pausing;
  }

  private run(): boolean {
    this.pausing = false;
    try {
      this.parse();
    } catch (err) {
      this.failure = err;
      throw err;
    }
    return !this.pausing;
  }

  private acknowledge(): void {
    const window = this.currentWindowAckSize;
    if (window > 0 && this.received - this.lastAcknowledged >= window) {
      this.lastAcknowledged = this.received;
      this.sink.onAcknowledgement(this.received >>> 0);
    }
  }

  /** The byte stream ended: throws ERR_CHUNK_TRUNCATED if it stopped inside a chunk or a message. */
  end(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== STATE_HEADER || this.queue.length > 0) {
      throw new ChunkError(
        ErrorCode.CHUNK_TRUNCATED,
        `stream ended inside a chunk (chunk stream ${this.chunkStreamId}, ${this.queue.length} bytes pending)`,
      );
    }
    if (this.partial > 0) {
      throw new ChunkError(ErrorCode.CHUNK_TRUNCATED, `stream ended with ${this.partial} bytes of incomplete messages`);
    }
  }

  private parse(): void {
    const q = this.queue;
    for (;;) {
      if (this.pausing) return;
      switch (this.state) {
        case STATE_HEADER: {
          if (q.length === 0) return;
          if (this.parseWithinHead()) break;
          this.chunkRead = undefined; // the header spans reads
          const b0 = q.head[q.headOffset]!;
          const fmt = (b0 >>> 6) as 0 | 1 | 2 | 3;
          const low = b0 & 0x3f;
          // RTMP 1.0 §5.3.1.1: low bits 0 → 2-byte form (64..319), 1 → 3-byte form (64..65599).
          const basicSize = low === 0 ? 2 : low === 1 ? 3 : 1;
          const need = basicSize + MESSAGE_HEADER_SIZE[fmt]!;
          if (q.length < need) return;
          const buf = this.take(need);
          const p = this.at;
          const csid = basicSize === 1 ? low : basicSize === 2 ? 64 + buf[p + 1]! : 64 + buf[p + 1]! + buf[p + 2]! * 256;
          this.readMessageHeader(fmt, csid, buf, p + basicSize);
          break;
        }
        case STATE_EXTENDED_TIMESTAMP: {
          if (q.length < 4) return;
          const buf = this.take(4);
          const s = this.stream!;
          this.applyTimestamp(s, buf.readUInt32BE(this.at));
          this.enterPayload(s);
          break;
        }
        case STATE_TYPE3_EXTENDED: {
          if (!this.readType3ExtendedTimestamp()) return;
          this.enterPayload(this.stream!);
          break;
        }
        default: {
          // STATE_PAYLOAD
          const size = this.payloadSize;
          if (q.length < size) return;
          // Marked only when the header (extended timestamp included) and the payload lie in one read.
          let headerSize = 0;
          if (this.owns && size > 0 && q.head === this.chunkRead && q.head.length - q.headOffset >= size) {
            headerSize = q.headOffset - this.chunkStart;
          }
          this.chunkRead = undefined;
          this.emitChunk(q.consume(size), headerSize);
          this.state = STATE_HEADER;
        }
      }
    }
  }

  /**
   * The hot path: whole chunks (header and payload) that lie inside the read at the head of the
   * queue, parsed straight from it with no state round trips; each payload is a view of the read.
   * Stops at the first chunk that needs more (it spans reads, or an extended timestamp follows) and
   * leaves that one to the general state machine. Returns false when the next header spans reads
   * (the general path takes it), true otherwise (the state moved on, or the read is used up).
   */
  private parseWithinHead(): boolean {
    const q = this.queue;
    const head = q.head;
    const end = head.length;
    let pos = q.headOffset;
    for (;;) {
      // The read is used up: the caller moves on to the next one.
      if (pos === end) return true;
      const b0 = head[pos]!;
      const fmt = (b0 >>> 6) as 0 | 1 | 2 | 3;
      const low = b0 & 0x3f;
      // RTMP 1.0 §5.3.1.1: low bits 0 → 2-byte form (64..319), 1 → 3-byte form (64..65599).
      const basicSize = low === 0 ? 2 : low === 1 ? 3 : 1;
      const need = basicSize + MESSAGE_HEADER_SIZE[fmt]!;
      if (end - pos < need) return false;
      const csid = basicSize === 1 ? low : basicSize === 2 ? 64 + head[pos + 1]! : 64 + head[pos + 1]! + head[pos + 2]! * 256;
      this.readMessageHeader(fmt, csid, head, pos + basicSize);
      pos += need;
      const size = this.payloadSize;
      if (this.state !== STATE_PAYLOAD || end - pos < size) {
        // An extended timestamp follows, or the payload spans reads: the general path goes on.
        this.chunkRead = head;
        this.chunkStart = pos - need;
        q.skip(need);
        return true;
      }
      const payload = head.subarray(pos, pos + size);
      pos += size;
      q.skip(need + size);
      this.state = STATE_HEADER;
      this.emitChunk(payload, need);
      if (this.pausing) return true;
    }
  }

  /** Consumes `n` queued bytes and returns a buffer holding them contiguously from `this.at`. */
  private take(n: number): Buffer {
    const q = this.queue;
    const head = q.head;
    const off = q.headOffset;
    if (head.length - off >= n) {
      this.at = off;
      q.skip(n);
      return head;
    }
    q.peekInto(this.scratch, n);
    q.skip(n);
    this.at = 0;
    return this.scratch;
  }

  private readMessageHeader(fmt: 0 | 1 | 2 | 3, csid: number, buf: Buffer, p: number): void {
    let s = csid < 64 ? this.lowStreams[csid] : this.highStreams.get(csid);
    if (s === undefined) {
      // RTMP 1.0 §5.3.1.2.2-4: fmt 1, 2 and 3 take fields from the previous header on this stream.
      if (fmt !== 0) {
        throw new ChunkError(ErrorCode.CHUNK_NO_PREVIOUS_HEADER, `fmt ${fmt} chunk on chunk stream ${csid}, which has no previous header`);
      }
      if (this.streamCount >= this.maxChunkStreams) {
        throw new ChunkError(ErrorCode.CHUNK_TOO_MANY_STREAMS, `chunk stream ${csid} exceeds the limit maxChunkStreams=${this.maxChunkStreams}`);
      }
      s = new InboundChunkStream();
      if (csid < 64) this.lowStreams[csid] = s;
      else this.highStreams.set(csid, s);
      this.streamCount++;
    }
    this.stream = s;
    this.chunkStreamId = csid;
    this.fmt = fmt;
    if (fmt === 3) {
      // RTMP 1.0 §5.3.1.2.4: a fmt 3 chunk at a message boundary starts a new message with the
      // previous header's delta (after fmt 0 that is its absolute timestamp, as in the spec's example).
      if (s.received === 0) s.timestamp = (s.timestamp + s.timestampField) >>> 0;
      if (s.extended) this.state = STATE_TYPE3_EXTENDED;
      else this.enterPayload(s);
      return;
    }
    // A fmt 0/1/2 header in the middle of a message abandons that message (as Abort would).
    if (s.received !== 0) {
      this.partial -= s.received;
      s.received = 0;
    }
    const field = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
    if (fmt !== 2) {
      const length = (buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!;
      if (length > this.maxMessageSize) {
        throw new ChunkError(
          ErrorCode.CHUNK_MESSAGE_TOO_LARGE,
          `message of ${length} bytes on chunk stream ${csid} exceeds the limit maxMessageSize=${this.maxMessageSize}`,
        );
      }
      s.messageLength = length;
      s.messageTypeId = buf[p + 6]!;
      // RTMP 1.0 §5.3.1.2.1: the message stream id is little-endian.
      if (fmt === 0) s.messageStreamId = (buf[p + 7]! | (buf[p + 8]! << 8) | (buf[p + 9]! << 16) | (buf[p + 10]! << 24)) >>> 0;
    }
    if (field === EXTENDED_TIMESTAMP_MARKER) {
      s.extended = true;
      this.state = STATE_EXTENDED_TIMESTAMP;
      return;
    }
    s.extended = false;
    this.applyTimestamp(s, field);
    this.enterPayload(s);
  }

  /** fmt 0 carries the absolute timestamp, fmt 1/2 a delta; timestamps wrap at 2^32. RTMP 1.0 §5.3.1.2 */
  private applyTimestamp(s: InboundChunkStream, field: number): void {
    s.timestampField = field;
    s.timestamp = this.fmt === 0 ? field : (s.timestamp + field) >>> 0;
  }

  /**
   * RTMP 1.0 §5.3.1.3 says a fmt 3 chunk repeats the extended timestamp of its stream's last
   * fmt 0/1/2 header. Some senders (older librtmp/OBS, rtmpdump) omit it, and decoders that read
   * blindly lose sync once timestamps pass 0xFFFFFF ms (the "4 h 39 min" bug). So peek: if the next
   * 4 bytes equal the value we expect — the header's field, or the message's absolute timestamp,
   * which some senders write instead — consume them; otherwise they are payload. With fewer than 4
   * bytes queued, wait only while they still match the start of an expected value.
   * Returns false when more bytes are needed.
   */
  private readType3ExtendedTimestamp(): boolean {
    const q = this.queue;
    const s = this.stream!;
    const available = q.length;
    if (available === 0) return false;
    if (available >= 4) {
      let value: number;
      const head = q.head;
      const off = q.headOffset;
      if (head.length - off >= 4) value = head.readUInt32BE(off);
      else {
        q.peekInto(this.scratch, 4);
        value = this.scratch.readUInt32BE(0);
      }
      if (value === s.timestampField || value === s.timestamp) q.skip(4);
      return true;
    }
    return !(startsWith(q, available, s.timestampField) || startsWith(q, available, s.timestamp));
  }

  private enterPayload(s: InboundChunkStream): void {
    const remaining = s.messageLength - s.received;
    const size = remaining < this.currentChunkSize ? remaining : this.currentChunkSize;
    if (size < remaining && this.partial + size > this.maxPartialBytes) {
      throw new ChunkError(
        ErrorCode.CHUNK_PARTIAL_BYTES_EXCEEDED,
        `incomplete messages would hold ${this.partial + size} bytes, over the limit maxPartialBytes=${this.maxPartialBytes}`,
      );
    }
    this.payloadSize = size;
    this.state = STATE_PAYLOAD;
  }

  /** `headerSize`: the chunk's header bytes just before `payload` in the same read, else 0. */
  private emitChunk(payload: Buffer, headerSize: number): void {
    const s = this.stream!;
    const offset = s.received;
    const type = s.messageTypeId;
    // One literal per mode (not a property added later): one object shape each, no map transition per chunk.
    const chunk: Chunk = this.owns
      ? {
          fmt: this.fmt,
          chunkStreamId: this.chunkStreamId,
          timestamp: s.timestamp,
          timestampField: s.timestampField,
          extendedTimestamp: s.extended,
          messageLength: s.messageLength,
          messageTypeId: type,
          messageStreamId: s.messageStreamId,
          messageOffset: offset,
          payload,
          headerSize,
        }
      : {
          fmt: this.fmt,
          chunkStreamId: this.chunkStreamId,
          timestamp: s.timestamp,
          timestampField: s.timestampField,
          extendedTimestamp: s.extended,
          messageLength: s.messageLength,
          messageTypeId: type,
          messageStreamId: s.messageStreamId,
          messageOffset: offset,
          payload,
        };
    const isControl = type === MessageType.SetChunkSize || type === MessageType.Abort || type === MessageType.WindowAcknowledgementSize;
    if (isControl && offset < 4) {
      // Control payloads may themselves be split into 1-byte chunks: gather the first 4 bytes.
      if (offset === 0) s.control = 0;
      const end = Math.min(payload.length, 4 - offset);
      for (let i = 0; i < end; i++) s.control = ((s.control << 8) | payload[i]!) >>> 0;
    }
    const received = offset + payload.length;
    if (received === s.messageLength) {
      this.partial -= offset;
      s.received = 0;
      this.sink.onChunk(chunk);
      if (isControl) this.applyControl(type, s);
    } else {
      this.partial += payload.length;
      s.received = received;
      this.sink.onChunk(chunk);
    }
  }

  /** Control messages the chunk layer must act on at once. RTMP 1.0 §5.4 */
  private applyControl(type: number, s: InboundChunkStream): void {
    const complete = s.messageLength >= 4;
    const value = s.control;
    if (type === MessageType.SetChunkSize) {
      // RTMP 1.0 §5.4.1: 31-bit size, top bit 0, at least 1.
      if (!complete) {
        throw new ChunkError(ErrorCode.CHUNK_SIZE_INVALID, `Set Chunk Size message of ${s.messageLength} bytes, expected 4`);
      }
      this.currentChunkSize = checkChunkSize(value, this.maxChunkSize);
      this.sink.onSetChunkSize(value);
    } else if (!complete) {
      // A short Abort or Window Acknowledgement Size says nothing usable; the message layer reports it.
      return;
    } else if (type === MessageType.Abort) {
      // RTMP 1.0 §5.4.2: discard the partially received message of that chunk stream.
      const target = value < 64 ? this.lowStreams[value] : this.highStreams.get(value);
      if (target !== undefined && target.received !== 0) {
        this.partial -= target.received;
        target.received = 0;
      }
    } else {
      // RTMP 1.0 §5.4.4: Window Acknowledgement Size.
      this.currentWindowAckSize = value;
      this.sink.onWindowAckSize(value);
    }
  }
}

/** Whether the first `n` (< 4) queued bytes equal the first `n` bytes of `value` as a 32-bit BE. */
function startsWith(q: ByteQueue, n: number, value: number): boolean {
  for (let i = 0; i < n; i++) {
    if (q.byteAt(i) !== ((value >>> (24 - 8 * i)) & 0xff)) return false;
  }
  return true;
}
