/**
 * The inbound direction of a connection: its protocol layers run as synchronous cores, straight
 * from the socket's reads, and Transform adapters exist only from the first boundary where a user
 * stage sits.
 *
 *   socket ─bytes─▶ ChunkParser ─chunks─▶ MessageCollector ─messages─▶ EventDecoder ─events─▶ deliver
 *
 * With no user stage every read is parsed, assembled, decoded and delivered in one synchronous
 * call chain. With stages from boundary B on (up front, or spliced live), the cores before B still
 * run inline and write what crosses B into the first stage there; from B on the layers are their
 * Transform adapters over the same cores (`ChunkDecoder` over the parser, `MessageAssembler` over
 * the collector, a `CommandDecoder`), linked by `stream.pipeline()` to a sink that delivers. A
 * splice at a boundary before B moves that split: the cores between are put behind adapters with
 * their state, and what they still have in hand (a read being parsed, an aggregate being read
 * out) finishes inline into the stream after their own output boundary first, so nothing is lost
 * or reordered. The parser changes hands only between reads, once it has nothing left.
 *
 * Reading stops (the socket is paused, so TCP pushes back) while any reason holds, and resumes
 * only when none is left: the per-turn bound (`TurnBudget`: after `chunksPerTurn` chunks or
 * `bytesPerTurn` bytes the path yields one event-loop turn; an aggregate's `eventsPerTurn`
 * likewise), a delivery that returned a promise (events are delivered one at a time, in arrival
 * order), a first stage whose write() returned false (until its 'drain'), and `pause()` by the
 * connection's owner. While one holds nothing more is parsed either.
 *
 * End: once the socket has ended and everything read was processed, the cores report a truncated
 * chunk or message (typed errors go to `fail`), the first stage is ended, and `ended` turns true
 * (with stages: when the sink has finished).
 */
import { Writable, pipeline, type Duplex, type Readable } from 'node:stream';
import {
  ChunkDecoder,
  ChunkParser,
  MessageAssembler,
  MessageCollector,
  TurnBudget,
  type Chunk,
  type ChunkParserOptions,
  type ChunkParserSink,
  type MessageCollectorOptions,
  type TurnBudgetOptions,
} from '../chunk/index.js';
import { CommandDecoder, EventDecoder, isPromiseLike, type EventDecoderOptions, type RtmpEvent } from '../command/index.js';
import { ErrorCode, RtmpError } from '../errors.js';
import type { Message } from '../message/index.js';
import { checkStageMode, type Boundary, type StageSplices } from './stage-chain.js';

export interface InboundPathOptions {
  /** Chunk layer limits. `ownsInput` is decided here (no stage at 'bytes'). */
  parser: Omit<ChunkParserOptions, 'ownsInput'>;
  /** Message layer limits and memory account. `assembleInPlace` is decided here (no stage at 'chunks'). */
  collector: Omit<MessageCollectorOptions, 'assembleInPlace'>;
  decoder: EventDecoderOptions;
  budget?: TurnBudgetOptions;
  /** Items buffered per adapter and by the sink. */
  highWaterMark: number;
  stages?: StageSplices;
}

export interface InboundHandlers {
  /** One event, in arrival order; a returned promise holds everything after it until it settles. */
  deliver(event: RtmpEvent): void | PromiseLike<void>;
  /** The peer's window was crossed: send an Acknowledgement with this sequence number. */
  acknowledge(sequenceNumber: number): void;
  /** A layer failed (typed error) or a stage did: the connection ends with it. */
  fail(err: Error): void;
}

const BYTES = 0;
const CHUNKS = 1;
const MESSAGES = 2;
const EVENTS = 3;
/** `split` when no stage sits anywhere: every layer inline. */
const NONE = 4;
const BOUNDARIES: readonly Boundary[] = ['bytes', 'chunks', 'messages', 'events'];

// Reasons to stop reading (a bit each): reading goes on only when none is left.
const TURN = 1;
const DELIVERY = 2;
const STAGE_FULL = 4;
const OWNER = 8;

export class InboundPath {
  private readonly socket: Duplex;
  private readonly handlers: InboundHandlers;
  private readonly highWaterMark: number;
  private readonly parser: ChunkParser;
  private readonly collector: MessageCollector;
  private readonly decoder: EventDecoder;
  private readonly decoderOptions: EventDecoderOptions;
  private readonly budget: TurnBudget;
  /** Index of the first boundary with a user stage (NONE: none). Only ever moves earlier. */
  private split = NONE;
  /** User stages per boundary, in data-flow order. */
  private readonly stagesAt: Duplex[][] = [[], [], [], []];
  /** The layer that consumes each boundary, as a stream, once it runs behind stages: adapters and the sink. */
  private readonly adapters: Array<Writable | undefined> = [undefined, undefined, undefined, undefined];
  /** The parser's inline sink, and the adapter's sink it goes to once it has nothing left (a splice at 'bytes'). */
  private readonly inlineSink: ChunkParserSink;
  private handover: ChunkParserSink | undefined;
  private reasons = 0;
  private stageWaits = 0;
  /** An inline delivery is under way (on the stack, or its promise pending): the sink waits for it. */
  private delivering = false;
  private sinkWaiting: (() => void) | null = null;
  /** Inside a core call: a nested `run()` only asks for another round. */
  private running = false;
  private again = false;
  private inputEnded = false;
  private inputClosed = false;
  private stopped = false;
  private endedValue = false;
  /** Called once when everything the peer sent has been processed (see `ended`). */
  onEnd: (() => void) | undefined;

  constructor(socket: Duplex, options: InboundPathOptions, handlers: InboundHandlers) {
    this.socket = socket;
    this.handlers = handlers;
    this.highWaterMark = options.highWaterMark;
    this.budget = new TurnBudget(options.budget);
    const stages = options.stages;
    for (let b = BYTES; b <= EVENTS; b++) {
      for (const stage of toArray(stages?.[BOUNDARIES[b]!])) {
        checkStageMode('inbound', BOUNDARIES[b]!, stage);
        this.stagesAt[b]!.push(stage);
      }
    }
    this.split = this.stagesAt.findIndex((list) => list.length > 0);
    if (this.split < 0) this.split = NONE;
    this.inlineSink = {
      onChunk: (chunk) => this.onChunk(chunk),
      onSetChunkSize: noop,
      onWindowAckSize: noop,
      onAcknowledgement: (sequenceNumber) => handlers.acknowledge(sequenceNumber),
    };
    // In-place assembly rewrites reads and chunk payloads: only while nothing but the cores sees them.
    this.parser = new ChunkParser({ ...options.parser, ownsInput: this.stagesAt[BYTES]!.length === 0 }, this.inlineSink);
    this.collector = new MessageCollector({ ...options.collector, assembleInPlace: this.stagesAt[CHUNKS]!.length === 0 });
    this.decoderOptions = options.decoder;
    this.decoder = new EventDecoder(options.decoder, (event) => this.onEvent(event));
    if (this.split !== NONE) {
      const streams: Array<Readable | Writable> = [];
      for (let b = this.split; b <= EVENTS; b++) streams.push(...this.stagesAt[b]!, this.createAdapter(b));
      this.link(streams);
    }
    socket.on('data', (bytes: Buffer) => this.onData(bytes));
    socket.on('end', () => {
      this.inputEnded = true;
      this.run();
    });
    // Socket errors are the connection's to handle (it owns the socket for both directions).
    // The handshake may have left the socket paused; a 'data' listener alone does not undo that.
    socket.resume();
  }

  /** Total bytes received (handshake bytes not included). */
  get bytesReceived(): number {
    return this.parser.bytesReceived;
  }
  /** Chunk size in effect for the next incoming chunk. */
  get chunkSize(): number {
    return this.parser.chunkSize;
  }
  /** Whether chunks are marked for in-place assembly (no stage at 'bytes' so far). */
  get ownsInput(): boolean {
    return this.parser.ownsInput;
  }
  /** Whether messages are assembled inside the reads (no stage at 'bytes' or 'chunks' so far). */
  get assemblesInPlace(): boolean {
    return this.parser.ownsInput && this.collector.assemblesInPlace;
  }
  /** The adapter of a layer, once it runs behind a stage (`ChunkDecoder`, `MessageAssembler`, `CommandDecoder`). */
  adapter(boundary: 'bytes' | 'chunks' | 'messages'): Writable | undefined {
    return this.adapters[BOUNDARIES.indexOf(boundary)];
  }
  /** Whether everything the peer sent has been processed to its end. */
  get ended(): boolean {
    return this.endedValue;
  }
  /** Whether the owner's `pause()` is in effect. */
  get paused(): boolean {
    return (this.reasons & OWNER) !== 0;
  }

  /** Stop reading (the owner's reason; idempotent): nothing more is read or parsed until `resume()`. */
  pause(): void {
    if (this.stopped) return;
    this.hold(OWNER);
    this.socket.pause();
  }

  /** Lift the owner's `pause()`; reading goes on once no other reason holds. */
  resume(): void {
    this.release(OWNER);
  }

  /**
   * Splice `stage` in at `boundary`, after any stage already there. Throws a `StageError`
   * (ERR_STAGE_MODE_MISMATCH) when its object modes do not fit.
   */
  insert(boundary: Boundary, stage: Duplex): void {
    checkStageMode('inbound', boundary, stage);
    const b = BOUNDARIES.indexOf(boundary);
    // A stage at 'bytes' may keep the reads and one at 'chunks' the payload views, which in-place
    // assembly rewrites: stop it for everything not yet assembled (what was emitted stays as is).
    if (b === BYTES) this.parser.releaseInput();
    else if (b === CHUNKS) this.collector.stopAssemblingInPlace();
    if (b >= this.split) {
      const downstream = this.adapters[b]!;
      const upstream = (this.stagesAt[b]!.at(-1) ?? this.adapters[b - 1]) as unknown as Readable;
      upstream.unpipe(downstream);
      upstream.pipe(stage);
      stage.pipe(downstream);
      // pipe() does not forward errors or destruction: tie the new stage into the chain's fate.
      stage.once('error', (err) => this.fail(err));
      downstream.once('close', () => stage.destroy());
      this.stagesAt[b]!.push(stage);
      return;
    }
    // Earlier than the first stage: the layers from here to it get their adapters, in front of
    // what was the first stage (or a new sink), and the split moves here.
    const front: Array<Readable | Writable> = [stage];
    const last = this.split === NONE ? EVENTS : this.split - 1;
    for (let l = b; l <= last; l++) front.push(this.createAdapter(l));
    if (this.split !== NONE) front.push(this.entry(this.split));
    this.stagesAt[b]!.push(stage);
    this.split = b;
    this.link(front);
    this.run();
  }

  /** Stop everything (the connection is closing): stages and adapters are destroyed, partial messages let go. */
  destroy(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (let b = BYTES; b <= EVENTS; b++) {
      for (const stage of this.stagesAt[b]!) if (!stage.destroyed) stage.destroy();
      const adapter = this.adapters[b];
      if (adapter !== undefined && !adapter.destroyed) adapter.destroy();
    }
    this.collector.clear();
  }

  // --- the adapters --------------------------------------------------------------------------

  /** The stream of the layer that consumes boundary `b` (its cores' state goes with it). */
  private createAdapter(b: number): Writable {
    const highWaterMark = this.highWaterMark;
    let adapter: Writable;
    if (b === BYTES) {
      const decoder = new ChunkDecoder({ highWaterMark }, this.parser);
      decoder.on('acknowledgement', (sequenceNumber: number) => this.handlers.acknowledge(sequenceNumber));
      if (this.running || this.parser.paused) {
        // The parser is inside a read, or has parsed chunks waiting: it finishes those inline (into
        // the stream after 'chunks') and changes hands in `run`; nothing is read meanwhile.
        this.handover = this.parser.attach(this.inlineSink);
        this.socket.pause();
      }
      adapter = decoder;
    } else if (b === CHUNKS) adapter = new MessageAssembler({ highWaterMark }, this.collector);
    else if (b === MESSAGES) adapter = new CommandDecoder({ ...this.decoderOptions, highWaterMark });
    else {
      adapter = new Writable({ objectMode: true, highWaterMark, write: (event: RtmpEvent, _enc, callback) => this.sinkWrite(event, callback) });
      adapter.once('finish', () => this.markEnded());
    }
    this.adapters[b] = adapter;
    return adapter;
  }

  private link(streams: Array<Readable | Writable>): void {
    (pipeline as (...args: unknown[]) => unknown)(...streams, (err: Error | null | undefined) => {
      if (err) this.fail(err);
    });
  }

  /** The first stream after boundary `b`: its first stage, or the layer's adapter. */
  private entry(b: number): Writable {
    return this.stagesAt[b]![0] ?? this.adapters[b]!;
  }

  /** An item crossing a boundary at or after the split goes into the stream there. */
  private write(stream: Writable, item: unknown): void {
    if (stream.write(item)) return;
    this.hold(STAGE_FULL);
    this.stageWaits++;
    stream.once('drain', () => {
      if (--this.stageWaits === 0) this.release(STAGE_FULL);
    });
  }

  /** The sink after the adapters: one delivery at a time, after any inline one still in flight. */
  private sinkWrite(event: RtmpEvent, callback: (err?: Error | null) => void): void {
    if (this.delivering) {
      this.sinkWaiting = () => this.sinkWrite(event, callback);
      return;
    }
    let result: void | PromiseLike<void>;
    try {
      result = this.handlers.deliver(event);
    } catch (err) {
      callback(asError(err));
      return;
    }
    if (isPromiseLike(result)) result.then(() => callback(), (err: unknown) => callback(asError(err)));
    else callback();
  }

  // --- the inline cores ----------------------------------------------------------------------

  private onData(bytes: Buffer): void {
    if (this.stopped) return;
    if (this.split === BYTES) {
      this.write(this.entry(BYTES), bytes);
      if (this.reasons !== 0) this.socket.pause();
      return;
    }
    const bytesSpent = this.budget.spendBytes(bytes.length);
    let done: boolean;
    this.running = true;
    try {
      done = this.parser.push(bytes);
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.running = false;
      this.again = false;
    }
    if (!done || bytesSpent || this.reasons !== 0 || this.decoder.pending || this.handover !== undefined) {
      this.socket.pause();
      if (this.reasons === 0) this.yieldTurn();
    }
  }

  private onChunk(chunk: Chunk): void {
    if (this.stopped) {
      this.parser.pause();
      return;
    }
    if (this.split <= CHUNKS) this.write(this.entry(CHUNKS), chunk);
    else {
      const message = this.collector.add(chunk);
      if (message !== undefined) this.onMessage(message);
    }
    if (this.budget.spendChunk() || this.reasons !== 0 || this.decoder.pending) this.parser.pause();
  }

  private onMessage(message: Message): void {
    if (this.split <= MESSAGES) this.write(this.entry(MESSAGES), message);
    // false: an aggregate is left to read out; `onChunk` pauses the parser behind it.
    else this.decoder.push(message);
  }

  private onEvent(event: RtmpEvent): void {
    if (this.stopped) return;
    if (this.split <= EVENTS) {
      this.write(this.entry(EVENTS), event);
      return;
    }
    let result: void | PromiseLike<void>;
    this.delivering = true;
    try {
      result = this.handlers.deliver(event);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (isPromiseLike(result)) {
      this.hold(DELIVERY);
      result.then(
        () => {
          this.delivered();
          this.release(DELIVERY);
        },
        (err: unknown) => this.fail(err),
      );
    } else this.delivered();
  }

  /** The inline delivery is done: a stage's event that came meanwhile (see `sinkWrite`) goes next. */
  private delivered(): void {
    this.delivering = false;
    const next = this.sinkWaiting;
    if (next !== null) {
      this.sinkWaiting = null;
      next();
    }
  }

  /** A reason to stop reading: the cores stop after the item in hand (a no-op when they are idle). */
  private hold(reason: number): void {
    this.reasons |= reason;
    this.parser.pause();
    this.decoder.pause();
  }

  private release(reason: number): void {
    if ((this.reasons & reason) === 0) return;
    this.reasons &= ~reason;
    this.run();
  }

  /** The turn's budget is spent: go on after one event-loop turn. */
  private yieldTurn(): void {
    this.reasons |= TURN;
    setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    this.budget.reset();
    this.release(TURN);
  };

  /**
   * Go on with what the cores have in hand, in order (an aggregate being read out came before the
   * bytes still queued), then hand the parser over if a splice asked for it, then read again.
   */
  private run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      for (;;) {
        this.again = false;
        if (this.stopped || this.reasons !== 0) return;
        if (this.decoder.pending && !this.decoder.resume()) break;
        if ((this.split > BYTES || this.handover !== undefined) && this.parser.paused && !this.parser.resume()) break;
        if (this.again) continue;
        if (this.handover !== undefined) {
          this.parser.attach(this.handover);
          this.handover = undefined;
        }
        if (this.inputEnded) this.endInput();
        else this.socket.resume();
        return;
      }
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.running = false;
    }
    // A core stopped before its work was done: for a reason (released later), or its budget.
    if (this.reasons === 0 && !this.stopped) this.yieldTurn();
  }

  /** Everything read was processed and the socket has ended. */
  private endInput(): void {
    if (this.inputClosed) return;
    this.inputClosed = true;
    try {
      if (this.split > BYTES) this.parser.end();
      if (this.split > CHUNKS) this.collector.end();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.split === NONE) this.markEnded();
    else this.entry(this.split).end();
  }

  private markEnded(): void {
    if (this.endedValue) return;
    this.endedValue = true;
    this.onEnd?.();
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.handlers.fail(asError(err));
  }
}

function noop(): void {}

function toArray(stages: Duplex | Duplex[] | undefined): Duplex[] {
  if (!stages) return [];
  return Array.isArray(stages) ? stages : [stages];
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new RtmpError(ErrorCode.SESSION_STATE, String(err));
}
