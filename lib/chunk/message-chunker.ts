import { Transform, type TransformCallback } from 'node:stream';
import type { Message } from '../message/index.js';
import type { Chunk } from './chunk.js';
import { MESSAGE_HEADER_SIZE, basicHeaderSize } from './chunk-header.js';
import { serializeWithHeader } from './serialize-message.js';
import { DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE, checkChunkSize, positiveIntegerOption } from './limits.js';
import {
  ChunkStreamWriterState,
  OutboundChunkState,
  advanceChunkStream,
  checkOutboundMessage,
  nextChunkSize,
} from './outbound-state.js';

export interface MessageChunkerOptions {
  /** Chunk size before any outgoing Set Chunk Size. Default 128 (RTMP 1.0 §5.4.1). */
  chunkSize?: number;
  /** Objects queued per side (messages in, chunks out) before backpressure. Default 64. */
  highWaterMark?: number;
}

/**
 * Splits one message into chunks with the smallest correct headers (see `advanceChunkStream`),
 * updating `state`. The first chunk carries the chosen fmt, the rest are fmt 3 continuations.
 * Payloads are views of `message.data`. Pure apart from `state`. RTMP 1.0 §5.3.1
 */
export function chunkMessage(message: Message, state: ChunkStreamWriterState | OutboundChunkState, chunkSize: number): Chunk[] {
  const m = checkOutboundMessage(message);
  checkChunkSize(chunkSize);
  const csid = m.chunkStreamId;
  const data = m.data;
  const length = data.length;
  const timestamp = m.timestamp >>> 0;
  const s = state instanceof OutboundChunkState ? state.stream(csid) : state;
  let fmt = advanceChunkStream(s, m.messageStreamId, length, m.type, timestamp);
  const chunks: Chunk[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + chunkSize, length);
    chunks.push({
      fmt,
      chunkStreamId: csid,
      timestamp,
      timestampField: s.timestampField,
      extendedTimestamp: s.extendedTimestamp,
      messageLength: length,
      messageTypeId: m.type,
      messageStreamId: m.messageStreamId,
      messageOffset: offset,
      payload: data.subarray(offset, end),
    });
    offset = end;
    fmt = 3;
  } while (offset < length);
  return chunks;
}

/**
 * A message going to many connections: `shared` holds its serialization per header state and chunk
 * size, so each distinct wire form is built once however many connections send it.
 */
export interface SharedMessage extends Message {
  shared?: Map<string, Buffer>;
}

/**
 * A `shared` map for a fan-out message, with a one-entry front: in a fan-out nearly every
 * connection has the same header state, so the last wire form is matched field by field before a
 * Map key is built, and the fields a message was last validated with are remembered so the checks
 * run once per message rather than once per connection. A plain Map works too, just slower.
 */
export class SharedWireCache extends Map<string, Buffer> {
  // Last validated message fields (the validation depends on nothing else).
  checkedData: Buffer | undefined = undefined;
  checkedChunkStreamId = -1;
  checkedMessageStreamId = -1;
  checkedTimestamp = Number.NaN;
  checkedType = -1;
  // Last wire form and the inputs that shaped it.
  lastWire: Buffer | undefined = undefined;
  lastChunkSize = -1;
  lastFirst = -1;
  lastField = -1;
  lastExtended = false;
  lastChunkStreamId = -1;
  lastMessageStreamId = -1;
}

/**
 * Like `chunkMessage`, but every chunk also carries `wire`, its bytes in the message's shared
 * serialization for this connection's header state (built on the first miss, reused after).
 */
export function chunkShared(
  message: Message,
  shared: Map<string, Buffer>,
  state: OutboundChunkState,
  chunkSize: number,
): Chunk[] {
  const m = checkOutboundMessage(message);
  checkChunkSize(chunkSize);
  const csid = m.chunkStreamId;
  const length = m.data.length;
  const timestamp = m.timestamp >>> 0;
  const s = state.stream(csid);
  const { wire, first } = sharedWire(m, shared, state, chunkSize);
  const field = s.timestampField;
  const extended = s.extendedTimestamp;
  const continuation = basicHeaderSize(csid) + (extended ? 4 : 0);
  const chunks: Chunk[] = [];
  let fmt = first;
  let pos = 0;
  let offset = 0;
  do {
    const header = continuation + MESSAGE_HEADER_SIZE[fmt]!;
    const end = Math.min(offset + chunkSize, length);
    const payload = wire.subarray(pos + header, pos + header + (end - offset));
    chunks.push({
      fmt,
      chunkStreamId: csid,
      timestamp,
      timestampField: field,
      extendedTimestamp: extended,
      messageLength: length,
      messageTypeId: m.type,
      messageStreamId: m.messageStreamId,
      messageOffset: offset,
      payload,
      wire: wire.subarray(pos, pos + header + payload.length),
    });
    pos += header + payload.length;
    offset = end;
    fmt = 3;
  } while (offset < length);
  return chunks;
}

/**
 * Advances `state` for a checked message and returns its bytes for that header state, from
 * `shared` or serialized into it on a miss. Everything that shapes the bytes besides the header
 * state is the message itself, the same for every connection.
 */
function sharedWire(m: Message, shared: Map<string, Buffer>, state: OutboundChunkState, chunkSize: number): { wire: Buffer; first: 0 | 1 | 2 | 3 } {
  const s = state.stream(m.chunkStreamId);
  const first = advanceChunkStream(s, m.messageStreamId, m.data.length, m.type, m.timestamp >>> 0);
  return { wire: wireFor(m, shared, first, s.timestampField, s.extendedTimestamp, chunkSize), first };
}

/** The bytes of `m` for one header (fmt, timestamp field, extended), from `shared` or built into it. */
function wireFor(m: Message, shared: Map<string, Buffer>, first: 0 | 1 | 2 | 3, field: number, extended: boolean, chunkSize: number): Buffer {
  const key = `${chunkSize}:${first}:${field}:${extended ? 1 : 0}:${m.messageStreamId}`;
  let wire = shared.get(key);
  if (wire === undefined) {
    wire = serializeWithHeader(m, first, field, extended, chunkSize);
    shared.set(key, wire);
  }
  return wire;
}

/**
 * `Message` → `Chunk`, object mode on both sides. Keeps the per-chunk-stream header state, and
 * when it chunks an outgoing Set Chunk Size message it switches to the new size right after it,
 * as the peer's decoder will. Bad messages fail with a typed `ChunkError`.
 */
export class MessageChunker extends Transform {
  private readonly state = new OutboundChunkState();
  private size: number;

  constructor(options: MessageChunkerOptions = {}) {
    const highWaterMark = positiveIntegerOption('highWaterMark', options.highWaterMark, 64);
    super({ objectMode: true, highWaterMark });
    this.size = positiveIntegerOption('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE, PROTOCOL_MAX_CHUNK_SIZE);
  }

  /** Chunk size used for the next message. */
  get chunkSize(): number {
    return this.size;
  }

  /**
   * The fan-out fast path, for a connection whose outbound pipeline is idle and has no user
   * stages: the bytes of a shared media message for this chunker's header state (the state
   * advances as if the message had passed through), to be written to the socket directly.
   * Throws a ChunkError for a message the chunker could not send.
   */
  serializeShared(message: SharedMessage & { shared: Map<string, Buffer> }): Buffer {
    const m = checkOutboundMessage(message);
    return sharedWire(m, message.shared, this.state, this.size).wire;
  }

  /**
   * `serializeShared` for a media message given by its fields: with a `SharedWireCache`, the
   * checks and the key are skipped when they match the last connection's (no per-connection
   * objects on the common path).
   */
  serializeSharedMedia(
    shared: Map<string, Buffer>,
    chunkStreamId: number,
    messageStreamId: number,
    timestamp: number,
    type: number,
    data: Buffer,
  ): Buffer {
    if (!(shared instanceof SharedWireCache)) {
      const message = { chunkStreamId, messageStreamId, timestamp, type, length: data.length, data, shared };
      return this.serializeShared(message);
    }
    if (
      shared.checkedData !== data ||
      shared.checkedChunkStreamId !== chunkStreamId ||
      shared.checkedMessageStreamId !== messageStreamId ||
      shared.checkedTimestamp !== timestamp ||
      shared.checkedType !== type
    ) {
      checkOutboundMessage({ chunkStreamId, messageStreamId, timestamp, type, length: data.length, data });
      shared.checkedData = data;
      shared.checkedChunkStreamId = chunkStreamId;
      shared.checkedMessageStreamId = messageStreamId;
      shared.checkedTimestamp = timestamp;
      shared.checkedType = type;
    }
    const s = this.state.stream(chunkStreamId);
    const first = advanceChunkStream(s, messageStreamId, data.length, type, timestamp >>> 0);
    const field = s.timestampField;
    const extended = s.extendedTimestamp;
    const size = this.size;
    if (
      shared.lastWire !== undefined &&
      shared.lastFirst === first &&
      shared.lastField === field &&
      shared.lastExtended === extended &&
      shared.lastChunkSize === size &&
      shared.lastChunkStreamId === chunkStreamId &&
      shared.lastMessageStreamId === messageStreamId
    ) {
      return shared.lastWire;
    }
    const wire = wireFor({ chunkStreamId, messageStreamId, timestamp, type, length: data.length, data }, shared, first, field, extended, size);
    shared.lastWire = wire;
    shared.lastFirst = first;
    shared.lastField = field;
    shared.lastExtended = extended;
    shared.lastChunkSize = size;
    shared.lastChunkStreamId = chunkStreamId;
    shared.lastMessageStreamId = messageStreamId;
    return wire;
  }

  override _transform(message: SharedMessage, _encoding: BufferEncoding, callback: TransformCallback): void {
    let chunks: Chunk[];
    let next: number;
    try {
      // Validate (a Set Chunk Size value included) before any header state changes.
      next = nextChunkSize(checkOutboundMessage(message), this.size);
      chunks = message.shared ? chunkShared(message, message.shared, this.state, this.size) : chunkMessage(message, this.state, this.size);
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const chunk of chunks) this.push(chunk);
    this.size = next;
    callback();
  }
}

export interface MessageChunker {
  on(event: 'data', listener: (chunk: Chunk) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}
