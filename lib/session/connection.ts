/**
 * `RtmpConnection`: one RTMP connection after the handshake, either role. It owns the socket and
 * both pipelines, the negotiated state (chunk sizes, windows, objectEncoding), the transaction
 * table for RPC (`_result`/`_error` settle promises), acknowledgements, pings and timeouts.
 * `ServerConnection` and `Client` build the role-specific behaviour on top.
 *
 *   inbound   socket ─▶ ChunkParser ─▶ MessageCollector ─▶ EventDecoder ─▶ dispatch
 *                bytes          chunks             messages          events
 *   outbound  send() ─▶ encodeEvent ─▶ ChunkWriter ─▶ write batch ─▶ socket
 *                events        messages        bytes
 *   Synchronous cores (inbound-path.ts, outbound-path.ts); their Transform adapters exist only
 *   from the first boundary where a user stage sits.
 *
 * User stages can sit at every boundary (`stages` option, or `splice()` on a live connection).
 *
 * Lifecycle: created → `start(rest)` (pipelines run) → `close()` (flush, end) or `destroy(err)` →
 * 'close' is emitted exactly once, with the error that ended it, if any.
 */
import { readUntilNull } from './read-loop.js';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { type ChunkDecoder, type ChunkEncoder, type MemoryAccount, type MessageAssembler, type MessageChunker, type SharedFrame } from '../chunk/index.js';
import { decodeErrorInfo, encodeEvent, encodeReply, isPromiseLike, type CommandDecoder, type CommandEncoder, type CommandEvent, type ObjectEncodingState, type RtmpEvent, type SharedEvent } from '../command/index.js';
import { CommandError, ErrorCode, RtmpError, SessionError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { type Message, MessageType, type ProtocolControl } from '../message/index.js';
import { reserveListeners, type Boundary, type Direction, type StageSplices } from './stage-chain.js';
import { InboundPath } from './inbound-path.js';
import { OutboundPath } from './outbound-path.js';
import { PeerAcknowledgements } from './peer-acknowledgements.js';
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

export class RtmpConnection extends EventEmitter<ConnectionEvents> {
  readonly socket: Duplex;
  readonly logger: Logger;
  /** Negotiated AMF encoding, shared by this connection's decoder and encoder. */
  readonly encoding: ObjectEncodingState = { objectEncoding: 0 };
  protected readonly options: ConnectionOptions;
  private stateValue: ConnectionState = 'handshaking';

  /** The inbound cores (and adapters, from the first boundary with a user stage). */
  inboundPath?: InboundPath;
  /** The one outbound writer: cores inline, adapters from the first spliced boundary (outbound-path.ts). */
  private outbound?: OutboundPath;

  private nextTransactionId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private ended = false;
  private closeError: Error | undefined;
  /** `draining` while the inbound side finishes after the socket closed (`socketClosed`). */
  private draining = false;
  private drainTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;

  // readMessage()/iteration queue; delivery waits while it is full (backpressure to the socket).
  private queueEnabled = false;
  private readonly queue: RtmpEvent[] = [];
  private readonly readers: Array<{ resolve(e: RtmpEvent | null): void; reject(err: Error): void }> = [];
  private queueSpace?: () => void;

  constructor(socket: Duplex, options: ConnectionOptions = {}) {
    super();
    this.socket = socket;
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
    return this.outbound?.chunkSize ?? 128;
  }

  /** The outbound adapters, while a user stage at or before their boundary makes them exist. */
  get commandEncoder(): CommandEncoder | undefined {
    return this.outbound?.commandEncoder;
  }
  get messageChunker(): MessageChunker | undefined {
    return this.outbound?.messageChunker;
  }
  get chunkEncoder(): ChunkEncoder | undefined {
    return this.outbound?.chunkEncoder;
  }

  /**
   * Bytes sent to the peer and not yet taken by the kernel: what the outbound writer produced and
   * the socket's queue (see `OutboundPath.backlog`).
   */
  get outboundBacklog(): number {
    return this.outbound?.backlog ?? 0;
  }

  /** True while the outbound side runs without adapters or user stages (see `OutboundPath.inline`). */
  get outboundInline(): boolean {
    return this.outbound?.inline ?? true;
  }

  /**
   * Bytes sent that the peer has certainly not received yet, by its Acknowledgements: unlike
   * `outboundBacklog`, this counts what waits in the kernel's socket buffers on both ends too.
   * 0 while unknown: before we announced a window, or while the peer's acknowledgement is overdue
   * (see peer-acknowledgements.ts). `now`: `performance.now()`, when the caller has it already.
   */
  unreceivedBytes(now: number = performance.now()): number {
    return this.peerAcks.behind(this.outbound?.bytesSent ?? 0, now);
  }

  /** Calls `listener` on each Acknowledgement that moves forward; returns the remover (flow control). */
  watchAcknowledgements(listener: () => void): () => void {
    return this.peerAcks.watch(listener);
  }

  /** True when nothing waits in outbound adapters or stages (all sent has reached the socket). */
  get outboundEmpty(): boolean {
    return this.outbound?.idle ?? true;
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
    const fail = (err: Error): void => this.destroy(err);
    const reserved = reserveListeners(this.socket);
    // In-place assembly, turn bounds, adapters at the first user stage: see inbound-path.ts.
    this.inboundPath = new InboundPath(
      this.socket,
      {
        parser: { maxChunkSize: limits.maxChunkSize, maxMessageSize: limits.maxMessageSize, maxChunkStreams: limits.maxChunkStreams, maxPartialBytes: limits.maxPartialBytes },
        collector: { maxMessageSize: limits.maxMessageSize, maxPartialBytes: limits.maxPartialBytes, memoryAccount: o.memoryAccount },
        decoder: { encoding: this.encoding, decode: { amf: limits.amf, maxMessages: limits.aggregate?.maxMessages, maxDepth: limits.aggregate?.maxDepth } },
        highWaterMark: hwm,
        stages: o.stages?.inbound,
      },
      {
        deliver: (event) => this.deliver(event),
        acknowledge: (sequenceNumber) => {
          this.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.Acknowledgement, sequenceNumber } });
        },
        fail,
      },
    );
    reserved.commit();
    this.outbound = new OutboundPath(this.socket, {
      encoding: this.encoding,
      highWaterMark: hwm,
      stages: o.stages?.outbound,
      // While the inbound stages drain after the socket closed, the outbound side's end is expected.
      onError: (err) => {
        if (!this.draining) fail(err);
      },
    });
    // A socket error (a reset, EPIPE on a write) ends the connection with it, unless we are only
    // finishing what the peer sent before it closed.
    this.socket.on('error', (err) => {
      if (!this.draining) fail(err);
    });
    this.startWatchdog();
  }

  /**
   * Whether inbound messages are assembled in place, inside the socket reads (see README, "Views
   * and copies"): true unless a user stage sits at the inbound 'bytes' or 'chunks' boundary.
   */
  get assemblesInPlace(): boolean {
    return this.inboundPath?.assemblesInPlace ?? false;
  }

  /** Bytes received from the peer since the handshake. */
  get bytesReceived(): number {
    return this.inboundPath?.bytesReceived ?? 0;
  }

  /** Chunk size the peer sends with (the next incoming chunk is parsed with it). */
  get inboundChunkSize(): number {
    return this.inboundPath?.chunkSize ?? 128;
  }

  /** The inbound layers' Transform adapters: they exist only from the first boundary with a user stage. */
  get chunkDecoder(): ChunkDecoder | undefined {
    return this.inboundPath?.adapter('bytes') as ChunkDecoder | undefined;
  }
  get messageAssembler(): MessageAssembler | undefined {
    return this.inboundPath?.adapter('chunks') as MessageAssembler | undefined;
  }
  get commandDecoder(): CommandDecoder | undefined {
    return this.inboundPath?.adapter('messages') as CommandDecoder | undefined;
  }

  /**
   * Stop reading from the peer (TCP pushes back) until `resumeReading()`: a server's fan-out calls
   * it on a publisher while its players catch up. Idempotent; it composes with the connection's own
   * pauses (turn bounds, a pending delivery, a full `readMessage()` queue, a slow user stage):
   * reading goes on only when none of them holds.
   */
  pauseReading(): void {
    this.inboundPath?.pause();
  }

  /** Lift `pauseReading()`. */
  resumeReading(): void {
    this.inboundPath?.resume();
  }

  /** Whether `pauseReading()` is in effect. */
  get readingPaused(): boolean {
    return this.inboundPath?.paused ?? false;
  }

  /** Splice a user stage into the running connection at a boundary (see README, "Splicing"). */
  splice(direction: Direction, boundary: Boundary, stage: Duplex): void {
    if (!this.inboundPath || !this.outbound) throw new SessionError(ErrorCode.SESSION_STATE, 'splice() needs a started connection');
    if (direction === 'inbound') this.inboundPath.insert(boundary, stage);
    else this.outbound.splice(boundary, stage);
  }

  /**
   * Queue an event for sending. Returns false when the outbound path asks to wait (`drained()`).
   * An event the layers cannot send (a typed error from a core or a stage) closes the connection.
   */
  send(event: RtmpEvent): boolean {
    const path = this.openPath();
    if (!path) return false;
    try {
      return path.send(event);
    } catch (err) {
      return this.sendFailed(err);
    }
  }

  /**
   * Send a shared media frame on message stream `streamId`: what a live fan-out calls per player.
   * Players in the same header state write the same bytes, serialized once (see `SharedFrame`).
   */
  sendFrame(kind: 'audio' | 'video', frame: SharedFrame, streamId: number): boolean {
    const path = this.openPath();
    if (!path) return false;
    try {
      return path.sendFrame(kind, frame, streamId);
    } catch (err) {
      return this.sendFailed(err);
    }
  }

  /** Send one event of many connections' (a stream's status or metadata to all its players) on message stream `streamId`. */
  sendShared(shared: SharedEvent, streamId: number): boolean {
    const path = this.openPath();
    if (!path) return false;
    try {
      return path.sendShared(shared, streamId);
    } catch (err) {
      return this.sendFailed(err);
    }
  }

  /** The outbound path while it still takes writes. */
  private openPath(): OutboundPath | undefined {
    const path = this.outbound;
    return path && !this.ended && path.writable ? path : undefined;
  }

  /** What a core or stage threw for an event it cannot send closes the connection. */
  private sendFailed(err: unknown): false {
    this.destroy(asError(err));
    return false;
  }

  /** Send a raw message (the seed's WriteMessage). Returns a promise that settles once it is queued. */
  async writeMessage(message: Message): Promise<void> {
    if (this.ended) throw new SessionError(ErrorCode.SESSION_CLOSED, 'connection is closed');
    const event = messageToEvent(message);
    if (!this.send(event)) await this.drained();
  }

  /** Resolves when the outbound path can take more (or the connection ended). */
  drained(): Promise<void> {
    const path = this.outbound;
    if (!path || this.ended) return Promise.resolve();
    return path.drained();
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

  /** One received event; a returned promise holds everything after it (one at a time, in order). */
  private deliver(event: RtmpEvent): void | Promise<void> {
    const result = this.dispatch(event);
    if (isPromiseLike(result)) return Promise.resolve(result).then(() => this.queueRoom());
    return this.queueRoom();
  }

  /** Hold the inbound side while the readMessage() queue is full. */
  private queueRoom(): void | Promise<void> {
    if (this.queue.length < (this.options.messageQueueSize ?? 256)) return;
    return new Promise<void>((resolve) => {
      this.queueSpace = () => {
        this.queueSpace = undefined;
        resolve();
      };
    });
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
        else if (event.control.type === MessageType.Acknowledgement) this.peerAcks.received(event.control.sequenceNumber);
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

  private readonly peerAcks = new PeerAcknowledgements();

  /** The last Window Acknowledgement Size we sent (undefined: none, or 0). */
  protected get announcedWindow(): number | undefined {
    return this.peerAcks.window || undefined;
  }

  /** RTMP 1.0 §5.4.5: a peer bandwidth different from the last window we sent gets a Window Ack Size. */
  private onPeerBandwidth(windowSize: number): void {
    if (this.announcedWindow === windowSize) return;
    this.sendWindowAckSize(windowSize);
  }

  protected sendWindowAckSize(windowSize: number): void {
    this.peerAcks.window = windowSize;
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
    return encodeEvent(event, this.encoding);
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
      const bytesIn = this.bytesReceived;
      // A peer we chose not to read (pauseReading) is not idle.
      if (bytesIn !== lastBytesIn || this.readingPaused) {
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
      if (this.outbound) this.outbound.end();
      else this.socket.end();
    }
    return new Promise<void>((resolve) => this.once('close', () => resolve()));
  }

  /** Close at once; `err` (if any) is what 'close' reports. */
  destroy(err?: Error): void {
    if (this.ended) return;
    // Format the stack now: until then V8 keeps each frame's receiver (this connection's cores)
    // alive for as long as the error lives, in the application's hands or a log.
    if (err) void err.stack;
    if (err && !this.closeError) this.closeError = err;
    if (err) this.setState('error');
    this.inboundPath?.destroy();
    this.outbound?.destroy();
    if (!this.socket.destroyed) this.socket.destroy();
    else this.finish(this.closeError);
  }

  /**
   * The socket closed. When the peer ended its side cleanly, what it sent last may still wait in
   * the inbound side (a bounded amount is parsed per event-loop turn, a delivery may be pending):
   * let it finish, bounded in time, so the peer's last messages, or the error its input ends with,
   * are not lost. An error on the way ends the connection with it (destroy → finish).
   */
  private socketClosed(): void {
    if (this.ended) return;
    const inbound = this.inboundPath;
    // Only when the peer closed: a close of ours has already decided to stop reading.
    if (inbound && this.state !== 'closing' && this.socket.readableEnded && !inbound.ended && this.closeError === undefined) {
      this.draining = true;
      const done = (): void => this.finish(this.closeError);
      // Time spent held by pauseReading() is the players' time, not the inbound side's.
      const expire = (): void => {
        if (this.readingPaused) this.drainTimer = setTimeout(expire, INBOUND_DRAIN_TIMEOUT);
        else done();
      };
      // Cleared by finish(), however the connection ends (a failing drain destroys it sooner).
      this.drainTimer = setTimeout(expire, INBOUND_DRAIN_TIMEOUT);
      inbound.onEnd = done;
      return;
    }
    this.finish(this.closeError);
  }

  private finish(err: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.inboundPath?.destroy();
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
