import { pipeline, type Duplex, type Readable, type Writable } from 'node:stream';
import { ErrorCode, StageError } from '../errors.js';

/** Where a user stage can go: between two protocol layers. */
export type Boundary = 'bytes' | 'chunks' | 'messages' | 'events';
export type Direction = 'inbound' | 'outbound';

/** Whether what crosses a boundary is objects (true) or bytes (false). */
const boundaryObjectMode: Record<Boundary, boolean> = { bytes: false, chunks: true, messages: true, events: true };

/** User stages per boundary, in the order they should run. */
export type StageSplices = Partial<Record<Boundary, Duplex | Duplex[]>>;

/**
 * One direction of a connection: a list of streams linked with `stream.pipeline()`. The protocol
 * layers are fixed anchors; a boundary is the link between two of them. Stages can be given up front
 * (linked by the one `pipeline()` call) or spliced into the running chain later with `insert()`,
 * which unpipes the boundary's link and pipes through the new stage, so nothing in flight is lost
 * or reordered.
 *
 * `anchors[i]` is the layer that sits just *after* boundary `boundaries[i]` (for inbound, the
 * consumer of that boundary; for outbound, likewise in the direction of data flow).
 */
export class StageChain {
  private readonly streams: Array<Readable | Writable | Duplex>;
  private readonly anchorAfter: Map<Boundary, Writable>;
  private readonly onError: (err: Error) => void;
  private readonly beforeInsert: ((boundary: Boundary) => void) | undefined;

  constructor(
    readonly direction: Direction,
    /** Data-flow order; each boundary names the stream that follows it. */
    layout: Array<{ stream: Readable | Writable | Duplex; after?: Boundary }>,
    splices: StageSplices | undefined,
    onError: (err: Error) => void,
    /**
     * Called by `insert()` once the stage is accepted and before the boundary's link is re-piped,
     * so the owner can adapt the layers around it first (e.g. stop in-place assembly).
     */
    beforeInsert?: (boundary: Boundary) => void,
  ) {
    this.onError = onError;
    this.beforeInsert = beforeInsert;
    this.anchorAfter = new Map();
    const streams: Array<Readable | Writable | Duplex> = [];
    for (const { stream, after } of layout) {
      if (after) {
        for (const stage of toArray(splices?.[after])) {
          checkStageMode(direction, after, stage);
          streams.push(stage);
        }
        this.anchorAfter.set(after, stream as Writable);
      }
      streams.push(stream);
    }
    this.streams = streams;
    // The one pipeline() for the whole direction; its callback reports the first error once.
    (pipeline as (...args: unknown[]) => unknown)(...streams, (err: Error | null | undefined) => {
      if (err) this.onError(err);
    });
  }

  /** The first stream (what the application writes to, outbound). */
  get head(): Readable | Writable | Duplex {
    return this.streams[0]!;
  }

  /** The last stream (what the application reads from, inbound). */
  get tail(): Readable | Writable | Duplex {
    return this.streams[this.streams.length - 1]!;
  }

  /** Whether this chain has an anchor after `boundary` (stages can be inserted there). */
  has(boundary: Boundary): boolean {
    return this.anchorAfter.has(boundary);
  }

  /** Streams in data-flow order, user stages included. */
  get stages(): ReadonlyArray<Readable | Writable | Duplex> {
    return this.streams;
  }

  /**
   * Splice `stage` into the running chain at `boundary`, after any stage already there.
   * Throws a `StageError` (ERR_STAGE_MODE_MISMATCH) when the stage's object modes do not fit.
   */
  insert(boundary: Boundary, stage: Duplex): void {
    checkStageMode(this.direction, boundary, stage);
    const downstream = this.anchorAfter.get(boundary);
    if (!downstream) {
      throw new StageError(ErrorCode.STAGE_MODE_MISMATCH, `no ${boundary} boundary on the ${this.direction} side`);
    }
    this.beforeInsert?.(boundary);
    const index = this.streams.indexOf(downstream);
    if (index > 0) {
      const upstream = this.streams[index - 1] as Readable;
      upstream.unpipe(downstream);
      upstream.pipe(stage);
    }
    // At index 0 the stage becomes the new head: what the application writes from now on goes
    // through it, behind whatever the old head still buffers.
    stage.pipe(downstream);
    // pipe() does not forward errors or destruction: tie the new stage into the chain's fate.
    stage.once('error', (err) => this.onError(err));
    downstream.once('close', () => stage.destroy());
    this.streams.splice(index, 0, stage);
  }

  /** Destroy every stream of the chain (idempotent). */
  destroy(err?: Error): void {
    for (const s of this.streams) if (!s.destroyed) s.destroy(err);
  }
}

function toArray(stages: Duplex | Duplex[] | undefined): Duplex[] {
  if (!stages) return [];
  return Array.isArray(stages) ? stages : [stages];
}

/** A stage at a boundary must read and write what crosses it: bytes, or objects. */
export function checkStageMode(direction: Direction, boundary: Boundary, stage: Duplex): void {
  const wantObjects = boundaryObjectMode[boundary];
  if (typeof stage?.pipe !== 'function' || typeof stage.write !== 'function') {
    throw new StageError(ErrorCode.STAGE_MODE_MISMATCH, `a ${direction} ${boundary} stage must be a Duplex/Transform stream`);
  }
  const what = wantObjects ? 'object mode' : 'byte mode (not object mode)';
  if (stage.writableObjectMode !== wantObjects || stage.readableObjectMode !== wantObjects) {
    throw new StageError(
      ErrorCode.STAGE_MODE_MISMATCH,
      `a stage at the ${direction} ${boundary} boundary must be ${what} on both sides ` +
        `(got writableObjectMode=${stage.writableObjectMode}, readableObjectMode=${stage.readableObjectMode})`,
    );
  }
}

/** Events `stream.pipeline()` listens to on each of its streams. */
const PIPELINE_EVENTS = ['close', 'end', 'error', 'finish', 'unpipe', 'data'] as const;

/**
 * The socket is the inbound pipeline's source and the outbound one's destination: each pipeline
 * attaches its own close/end/error/finish listeners, which with TLS's and ours pass the default
 * limit of 10 (MaxListenersExceededWarning on every connection). Those are no leak: the limit is
 * raised by exactly what the pipelines attach, so a listener added later still warns.
 */
export function reserveListeners(socket: Duplex): { commit(): void } {
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
