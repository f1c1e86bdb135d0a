import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, MessageError, RtmpError } from '../errors.js';
import { AggregateReader, checkAggregate, decodeMessage, type DecodeMessageOptions, type Message, MessageType } from '../message/index.js';
import type { ObjectEncodingState, RtmpEvent } from './events.js';

export interface CommandDecoderOptions {
  /** Shared with the connection's `CommandEncoder`, so replies follow the negotiated encoding. */
  encoding?: ObjectEncodingState;
  /** AMF limits (depth, references) and aggregate limits. */
  decode?: DecodeMessageOptions;
  /** Events buffered before backpressure (object mode counts items). Default 64. */
  highWaterMark?: number;
  /** Aggregate sub-messages decoded per event-loop turn before the rest waits for the next one. Default 1024. */
  eventsPerTurn?: number;
}

/** Default `eventsPerTurn`. */
export const DEFAULT_EVENTS_PER_TURN = 1024;

/**
 * Messages → events (object mode both sides). Aggregates come out as one event per sub-message:
 * checked whole first (`checkAggregate`: framing, count, nesting; a bad one delivers nothing),
 * then read out at most `eventsPerTurn` per event-loop turn and only while the readable side has
 * room, so one large aggregate neither holds the event loop nor builds all its events at once.
 * AMF0/AMF3 is detected automatically: a `connect` asking for objectEncoding 3, or the `_result`
 * of a connect that confirms it, switches the shared `encoding` state to 3.
 */
export class CommandDecoder extends Transform {
  readonly encoding: ObjectEncodingState;
  private readonly decodeOptions: DecodeMessageOptions;
  private readonly eventsPerTurn: number;
  /** The aggregate being read out, and the write callback held until it is done. */
  private aggregate: AggregateReader | null = null;
  private aggregateDone: TransformCallback | null = null;
  /** Waiting for `_read` (the readable side is full) rather than for the next turn. */
  private waitingForRead = false;
  private readonly continueAggregate = (): void => this.readAggregate();

  constructor(options: CommandDecoderOptions = {}) {
    const hwm = options.highWaterMark ?? 64;
    super({ objectMode: true, highWaterMark: hwm });
    this.encoding = options.encoding ?? { objectEncoding: 0 };
    this.decodeOptions = options.decode ?? {};
    this.eventsPerTurn = options.eventsPerTurn ?? DEFAULT_EVENTS_PER_TURN;
  }

  override _transform(message: Message, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      if (!message || typeof message.type !== 'number' || !Buffer.isBuffer(message.data)) {
        throw new MessageError(ErrorCode.MESSAGE_INVALID, 'CommandDecoder takes Message objects');
      }
      if (message.type === MessageType.Aggregate) {
        checkAggregate(message, this.decodeOptions);
        this.aggregate = new AggregateReader(message);
        this.aggregateDone = callback;
        this.readAggregate();
        return;
      }
      this.decodeOne(message);
      callback();
    } catch (err) {
      callback(asMessageError(err));
    }
  }

  override _read(size: number): void {
    if (this.waitingForRead) {
      this.waitingForRead = false;
      // Not from inside _read: pushing here would re-enter the consumer that asked.
      setImmediate(this.continueAggregate);
    }
    super._read(size);
  }

  /** Decodes sub-messages of the current aggregate until it ends, the turn's budget is used, or the readable side is full. */
  private readAggregate(): void {
    const reader = this.aggregate;
    if (reader === null || this.destroyed) return;
    let budget = this.eventsPerTurn;
    try {
      for (;;) {
        const sub = reader.next();
        if (sub === undefined) {
          const done = this.aggregateDone!;
          this.aggregate = null;
          this.aggregateDone = null;
          done();
          return;
        }
        this.decodeOne(sub);
        if (this.readableLength >= this.readableHighWaterMark) {
          this.waitingForRead = true;
          return;
        }
        if (--budget <= 0) {
          setImmediate(this.continueAggregate);
          return;
        }
      }
    } catch (err) {
      const done = this.aggregateDone!;
      this.aggregate = null;
      this.aggregateDone = null;
      done(asMessageError(err));
    }
  }

  private decodeOne(message: Message): void {
    const base = { streamId: message.messageStreamId, timestamp: message.timestamp, chunkStreamId: message.chunkStreamId };
    // Media is the hot path: no decode step, the payload stays a view.
    if (message.type === MessageType.Audio || message.type === MessageType.Video) {
      this.push({ kind: message.type === MessageType.Audio ? 'audio' : 'video', ...base, payload: message.data });
      return;
    }
    if (!isKnownType(message.type)) {
      this.push({ kind: 'raw', ...base, message } satisfies RtmpEvent);
      return;
    }
    const decoded = decodeMessage(message, this.decodeOptions);
    switch (decoded.kind) {
      case 'command': {
        const { name, transactionId, commandObject, args } = decoded.command;
        this.detectEncoding(name, transactionId, commandObject, args);
        this.push({ kind: 'command', ...base, name, transactionId, commandObject, args, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      }
      case 'data': {
        const [name, ...values] = decoded.values;
        this.push({ kind: 'data', ...base, name: typeof name === 'string' ? name : '', values, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      }
      case 'protocolControl':
        this.push({ kind: 'protocolControl', ...base, control: decoded.control } satisfies RtmpEvent);
        return;
      case 'userControl':
        this.push({ kind: 'userControl', ...base, event: decoded.event } satisfies RtmpEvent);
        return;
      case 'sharedObject':
        this.push({ kind: 'sharedObject', ...base, sharedObject: decoded.sharedObject, amf3: decoded.amf3 } satisfies RtmpEvent);
        return;
      case 'aggregate':
        // Aggregates are read out by `readAggregate`, which opens nested ones itself.
        throw new MessageError(ErrorCode.MESSAGE_AGGREGATE_NESTED, 'an aggregate inside an aggregate');
      default:
        this.push({ kind: 'raw', ...base, message } satisfies RtmpEvent);
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
