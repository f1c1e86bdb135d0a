/**
 * `RtmpConnection`: one RTMP connection after the handshake, either role. It owns the socket and
 * both pipelines, the negotiated state (chunk sizes, windows, objectEncoding), the transaction
 * table for RPC (`_result`/`_error` settle promises), acknowledgements, pings and timeouts.
 * `ServerConnection` and `Client` build the role-specific behaviour on top.
 *
 *   inbound   socket ─▶ ChunkDecoder ─▶ MessageAssembler ─▶ CommandDecoder ─▶ (sink: dispatch)
 *                bytes          chunks             messages            events
 *   outbound  send() ─▶ CommandEncoder ─▶ MessageChunker ─▶ ChunkEncoder ─▶ socket
 *                events           messages           chunks           bytes
 *
 * User stages can sit at every boundary (`stages` option, or `splice()` on a live connection).
 *
 * Lifecycle: created → `start(rest)` (pipelines run) → `close()` (flush, end) or `destroy(err)` →
 * 'close' is emitted exactly once, with the error that ended it, if any.
 */
import { readUntilNull } from './read-loop.js';
import { EventEmitter } from 'node:events';
import { Writable, type Duplex } from 'node:stream';
import { ChunkDecoder, ChunkEncoder, MessageAssembler, MessageChunker, type MemoryAccount } from '../chunk/index.js';
import { CommandDecoder, CommandEncoder, OutboundChunkStream, decodeErrorInfo, encodeReply, isPromiseLike, type CommandEvent, type MediaEvent, type ObjectEncodingState, type RtmpEvent } from '../command/index.js';
import { CommandError, ErrorCode, RtmpError, SessionError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { type Message, MessageType, type ProtocolControl } from '../message/index.js';
import { StageChain, type Boundary, type Direction, type StageSplices } from './stage-chain.js';
import { TickBatch } from './write-batch.js';
import { boundedClose, type CloseOptions } from './close-options.js';

/** Events of a connection (`ServerConnection`, and the client's internal one). */
/** How long the inbound stages may take to process what a peer sent before it closed. */
const INBOUND_DRAIN_TIMEOUT = 2000;

export interface ConnectionEvents {
  /** The state changed. */
  state: [state: ConnectionState];
  /** Set Chunk Size, Window Acknowledgement Size, Set Peer Bandwidth... as received (already applied). */
  protocolControl: [control: ProtocolControl];
  /** Emitted once when the connection has closed, with the error that ended it, if any. */
  close: [err: Error | undefined];
}

/** Options of `call()`: a timeout and an AbortSignal (rejects with `signal.reason`). */
export interface CallOptions {
  /** Message stream the command goes on. Default 0. */
  streamId?: number;
  /** ms to wait for the answer; 0 or absent = no limit. Rejects with ERR_COMMAND_TIMEOUT. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface ConnectionLimits {
  /** Largest chunk size a peer may set (Set Chunk Size above it is an error). */
  maxChunkSize?: number;
  /** Largest message a peer may send. */
  maxMessageSize?: number;
  /** Chunk streams a peer may use at once. */
  maxChunkStreams?: number;
  /** Bytes held in partial messages across chunk streams. */
  maxPartialBytes?: number;
  /** AMF nesting depth and reference counts. */
  amf?: { maxDepth?: number; maxReferences?: number };
  /** Sub-messages per aggregate (default 65536) and aggregate nesting levels (default 1: none). */
  aggregate?: { maxMessages?: number; maxDepth?: number };
}

export interface ConnectionOptions {
  /** Chunk size we send with (announced by Set Chunk Size). Default 4096. */
  chunkSize?: number;
  /** Window acknowledgement size we announce and expect acknowledgements for. Default 2,500,000. */
  windowAckSize?: number;
  /** ms without a byte from the peer before we ping it; twice that closes. 0 = never. Default 30,000. */
  readTimeout?: number;
  /** ms a pending write may make no progress before the connection closes. 0 = never. Default 30,000. */
  writeTimeout?: number;
  /** User stages spliced in at start, per direction and boundary. */
  stages?: { inbound?: StageSplices; outbound?: StageSplices };
  limits?: ConnectionLimits;
  logger?: Logger;
  /** Events held for `readMessage()`/iteration before the connection stops reading. Default 256. */
  messageQueueSize?: number;
  /** Items buffered per object-mode stage. Default 64. */
  highWaterMark?: number;
  /** Charged the bytes of partial inbound messages as they grow and shrink (a server's memory budget). */
  memoryAccount?: MemoryAccount;
}

export type ConnectionState =
  | 'handshaking'
  | 'connecting'
  | 'connected'
  | 'publishing'
  | 'playing'
  | 'closing'
  | 'closed'
  | 'error';

interface PendingCall {
  resolve(event: CommandEvent): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

/** Chunk size roles announce after connect unless configured otherwise. */
export const DEFAULT_SESSION_CHUNK_SIZE = 4096;
/** Window acknowledgement size roles announce unless configured otherwise. */
export const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;
const DEFAULT_TIMEOUT = 30_000;
/** Streams of an outbound chain without user stages: encoder, chunker, chunk encoder, socket. */
const OUTBOUND_LAYERS = 4;

export class RtmpConnection extends EventEmitter<ConnectionEvents> {
  readonly socket: Duplex;
  readonly logger: Logger;
  /** Negotiated AMF encoding, shared by this connection's decoder and encoder. */
  readonly encoding: ObjectEncodingState = { objectEncoding: 0 };
  protected readonly options: ConnectionOptions;
  private stateValue: ConnectionState = 'handshaking';

  chunkDecoder?: ChunkDecoder;
  messageAssembler?: MessageAssembler;
  commandDecoder?: CommandDecoder;
  commandEncoder?: CommandEncoder;
  messageChunker?: MessageChunker;
  chunkEncoder?: ChunkEncoder;
  private inbound?: StageChain;
  private outbound?: StageChain;

  private nextTransactionId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private ended = false;
  /** Fan-out writes of one tick leave in one writev (see write-batch.ts). */
  private readonly tickBatch: TickBatch;
  private closeError: Error | undefined;
  /** The end of the inbound chain; `draining` while it finishes after the socket closed (`socketClosed`). */
  private inboundSink?: Writable;
  private draining = false;
  private watchdog?: NodeJS.Timeout;

  // readMessage()/iteration queue; the sink waits while it is full (backpressure to the socket).
  private queueEnabled = false;
  private readonly queue: RtmpEvent[] = [];
  private readonly readers: Array<{ resolve(e: RtmpEvent | null): void; reject(err: Error): void }> = [];
  private queueSpace?: () => void;
  // [flow] pauseReading(): the sink holds its next callback (stand-in, lib/server/fanout-flow.ts).
  private readingHeld = false;
  private heldDispatch?: () => void;

  constructor(socket: Duplex, options: ConnectionOptions = {}) {
    super();
    this.socket = socket;
    this.tickBatch = new TickBatch(socket);
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    socket.once('close', () => this.socketClosed());
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  protected setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Chunk size we send with. */
  get outboundChunkSize(): number {
    return this.messageChunker?.chunkSize ?? 128;
  }

  /** Build and run both pipelines. `rest` holds bytes that arrived with the end of the handshake. */
  start(rest: Buffer = Buffer.alloc(0)): void {
    const o = this.options;
    const hwm = o.highWaterMark ?? 64;
    const limits = o.limits ?? {};
    if (rest.length > 0) this.socket.unshift(rest);
    // Commands are small request/reply round trips: Nagle would hold each for up to ~40 ms.
    // Media bursts are batched by the stages already.
    (this.socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    // In-place assembly rewrites socket reads and chunk payloads: only while nothing but the
    // decoder sees the reads and nothing but the assembler sees the chunks (no user stage at the
    // inbound 'bytes' or 'chunks' boundary; `splice()` there turns it off, see `beforeInboundSplice`).
    const inboundStages = o.stages?.inbound;
    this.chunkDecoder = new ChunkDecoder({
      maxChunkSize: limits.maxChunkSize,
      maxMessageSize: limits.maxMessageSize,
      maxChunkStreams: limits.maxChunkStreams,
      maxPartialBytes: limits.maxPartialBytes,
      highWaterMark: hwm,
      ownsInput: !hasStages(inboundStages?.bytes),
    });
    this.messageAssembler = new MessageAssembler({
      maxMessageSize: limits.maxMessageSize,
      maxPartialBytes: limits.maxPartialBytes,
      highWaterMark: hwm,
      assembleInPlace: !hasStages(inboundStages?.chunks),
      memoryAccount: o.memoryAccount,
    });
    this.commandDecoder = new CommandDecoder({ encoding: this.encoding, decode: { amf: limits.amf, maxMessages: limits.aggregate?.maxMessages, maxDepth: limits.aggregate?.maxDepth }, highWaterMark: hwm });
    this.commandEncoder = new CommandEncoder({ encoding: this.encoding, highWaterMark: hwm });
    this.messageChunker = new MessageChunker({ highWaterMark: hwm });
    this.chunkEncoder = new ChunkEncoder({ highWaterMark: hwm });
    const sink = new Writable({
      objectMode: true,
      highWaterMark: hwm,
      write: (event: RtmpEvent, _enc, callback) => this.sinkWrite(event, callback),
    });
    this.chunkDecoder.on('acknowledgement', (sequenceNumber: number) => {
      this.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.Acknowledgement, sequenceNumber } });
    });
    const fail = (err: Error): void => this.destroy(err);
    this.inboundSink = sink;
    const reserved = reserveListeners(this.socket);
    this.inbound = new StageChain(
      'inbound',
      [
        { stream: this.socket },
        { stream: this.chunkDecoder, after: 'bytes' },
        { stream: this.messageAssembler, after: 'chunks' },
        { stream: this.commandDecoder, after: 'messages' },
        { stream: sink, after: 'events' },
      ],
      inboundStages,
      fail,
      (boundary) => this.beforeInboundSplice(boundary),
    );
    this.outbound = new StageChain(
      'outbound',
      [
        { stream: this.commandEncoder, after: 'events' },
        { stream: this.messageChunker, after: 'messages' },
        { stream: this.chunkEncoder, after: 'chunks' },
        { stream: this.socket, after: 'bytes' },
      ],
      o.stages?.outbound,
      // While the inbound stages drain after the socket closed, the outbound side's end is expected.
      (err) => {
        if (!this.draining) fail(err);
      },
    );
    reserved.commit();
    this.startWatchdog();
  }

  /**
   * Whether inbound messages are assembled in place, inside the socket reads (see README, "Views
   * and copies"): true unless a user stage sits at the inbound 'bytes' or 'chunks' boundary.
   */
  get assemblesInPlace(): boolean {
    return (this.chunkDecoder?.ownsInput ?? false) && (this.messageAssembler?.assemblesInPlace ?? false);
  }

  /**
   * A stage is about to be spliced in at an inbound boundary; the link is not re-piped yet. A stage
   * at 'bytes' may keep the reads and one at 'chunks' the payload views, which in-place assembly
   * rewrites: stop it for everything not yet assembled. Messages already emitted are never touched
   * again, and reads the new stage will see arrive after this point.
   */
  private beforeInboundSplice(boundary: Boundary): void {
    if (boundary === 'bytes') this.chunkDecoder?.releaseInput();
    else if (boundary === 'chunks') this.messageAssembler?.stopAssemblingInPlace();
  }

  /** Splice a user stage into the running connection at a boundary (see README, "Splicing"). */
  splice(direction: Direction, boundary: Boundary, stage: Duplex): void {
    const chain = direction === 'inbound' ? this.inbound : this.outbound;
    if (!chain) throw new SessionError(ErrorCode.SESSION_STATE, 'splice() needs a started connection');
    chain.insert(boundary, stage);
  }

  /** Queue an event for sending. Returns false when the outbound pipeline asks to wait ('drain'). */
  send(event: RtmpEvent): boolean {
    const head = this.outbound?.head as Writable | undefined;
    if (!head || this.ended || head.writableEnded || head.destroyed) return false;
    if ((event.kind === 'audio' || event.kind === 'video') && event.shared && this.outboundIdle()) {
      return this.sendDirect(event.kind, event.streamId, event.timestamp, event.payload, event.shared, event.chunkStreamId);
    }
    return head.write(event);
  }

  /**
   * `send` of a media event given by its fields (what a live fan-out calls per player): a shared
   * message on an idle pipeline goes to the socket without an event object being built.
   */
  sendMedia(kind: 'audio' | 'video', streamId: number, timestamp: number, payload: Buffer, shared: Map<string, Buffer> | undefined): boolean {
    if (shared !== undefined) {
      const head = this.outbound?.head as Writable | undefined;
      if (head && !this.ended && !head.writableEnded && !head.destroyed && this.outboundIdle()) {
        return this.sendDirect(kind, streamId, timestamp, payload, shared, undefined);
      }
    }
    const event: MediaEvent = { kind, streamId, timestamp, payload };
    if (shared) event.shared = shared;
    return this.send(event);
  }

  /**
   * True when the outbound pipeline holds nothing and has no user stages: then a shared media
   * message can skip the per-connection stage hops (the fan-out fast path) and go to the socket as
   * the bytes `MessageChunker` would have produced, in order, with its header state advanced.
   */
  private outboundIdle(): boolean {
    return this.outbound!.stages.length === OUTBOUND_LAYERS && this.outboundEmpty && !this.socket.writableEnded;
  }

  /** True when the outbound protocol stages hold nothing (all they got has reached the socket). */
  get outboundEmpty(): boolean {
    const encoder = this.commandEncoder;
    const chunker = this.messageChunker;
    const chunkEncoder = this.chunkEncoder;
    if (!encoder || !chunker || !chunkEncoder) return true;
    return (
      encoder.writableLength === 0 &&
      encoder.readableLength === 0 &&
      chunker.writableLength === 0 &&
      chunker.readableLength === 0 &&
      chunkEncoder.writableLength === 0 &&
      chunkEncoder.readableLength === 0
    );
  }

  private sendDirect(
    kind: 'audio' | 'video',
    streamId: number,
    timestamp: number,
    payload: Buffer,
    shared: Map<string, Buffer>,
    chunkStreamId: number | undefined,
  ): boolean {
    const audio = kind === 'audio';
    let wire: Buffer;
    try {
      wire = this.messageChunker!.serializeSharedMedia(
        shared,
        chunkStreamId ?? (audio ? OutboundChunkStream.Audio : OutboundChunkStream.Video),
        streamId,
        timestamp,
        audio ? MessageType.Audio : MessageType.Video,
        payload,
      );
    } catch (err) {
      this.destroy(asError(err));
      return false;
    }
    this.tickBatch.hold();
    return this.socket.write(wire);
  }

  /** Send a raw message (the seed's WriteMessage). Returns a promise that settles once it is queued. */
  async writeMessage(message: Message): Promise<void> {
    if (this.ended) throw new SessionError(ErrorCode.SESSION_CLOSED, 'connection is closed');
    const event = messageToEvent(message);
    if (!this.send(event)) await this.drained();
  }

  /** Resolves when the outbound head can take more (or the connection ended). */
  drained(): Promise<void> {
    const head = this.outbound?.head as Writable | undefined;
    if (!head || !head.writableNeedDrain || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        head.off('drain', done);
        this.off('close', done);
        resolve();
      };
      head.once('drain', done);
      this.once('close', done);
    });
  }

  /**
   * Call a command on the peer and wait for its `_result` (resolves with the reply event) or
   * `_error` (rejects with a `CommandError` carrying the information object).
   */
  call(
    name: string,
    commandObject: unknown = null,
    args: unknown[] = [],
    options: CallOptions = {},
  ): Promise<CommandEvent> {
    if (this.ended) return Promise.reject(new SessionError(ErrorCode.SESSION_CLOSED, 'connection is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const transactionId = this.nextTransactionId++;
    return new Promise<CommandEvent>((resolve, reject) => {
      // An abort or a timeout forgets the call: a late answer is then passed to the role like any other.
      const onAbort = (): void => {
        if (entry.timer) clearTimeout(entry.timer);
        this.pending.delete(transactionId);
        reject(signal!.reason);
      };
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      const entry: PendingCall = {
        resolve: (event) => {
          settled();
          resolve(event);
        },
        reject: (err) => {
          settled();
          reject(err);
        },
      };
      if (options.timeout && options.timeout > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(transactionId);
          entry.reject(new CommandError(ErrorCode.COMMAND_TIMEOUT, `no answer to ${name} within ${options.timeout} ms`));
        }, options.timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(transactionId, entry);
      this.send({ kind: 'command', streamId: options.streamId ?? 0, timestamp: 0, name, transactionId, commandObject, args });
    });
  }

  /** Send a command that expects no answer (transaction id 0). */
  notify(name: string, commandObject: unknown = null, args: unknown[] = [], streamId = 0): boolean {
    return this.send({ kind: 'command', streamId, timestamp: 0, name, transactionId: 0, commandObject, args });
  }

  /** Answer a call: `_result` (or `_error` with `error: true`) for its transaction id. */
  reply(request: CommandEvent, commandObject: unknown, info: unknown, error = false): boolean {
    return this.send(encodeReply(request, commandObject, info, error));
  }

  // --- receiving ---------------------------------------------------------------------------

  private sinkWrite(event: RtmpEvent, callback: (err?: Error | null) => void): void {
    let result: void | Promise<void>;
    try {
      result = this.dispatch(event);
    } catch (err) {
      callback(asError(err));
      return;
    }
    if (isPromiseLike(result)) {
      result.then(() => this.afterDispatch(callback), (err: unknown) => callback(asError(err)));
    } else {
      this.afterDispatch(callback);
    }
  }

  /**
   * [flow] Stop reading the peer after the message being dispatched: the inbound sink holds its
   * callback, the stages fill, the socket stops being read and TCP pushes back. Composes with the
   * readMessage() queue's hold. Fan-out flow control calls it on a publisher (lib/server/fanout-flow.ts).
   */
  pauseReading(): void {
    this.readingHeld = true;
  }

  resumeReading(): void {
    this.readingHeld = false;
    const held = this.heldDispatch;
    this.heldDispatch = undefined;
    held?.();
  }

  get readingPaused(): boolean {
    return this.readingHeld;
  }

  /** Hold the inbound pipeline while the readMessage() queue is full (or reading is paused). */
  private afterDispatch(callback: (err?: Error | null) => void): void {
    if (this.readingHeld) {
      this.heldDispatch = () => this.afterDispatch(callback);
      return;
    }
    const limit = this.options.messageQueueSize ?? 256;
    if (this.queue.length < limit) {
      callback();
      return;
    }
    this.queueSpace = () => {
      this.queueSpace = undefined;
      callback();
    };
  }

  /** Core protocol handling, then `handleEvent` (the role's logic). */
  private dispatch(event: RtmpEvent): void | Promise<void> {
    switch (event.kind) {
      case 'userControl':
        if (event.event.event === 'PingRequest') {
          this.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'PingResponse', timestamp: event.event.timestamp } });
          return;
        }
        break;
      case 'protocolControl':
        // Chunk size, abort and the window were applied by the chunk layer already; what is left
        // is answering Set Peer Bandwidth. Observers get the event; the role never sees it.
        if (event.control.type === MessageType.SetPeerBandwidth) this.onPeerBandwidth(event.control.windowSize);
        this.emit('protocolControl', event.control);
        return;
      case 'command':
        if ((event.name === '_result' || event.name === '_error') && this.pending.has(event.transactionId)) {
          this.settle(event);
          return;
        }
        break;
      default:
        break;
    }
    return this.handleEvent(event);
  }

  private announcedWindow?: number;

  /** RTMP 1.0 §5.4.5: a peer bandwidth different from the last window we sent gets a Window Ack Size. */
  private onPeerBandwidth(windowSize: number): void {
    if (this.announcedWindow === windowSize) return;
    this.sendWindowAckSize(windowSize);
  }

  protected sendWindowAckSize(windowSize: number): void {
    this.announcedWindow = windowSize;
    this.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.WindowAcknowledgementSize, windowSize } });
  }

  /** Change the chunk size we send with: Set Chunk Size goes out, and chunks after it use the size. */
  setChunkSize(chunkSize: number): void {
    this.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.SetChunkSize, chunkSize } });
  }

  private settle(event: CommandEvent): void {
    const entry = this.pending.get(event.transactionId)!;
    this.pending.delete(event.transactionId);
    if (entry.timer) clearTimeout(entry.timer);
    if (event.name === '_result') entry.resolve(event);
    else {
      const info = decodeErrorInfo(event);
      const description = describeInfo(info);
      entry.reject(new CommandError(ErrorCode.COMMAND_FAILED, `peer answered _error${description ? `: ${description}` : ''}`, info));
    }
  }

  /** The role's logic; the default queues everything for `readMessage()`. */
  protected handleEvent(event: RtmpEvent): void | Promise<void> {
    this.enqueue(event);
  }

  /** Offer an event to `readMessage()`/iteration readers (dropped unless someone reads). */
  protected enqueue(event: RtmpEvent): void {
    const reader = this.readers.shift();
    if (reader) {
      reader.resolve(event);
      return;
    }
    if (this.queueEnabled) this.queue.push(event);
  }

  /** Start keeping received events for `readEvent()`/`readMessage()` even before the first read. */
  enableQueue(): void {
    this.queueEnabled = true;
  }

  /** Next received event, or null once the connection has closed. */
  readEvent(): Promise<RtmpEvent | null> {
    this.queueEnabled = true;
    const event = this.queue.shift();
    if (event) {
      this.queueSpace?.();
      return Promise.resolve(event);
    }
    if (this.ended) return this.closeError ? Promise.reject(this.closeError) : Promise.resolve(null);
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** The seed's ReadMessage: the next received message, or null once the connection has closed. */
  async readMessage(): Promise<Message | null> {
    const event = await this.readEvent();
    if (!event) return null;
    return (this.commandEncoder ?? new CommandEncoder({ encoding: this.encoding })).encode(event);
  }

  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return readUntilNull(() => this.readMessage());
  }

  /** Async iteration over typed events. */
  events(): AsyncGenerator<RtmpEvent> {
    return readUntilNull(() => this.readEvent());
  }

  // --- timeouts ------------------------------------------------------------------------------

  private startWatchdog(): void {
    const readTimeout = this.options.readTimeout ?? DEFAULT_TIMEOUT;
    const writeTimeout = this.options.writeTimeout ?? DEFAULT_TIMEOUT;
    const period = Math.min(...[readTimeout, writeTimeout].filter((t) => t > 0)) / 2;
    if (!Number.isFinite(period)) return;
    let lastBytesIn = -1;
    let lastReadAt = Date.now();
    let pinged = false;
    let lastBytesOut = -1;
    let stalledSince = 0;
    const socket = this.socket as Duplex & { bytesWritten?: number };
    this.watchdog = setInterval(() => {
      const now = Date.now();
      const bytesIn = this.chunkDecoder?.bytesReceived ?? 0;
      if (bytesIn !== lastBytesIn || this.readingHeld) { // [flow] a held read is not an idle peer
        lastBytesIn = bytesIn;
        lastReadAt = now;
        pinged = false;
      } else if (readTimeout > 0) {
        const idle = now - lastReadAt;
        if (idle >= 2 * readTimeout) {
          this.destroy(new SessionError(ErrorCode.SESSION_READ_TIMEOUT, `no data from the peer for ${idle} ms`));
          return;
        }
        if (idle >= readTimeout && !pinged) {
          pinged = true;
          this.send({
            kind: 'userControl',
            streamId: 0,
            timestamp: 0,
            event: { event: 'PingRequest', timestamp: now >>> 0 },
          });
        }
      }
      if (writeTimeout > 0) {
        const bytesOut = socket.bytesWritten ?? 0;
        if (socket.writableLength > 0 && bytesOut === lastBytesOut) {
          if (stalledSince === 0) stalledSince = now;
          else if (now - stalledSince >= writeTimeout) {
            this.destroy(new SessionError(ErrorCode.SESSION_WRITE_TIMEOUT, `writes made no progress for ${now - stalledSince} ms`));
            return;
          }
        } else stalledSince = 0;
        lastBytesOut = bytesOut;
      }
    }, Math.max(10, period));
    this.watchdog.unref();
  }

  // --- ending --------------------------------------------------------------------------------

  /**
   * Flush what is queued and end the connection; resolves once the socket has closed. After
   * `timeout` ms (default 5000; 0 = no deadline) the socket is destroyed instead; aborting
   * `signal` destroys it at once and rejects with `signal.reason`.
   */
  close(options?: CloseOptions): Promise<void> {
    return boundedClose(() => this.closeGracefully(), () => this.destroy(), options);
  }

  private closeGracefully(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.state !== 'closing') {
      this.setState('closing');
      const head = this.outbound?.head as Writable | undefined;
      if (head && !head.writableEnded && !head.destroyed) head.end();
      else this.socket.end();
    }
    return new Promise<void>((resolve) => this.once('close', () => resolve()));
  }

  /** Close at once; `err` (if any) is what 'close' reports. */
  destroy(err?: Error): void {
    if (this.ended) return;
    if (err && !this.closeError) this.closeError = err;
    if (err) this.setState('error');
    this.inbound?.destroy();
    this.outbound?.destroy();
    if (!this.socket.destroyed) this.socket.destroy();
    else this.finish(this.closeError);
  }

  /**
   * The socket closed. When the peer ended its side cleanly, what it sent last may still be in the
   * inbound stages (the chunk decoder parses a bounded amount per event-loop turn): let them finish,
   * bounded in time, so the peer's last messages, or the error its input ends with, are not lost.
   */
  private socketClosed(): void {
    if (this.ended) return;
    const sink = this.inboundSink;
    // Only when the peer closed: a close of ours has already decided to stop reading.
    if (sink && this.state !== 'closing' && this.socket.readableEnded && !sink.writableFinished && !sink.destroyed && this.closeError === undefined) {
      this.draining = true;
      const done = (): void => {
        clearTimeout(timer);
        this.finish(this.closeError);
      };
      // [flow] Time spent held by pauseReading() is the players' time, not the stages'.
      const expire = (): void => void (this.readingHeld ? (timer = setTimeout(expire, INBOUND_DRAIN_TIMEOUT)) : done());
      let timer = setTimeout(expire, INBOUND_DRAIN_TIMEOUT);
      sink.once('finish', done);
      // Destroyed by the chain on a stage's error: the chain reports that error (fail → destroy)
      // after its streams have closed, so finish a turn later to close with it.
      sink.once('close', () => setImmediate(done));
      return;
    }
    this.finish(this.closeError);
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.inbound?.destroy();
    this.outbound?.destroy();
    if (this.state !== 'error') this.setState('closed');
    const closed = new SessionError(ErrorCode.SESSION_CLOSED, 'connection closed', { cause: err });
    for (const [, entry] of this.pending) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(err ?? closed);
    }
    this.pending.clear();
    for (const reader of this.readers.splice(0)) {
      if (err) reader.reject(err);
      else reader.resolve(null);
    }
    this.queueSpace?.();
    this.onClosed(err);
    this.emit('close', err);
  }

  /** Hook for roles: the connection has closed (err: why, if not cleanly). */
  protected onClosed(_err: Error | undefined): void {}
}

/** A raw message as the event the outbound pipeline takes (media stays a view; others pass raw). */
export function messageToEvent(message: Message): RtmpEvent {
  const base = { streamId: message.messageStreamId, timestamp: message.timestamp, chunkStreamId: message.chunkStreamId };
  if (message.type === MessageType.Audio) return { kind: 'audio', ...base, payload: message.data };
  if (message.type === MessageType.Video) return { kind: 'video', ...base, payload: message.data };
  return { kind: 'raw', ...base, message };
}

/** Events `stream.pipeline()` listens to on each of its streams. */
const PIPELINE_EVENTS = ['close', 'end', 'error', 'finish', 'unpipe', 'data'] as const;

/**
 * The socket is the inbound pipeline's source and the outbound one's destination: each pipeline
 * attaches its own close/end/error/finish listeners, which with TLS's and ours pass the default
 * limit of 10 (MaxListenersExceededWarning on every connection). Those are no leak: the limit is
 * raised by exactly what the two pipelines attach, so a listener added later still warns.
 */
function reserveListeners(socket: Duplex): { commit(): void } {
  const limit = socket.getMaxListeners();
  const before = PIPELINE_EVENTS.map((e) => socket.listenerCount(e));
  socket.setMaxListeners(0);
  return {
    commit(): void {
      const added = Math.max(0, ...PIPELINE_EVENTS.map((e, i) => socket.listenerCount(e) - before[i]!));
      socket.setMaxListeners(limit === 0 ? 0 : limit + added);
    },
  };
}

function hasStages(stages: Duplex | Duplex[] | undefined): boolean {
  return Array.isArray(stages) ? stages.length > 0 : stages !== undefined;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new RtmpError(ErrorCode.SESSION_STATE, String(err));
}

function describeInfo(info: unknown): string {
  if (info && typeof info === 'object') {
    const { code, description } = info as { code?: unknown; description?: unknown };
    return [code, description].filter((x) => typeof x === 'string' && x).join(' ');
  }
  return typeof info === 'string' ? info : '';
}
