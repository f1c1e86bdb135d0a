/**
 * `OutboundPath`: a connection's one outbound writer. It owns the chunk layer's `ChunkWriter`
 * (header state, chunk size), the socket's corking and the exact count of bytes written but not
 * yet taken by the kernel, for the connection's own messages and for shared fan-out frames alike.
 *
 * The layers run as synchronous cores, inline in `send()`:
 *
 *   send(event) ─▶ encodeEvent ─▶ ChunkWriter.serialize ─▶ socket        (no user stage)
 *
 * and as `Transform` adapters over the same cores only from the first boundary where a user
 * splices a stage (up front, or later with `splice()`):
 *
 *   send(event) ─▶ encodeEvent ─▶ [stage at 'messages'] ─▶ MessageChunker ─▶ ChunkEncoder ─▶ socket
 *
 * Everything goes in at one point (the socket, or the first adapted boundary's head), so order
 * holds across splices: a splice at an earlier boundary builds adapters that feed the old head.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import { ChunkEncoder, ChunkWriter, MessageChunker, type SharedFrame } from '../chunk/index.js';
import { CommandEncoder, OutboundChunkStream, encodeEvent, type ObjectEncodingState, type RtmpEvent, type SharedEvent } from '../command/index.js';
import { StageChain, reserveListeners, type Boundary, type StageSplices } from './stage-chain.js';
import { WriteBatch } from './write-batch.js';

/** Outbound boundaries in data-flow order, and their indexes (`adaptedFrom`). */
const BOUNDARIES: readonly Boundary[] = ['events', 'messages', 'chunks', 'bytes'];
const EVENTS = 0;
const MESSAGES = 1;
const CHUNKS = 2;
const BYTES = 3;

export interface OutboundPathOptions {
  /** The connection's negotiated AMF encoding (shared with its decoder). */
  encoding: ObjectEncodingState;
  /** Items buffered per object-mode adapter. */
  highWaterMark: number;
  /** User stages given up front. */
  stages?: StageSplices;
  /** An adapter or user stage failed. */
  onError(err: Error): void;
}

export class OutboundPath {
  /** The chunk layer's core: header state and chunk size, for every byte this connection sends. */
  readonly writer = new ChunkWriter();
  private readonly batch: WriteBatch;
  /** Index in BOUNDARIES of the first adapted boundary; BOUNDARIES.length while everything runs inline. */
  private adaptedFrom = BOUNDARIES.length;
  /** Adapter chains, the earliest boundary first; each feeds the next one's head, the last one the socket. */
  private readonly chains: StageChain[] = [];
  /** The adapters, while they exist. */
  commandEncoder?: CommandEncoder;
  messageChunker?: MessageChunker;
  chunkEncoder?: ChunkEncoder;
  /** Bytes handed to the socket (inline writes, and what the last adapter passed to it). */
  private bytesDelivered = 0;
  /** The stream that pipes into the socket while adapters exist (its 'data' is counted). */
  private feeder?: Readable;
  private readonly countDelivered = (bytes: Buffer): void => {
    this.bytesDelivered += bytes.length;
  };

  constructor(
    readonly socket: Duplex,
    private readonly options: OutboundPathOptions,
  ) {
    this.batch = new WriteBatch(socket);
    const stages = options.stages;
    const first = BOUNDARIES.findIndex((b) => hasStages(stages?.[b]));
    if (first >= 0) this.adaptFrom(first, stages);
  }

  /** Chunk size the next message is sent with. */
  get chunkSize(): number {
    return this.writer.chunkSize;
  }

  /** What the application writes to: the head of the first adapter chain, or the socket. */
  get head(): Writable {
    return (this.chains[0]?.head as Writable | undefined) ?? this.socket;
  }

  /** Streams in data-flow order from the first adapted boundary (user stages included), socket last. */
  get stages(): ReadonlyArray<Readable | Writable | Duplex> {
    if (this.chains.length === 0) return [this.socket];
    // Each chain but the last ends with the next chain's head: list it once.
    return this.chains.flatMap((c, i) => (i < this.chains.length - 1 ? c.stages.slice(0, -1) : c.stages));
  }

  /** True while no adapter exists: fan-out frames reach the socket as the very buffers their players share. */
  get inline(): boolean {
    return this.chains.length === 0;
  }

  /** Whether the path still takes writes (its head has not ended or been destroyed). */
  get writable(): boolean {
    const head = this.head;
    return !head.writableEnded && !head.destroyed;
  }

  /**
   * Sends one event. Returns false when the caller should wait for `drained()` before sending
   * more. Throws what the cores throw for an event that cannot be sent (a typed error); nothing of
   * it has been written then.
   */
  send(event: RtmpEvent): boolean {
    const from = this.adaptedFrom;
    if (from === EVENTS) return this.head.write(event);
    const message = encodeEvent(event, this.options.encoding);
    if (from === MESSAGES) return this.head.write(message);
    if (from === CHUNKS) return this.writeChunks(this.writer.chunk(message));
    return this.writeBytes(this.writer.serialize(message));
  }

  /**
   * Sends a shared media frame on message stream `streamId` (the live fan-out, per player): with
   * no stage before the 'bytes' boundary no event or message object is built, and players in the
   * same header state write the very same bytes.
   */
  sendFrame(kind: 'audio' | 'video', frame: SharedFrame, streamId: number): boolean {
    const chunkStreamId = kind === 'audio' ? OutboundChunkStream.Audio : OutboundChunkStream.Video;
    const from = this.adaptedFrom;
    if (from >= BYTES) return this.writeBytes(this.writer.serializeFrame(frame, chunkStreamId, streamId));
    if (from === EVENTS) return this.head.write({ kind, streamId, timestamp: frame.timestamp, payload: frame.payload, frame } satisfies RtmpEvent);
    const message = { chunkStreamId, messageStreamId: streamId, timestamp: frame.timestamp, type: frame.type, length: frame.payload.length, data: frame.payload, frame };
    if (from === MESSAGES) return this.head.write(message);
    return this.writeChunks(this.writer.chunk(message));
  }

  /**
   * Sends one event of many connections' (`SharedEvent`) on message stream `streamId`: encoded once
   * per object encoding, its bytes serialized once per header shape. A stage before the 'bytes'
   * boundary gets an event or message of its own.
   */
  sendShared(shared: SharedEvent, streamId: number): boolean {
    const from = this.adaptedFrom;
    if (from === EVENTS) return this.head.write(shared.eventOn(streamId));
    const message = shared.messageOn(this.options.encoding, streamId);
    if (from >= BYTES) return this.writeBytes(this.writer.serializeFrame(message.frame!, message.chunkStreamId, message.messageStreamId));
    if (from === MESSAGES) return this.head.write({ ...message });
    return this.writeChunks(this.writer.chunk(message));
  }

  private writeChunks(chunks: readonly object[]): boolean {
    const head = this.head;
    let ok = true;
    for (const c of chunks) ok = head.write(c) && ok;
    return ok;
  }

  /**
   * Bytes from the cores: to the socket, in the current write batch, so that what one event-loop
   * iteration sends (a publisher's reads fanned out, a command and its replies) leaves in one
   * writev (see write-batch.ts).
   */
  private writeBytes(bytes: Buffer): boolean {
    if (this.adaptedFrom < BOUNDARIES.length) return this.head.write(bytes);
    this.bytesDelivered += bytes.length;
    return this.batch.write(bytes);
  }

  /**
   * Bytes sent but not yet taken by the kernel: produced by the chunk writer and not yet handed to
   * the socket, plus the socket's queue. Exact while no stage at the 'chunks' or 'bytes' boundary
   * changes how many bytes pass (a tap or a filter of whole messages keeps it exact); an idle path
   * resynchronizes. Events and messages waiting in stages before the chunk writer are not bytes yet.
   */
  get backlog(): number {
    if (this.chains.length > 0 && this.adaptersIdle()) this.bytesDelivered = this.writer.bytesProduced;
    return Math.max(0, this.writer.bytesProduced - this.bytesDelivered) + this.socket.writableLength;
  }

  /** Bytes the chunk writer has produced for the peer since the handshake (what its acknowledgements count). */
  get bytesSent(): number {
    return this.writer.bytesProduced;
  }

  /** True when nothing waits in adapters or stages (all that was sent has reached the socket). */
  get idle(): boolean {
    return this.chains.length === 0 || this.adaptersIdle();
  }

  private adaptersIdle(): boolean {
    for (const s of this.stages) {
      if (s === this.socket) continue;
      if ((s as Writable).writableLength > 0 || (s as Readable).readableLength > 0) return false;
    }
    return true;
  }

  /** Resolves when `head` can take more (or has ended). */
  drained(): Promise<void> {
    const head = this.head;
    if (!head.writableNeedDrain || head.destroyed || head.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        head.off('drain', done);
        head.off('close', done);
        resolve();
      };
      head.once('drain', done);
      head.once('close', done);
    });
  }

  /** Splice a user stage at `boundary` of the running path. */
  splice(boundary: Boundary, stage: Duplex): void {
    const index = BOUNDARIES.indexOf(boundary);
    if (index >= this.adaptedFrom) {
      // A boundary that already has adapters: its chain takes the stage after those already there.
      const chain = this.chains.find((c) => c.has(boundary))!;
      chain.insert(boundary, stage);
      if (boundary === 'bytes') this.watchFeeder();
      return;
    }
    this.adaptFrom(index, { [boundary]: stage });
  }

  /**
   * Adapters from boundary `from` up to the first adapted one (or the socket): the stages given for
   * those boundaries, then the adapter of each layer after them.
   */
  private adaptFrom(from: number, stages: StageSplices | undefined): void {
    const { highWaterMark, encoding } = this.options;
    const until = this.adaptedFrom;
    const layout: Array<{ stream: Readable | Writable | Duplex; after?: Boundary }> = [];
    for (let i = from; i < until; i++) {
      const boundary = BOUNDARIES[i]!;
      let stream: Readable | Writable | Duplex;
      if (boundary === 'events') stream = this.commandEncoder = new CommandEncoder({ encoding, highWaterMark });
      else if (boundary === 'messages') stream = this.messageChunker = new MessageChunker({ writer: this.writer, highWaterMark });
      else if (boundary === 'chunks') stream = this.chunkEncoder = new ChunkEncoder({ highWaterMark });
      else stream = this.socket;
      layout.push({ stream, after: boundary });
    }
    const next = this.chains[0];
    if (next) layout.push({ stream: next.head });
    // The socket's own listeners plus a pipeline's pass Node's default limit of 10: raise it by
    // exactly what this chain attaches (see reserveListeners).
    const reserved = until === BOUNDARIES.length ? reserveListeners(this.socket) : undefined;
    const chain = new StageChain('outbound', layout, stages, this.options.onError);
    reserved?.commit();
    this.chains.unshift(chain);
    this.adaptedFrom = from;
    this.watchFeeder();
  }

  /** Count what the stream just before the socket hands it (it changes when a 'bytes' stage comes). */
  private watchFeeder(): void {
    const stages = this.stages;
    const feeder = stages[stages.length - 2] as Readable | undefined;
    if (feeder === this.feeder) return;
    this.feeder?.off('data', this.countDelivered);
    this.feeder = feeder;
    feeder?.on('data', this.countDelivered);
  }

  /** Flush what is queued, then end the socket. */
  end(): void {
    const head = this.head;
    if (!head.writableEnded && !head.destroyed) head.end();
  }

  /** Destroy every adapter and stage (the socket is the connection's). */
  destroy(): void {
    for (const chain of this.chains) chain.destroy();
  }
}

function hasStages(stages: Duplex | Duplex[] | undefined): boolean {
  return Array.isArray(stages) ? stages.length > 0 : stages !== undefined;
}
