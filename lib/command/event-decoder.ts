/**
 * The synchronous core of `CommandDecoder`: messages in, typed events out, for a sink, in order.
 * No streams; a connection runs it inline, the Transform only wraps it.
 *
 * Aggregates come out as one event per sub-message: checked whole first (`checkAggregate`:
 * framing, count, nesting; a bad one delivers nothing), then read out at most `eventsPerTurn` per
 * `push`/`resume` call and only until the sink calls `pause()`, so one large aggregate neither
 * holds the event loop nor builds all its events at once: the driver calls `resume()` on the next
 * turn (budget spent) or once it has room again (it paused). AMF0/AMF3 is detected
 * automatically: a `connect` asking for objectEncoding 3, or the `_result` of a connect that
 * confirms it, switches the shared `encoding` state to 3.
 */
import { ErrorCode, MessageError, RtmpError } from '../errors.js';
import { AggregateReader, checkAggregate, decodeMessage, type DecodeMessageOptions, type Message, MessageType } from '../message/index.js';
import type { ObjectEncodingState, RtmpEvent } from './events.js';

export interface EventDecoderOptions {
  /** Shared with the connection's `CommandEncoder`, so replies follow the negotiated encoding. */
  encoding?: ObjectEncodingState;
  /** AMF limits (depth, references) and aggregate limits. */
  decode?: DecodeMessageOptions;
  /** Aggregate sub-messages decoded per event-loop turn before the rest waits for the next one. Default 1024. */
  eventsPerTurn?: number;
}

/** Default `eventsPerTurn`. */
export const DEFAULT_EVENTS_PER_TURN = 1024;

export class EventDecoder {
  readonly encoding: ObjectEncodingState;
  private readonly decodeOptions: DecodeMessageOptions;
  private readonly eventsPerTurn: number;
  /** Events left in this turn's budget. */
  private left: number;
  private readonly sink: (event: RtmpEvent) => void;
  /** The aggregate being read out. */
  private aggregate: AggregateReader | null = null;
  private pausing = false;

  constructor(options: EventDecoderOptions, sink: (event: RtmpEvent) => void) {
    this.encoding = options.encoding ?? { objectEncoding: 0 };
    this.decodeOptions = options.decode ?? {};
    this.eventsPerTurn = options.eventsPerTurn ?? DEFAULT_EVENTS_PER_TURN;
    this.left = this.eventsPerTurn;
    this.sink = sink;
  }

  /** True while an aggregate is being read out (its remaining sub-messages wait for `resume()`). */
  get pending(): boolean {
    return this.aggregate !== null;
  }

  /**
   * Decodes one message for the sink. Returns true when all its events were delivered, false when
   * an aggregate is left to read out (`resume()`). Throws a `MessageError` (or the layer's typed
   * error) on bad input; a failed aggregate is dropped.
   */
  push(message: Message): boolean {
    this.pausing = false;
    try {
      if (message.type === MessageType.Aggregate) {
        const count = checkAggregate(message, this.decodeOptions);
        this.aggregate = new AggregateReader(message);
        // Validating a large aggregate was this turn's work: its read-out starts on the next turn.
        if (count > this.eventsPerTurn) return false;
        return this.readAggregate();
      }
      this.decodeOne(message);
      return true;
    } catch (err) {
      this.aggregate = null;
      throw asMessageError(err);
    }
  }

  /** Stop after the event being delivered (call it from the sink): `push`/`resume` return false. */
  pause(): void {
    this.pausing = true;
  }

  /** Goes on reading out the aggregate; same result as `push`. */
  resume(): boolean {
    if (this.aggregate === null) return true;
    this.pausing = false;
    try {
      return this.readAggregate();
    } catch (err) {
      this.aggregate = null;
      throw asMessageError(err);
    }
  }

  /** Sub-messages until the aggregate ends (true), the budget is spent or the sink paused (false). */
  private readAggregate(): boolean {
    const reader = this.aggregate!;
    for (;;) {
      const sub = reader.next();
      if (sub === undefined) {
        this.aggregate = null;
        return true;
      }
      this.decodeOne(sub);
      // The budget carries over a sink's pause (a stage that drains within the same turn must not
      // start a new budget); a spent one is renewed for the next call, which the driver makes a
      // turn later.
      if (--this.left <= 0) {
        this.left = this.eventsPerTurn;
        return false;
      }
      if (this.pausing) return false;
    }
  }

  private decodeOne(message: Message): void {
    const base = { streamId: message.messageStreamId, timestamp: message.timestamp, chunkStreamId: message.chunkStreamId };
    // Media is the hot path: no decode step, the payload stays a view.
    if (message.type === MessageType.Audio || message.type === MessageType.Video) {
      this.sink({ kind: message.type === MessageType.Audio ? 'audio' : 'video', ...base, payload: message.data });
      return;
    }
    if (!isKnownType(message.type)) {
      this.sink({ kind: 'raw', ...base, message } satisfies RtmpEvent);
      return;
    }
    const decoded = decodeMessage(message, this.decodeOptions);
    switch (decoded.kind) {
      case 'command': {
        const { name, transactionId, commandObject, args } = decoded.command;
        this.detectEncoding(name, transactionId, commandObject, args);
        this.sink({ kind: 'command', ...base, name, transactionId, commandObject, args, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      }
      case 'data': {
        const [name, ...values] = decoded.values;
        this.sink({ kind: 'data', ...base, name: typeof name === 'string' ? name : '', values, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      }
      case 'protocolControl':
        this.sink({ kind: 'protocolControl', ...base, control: decoded.control } satisfies RtmpEvent);
        return;
      case 'userControl':
        this.sink({ kind: 'userControl', ...base, event: decoded.event } satisfies RtmpEvent);
        return;
      case 'sharedObject':
        this.sink({ kind: 'sharedObject', ...base, sharedObject: decoded.sharedObject, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      case 'aggregate':
        // Aggregates are read out by `readAggregate`, which opens nested ones itself.
        throw new MessageError(ErrorCode.MESSAGE_AGGREGATE_NESTED, 'an aggregate inside an aggregate');
      default:
        this.sink({ kind: 'raw', ...base, message } satisfies RtmpEvent);
    }
  }

  private detectEncoding(name: string, transactionId: number, commandObject: unknown, args: unknown[]): void {
    if (name === 'connect' && objectEncodingOf(commandObject) === 3) this.encoding.objectEncoding = 3;
    else if (name === '_result' && transactionId === 1 && objectEncodingOf(args[0]) === 3) this.encoding.objectEncoding = 3;
  }
}

function asMessageError(err: unknown): Error {
  return err instanceof RtmpError ? err : new MessageError(ErrorCode.MESSAGE_INVALID, String(err), { cause: err });
}

function objectEncodingOf(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const enc = (value as { objectEncoding?: unknown }).objectEncoding;
  return typeof enc === 'number' ? enc : undefined;
}

const knownTypes = new Set<number>(Object.values(MessageType));
function isKnownType(type: number): boolean {
  return knownTypes.has(type);
}
