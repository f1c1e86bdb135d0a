/**
 * Shared object messages (RTMP 1.0 §7.1.3): AMF0 (type 19) and AMF3 (type 16).
 *
 *   name (UTF-8, 16-bit length, no marker) | current version (4) | flags (8)
 *   then events: type (1) | data length (4) | data
 *
 * Event data by type:
 *   Use (1), Release (2), Clear (8), UseSuccess (11)   no data
 *   RequestChange (3), Change (4)                      name (16-bit length) + AMF value, repeated
 *   Success (5), Remove (9), RequestRemove (10)        a name (16-bit length)
 *   SendMessage (6)                                    AMF values (handler name first)
 *   Status (7)                                         message + level (16-bit length strings)
 *
 * Flags: Red5 and FMS read the first 4 bytes as 2 for a persistent object; the other 4 are
 * unused. They are kept raw (`flags`), with `sharedObjectFlags()`/`isPersistentSharedObject()`.
 *
 * AMF3 (type 16), our choice: Flash Player writes one leading byte 0x00 and then exactly the AMF0
 * structure above, where a value may switch to AMF3 with the AVM+ marker (0x11). We require that
 * 0x00 (Red5 also reads 3 there, meaning AMF3-encoded header strings, which no peer was seen to
 * send: rejected with ERR_MESSAGE_INVALID), decode values as AMF0-with-switch, and encode values
 * as AMF3 behind 0x11. Each event's values are read with their own reader: AMF references do not
 * cross events.
 */
import { Amf0Reader, Amf0Writer } from '../amf/index.js';
import { ErrorCode, MessageError } from '../errors.js';
import { checkUint32, invalid, need, readShortString, shortString } from './fields.js';
import { AMF3_FORMAT_BYTE, readAmf0Values, type AmfDecodeOptions } from './amf-values.js';
import { createMessage, type Message } from './message.js';
import { MessageType } from './message-type.js';
import { ChunkStreamId } from './protocol-control.js';

export const SharedObjectEventType = {
  Use: 1,
  Release: 2,
  RequestChange: 3,
  Change: 4,
  Success: 5,
  SendMessage: 6,
  Status: 7,
  Clear: 8,
  Remove: 9,
  RequestRemove: 10,
  UseSuccess: 11,
} as const;
export type SharedObjectEventType = (typeof SharedObjectEventType)[keyof typeof SharedObjectEventType];
type EventName = keyof typeof SharedObjectEventType;

export interface SharedObjectProperty {
  name: string;
  value: unknown;
}

export type SharedObjectEvent =
  | { event: 'Use' | 'Release' | 'Clear' | 'UseSuccess' }
  | { event: 'RequestChange' | 'Change'; properties: SharedObjectProperty[] }
  | { event: 'Success' | 'Remove' | 'RequestRemove'; name: string }
  | { event: 'SendMessage'; values: unknown[] }
  | { event: 'Status'; message: string; level: string };

export interface SharedObjectMessage {
  name: string;
  /** Current version of the object (RTMP 1.0 §7.1.3). */
  version: number;
  /** The 8 flag bytes, raw. */
  flags: Buffer;
  events: SharedObjectEvent[];
}

export const SHARED_OBJECT_FLAGS_LENGTH = 8;
const PERSISTENT = 2;

/** Flag bytes for a (non-)persistent shared object. */
export function sharedObjectFlags(persistent: boolean): Buffer {
  const flags = Buffer.alloc(SHARED_OBJECT_FLAGS_LENGTH);
  if (persistent) flags.writeUInt32BE(PERSISTENT, 0);
  return flags;
}

export function isPersistentSharedObject(flags: Buffer): boolean {
  return flags.length >= 4 && flags.readUInt32BE(0) === PERSISTENT;
}

const eventNames = new Map<number, EventName>(
  Object.entries(SharedObjectEventType).map(([name, id]) => [id, name as EventName]),
);

// --- decode ---------------------------------------------------------------------------------

export function decodeSharedObject(payload: Buffer, options?: AmfDecodeOptions): SharedObjectMessage {
  return decodeFrom(payload, 0, options);
}

export function decodeSharedObjectAmf3(payload: Buffer, options?: AmfDecodeOptions): SharedObjectMessage {
  need(payload, 0, 1, 'shared object format byte');
  if (payload[0] !== AMF3_FORMAT_BYTE) throw invalid(`shared object format byte 0x${payload[0]!.toString(16)}, expected 0x00`);
  return decodeFrom(payload, 1, options);
}

function decodeFrom(payload: Buffer, offset: number, options: AmfDecodeOptions | undefined): SharedObjectMessage {
  const { value: name, end } = readShortString(payload, offset, 'shared object name');
  need(payload, end, 4 + SHARED_OBJECT_FLAGS_LENGTH, 'shared object version and flags');
  const version = payload.readUInt32BE(end);
  const flags = payload.subarray(end + 4, end + 4 + SHARED_OBJECT_FLAGS_LENGTH);
  const events: SharedObjectEvent[] = [];
  let pos = end + 4 + SHARED_OBJECT_FLAGS_LENGTH;
  while (pos < payload.length) {
    need(payload, pos, 5, `shared object event ${events.length} header`);
    const type = payload[pos]!;
    const length = payload.readUInt32BE(pos + 1);
    need(payload, pos + 5, length, `shared object event ${events.length} data`);
    events.push(decodeEvent(type, payload.subarray(pos + 5, pos + 5 + length), options));
    pos += 5 + length;
  }
  return { name, version, flags, events };
}

function decodeEvent(type: number, data: Buffer, options: AmfDecodeOptions | undefined): SharedObjectEvent {
  const event = eventNames.get(type);
  switch (event) {
    case 'Use':
    case 'Release':
    case 'Clear':
    case 'UseSuccess':
      if (data.length !== 0) throw invalid(`shared object ${event} event carries ${data.length} byte(s), expected none`);
      return { event };
    case 'RequestChange':
    case 'Change':
      return { event, properties: decodeProperties(data, options) };
    case 'Success':
    case 'Remove':
    case 'RequestRemove': {
      const { value: name, end } = readShortString(data, 0, `shared object ${event} name`);
      if (end !== data.length) throw invalid(`shared object ${event} event has ${data.length - end} byte(s) after its name`);
      return { event, name };
    }
    case 'SendMessage':
      return { event, values: readAmf0Values(data, 0, options) };
    case 'Status': {
      const message = readShortString(data, 0, 'shared object status message');
      const level = readShortString(data, message.end, 'shared object status level');
      if (level.end !== data.length) throw invalid(`shared object Status event has ${data.length - level.end} trailing byte(s)`);
      return { event, message: message.value, level: level.value };
    }
    default:
      throw new MessageError(ErrorCode.MESSAGE_UNKNOWN_SO_EVENT, `unknown shared object event type ${type}`);
  }
}

function decodeProperties(data: Buffer, options: AmfDecodeOptions | undefined): SharedObjectProperty[] {
  const reader = new Amf0Reader(data, options);
  const properties: SharedObjectProperty[] = [];
  while (reader.offset < data.length) {
    const { value: name, end } = readShortString(data, reader.offset, 'shared object property name');
    reader.offset = end;
    properties.push({ name, value: reader.read() });
  }
  return properties;
}

// --- encode ---------------------------------------------------------------------------------

export function encodeSharedObject(so: SharedObjectMessage): Buffer {
  return Buffer.concat(encodeParts(so, false));
}

export function encodeSharedObjectAmf3(so: SharedObjectMessage): Buffer {
  return Buffer.concat([Buffer.of(AMF3_FORMAT_BYTE), ...encodeParts(so, true)]);
}

function encodeParts(so: SharedObjectMessage, amf3: boolean): Buffer[] {
  if (!Buffer.isBuffer(so.flags) || so.flags.length !== SHARED_OBJECT_FLAGS_LENGTH) {
    throw invalid(`shared object flags must be ${SHARED_OBJECT_FLAGS_LENGTH} bytes`);
  }
  const version = Buffer.allocUnsafe(4);
  version.writeUInt32BE(checkUint32(so.version, 'shared object version'), 0);
  const parts = [shortString(so.name, 'shared object name'), version, so.flags];
  for (const event of so.events) {
    const data = encodeEventData(event, amf3);
    const header = Buffer.allocUnsafe(5);
    header[0] = SharedObjectEventType[event.event];
    header.writeUInt32BE(data.length, 1);
    parts.push(header, data);
  }
  return parts;
}

function encodeEventData(event: SharedObjectEvent, amf3: boolean): Buffer {
  const write = (writer: Amf0Writer, value: unknown) => (amf3 ? writer.writeAvmPlus(value) : writer.write(value));
  switch (event.event) {
    case 'Use':
    case 'Release':
    case 'Clear':
    case 'UseSuccess':
      return Buffer.alloc(0);
    case 'RequestChange':
    case 'Change':
      return Buffer.concat(
        event.properties.map((p) => Buffer.concat([shortString(p.name, 'property name'), write(new Amf0Writer(), p.value).toBuffer()])),
      );
    case 'Success':
    case 'Remove':
    case 'RequestRemove':
      return shortString(event.name, `${event.event} name`);
    case 'SendMessage': {
      // The handler name stays an AMF0 string (what Red5 and FMS match on); the arguments follow.
      const writer = new Amf0Writer();
      event.values.forEach((value, i) => (i === 0 && typeof value === 'string' ? writer.write(value) : write(writer, value)));
      return writer.toBuffer();
    }
    case 'Status':
      return Buffer.concat([shortString(event.message, 'status message'), shortString(event.level, 'status level')]);
    default:
      throw new MessageError(
        ErrorCode.MESSAGE_UNKNOWN_SO_EVENT,
        `unknown shared object event ${String((event as { event: unknown }).event)}`,
      );
  }
}

// --- messages -------------------------------------------------------------------------------

export interface SharedObjectMessageOptions {
  /** 0 → type 19 (default), 3 → type 16. */
  objectEncoding?: 0 | 3;
  messageStreamId?: number;
  timestamp?: number;
  /** Default 3, like commands. */
  chunkStreamId?: number;
}

export function createSharedObjectMessage(so: SharedObjectMessage, options: SharedObjectMessageOptions = {}): Message {
  const amf3 = options.objectEncoding === 3;
  return createMessage(
    options.chunkStreamId ?? ChunkStreamId.Command,
    options.messageStreamId ?? 0,
    amf3 ? MessageType.SharedObjectAMF3 : MessageType.SharedObjectAMF0,
    amf3 ? encodeSharedObjectAmf3(so) : encodeSharedObject(so),
    options.timestamp ?? 0,
  );
}

/** Decodes a type 19 or type 16 message; any other type is ERR_MESSAGE_INVALID. */
export function decodeSharedObjectMessage(
  message: Pick<Message, 'type' | 'data'>,
  options?: AmfDecodeOptions,
): SharedObjectMessage {
  if (message.type === MessageType.SharedObjectAMF0) return decodeSharedObject(message.data, options);
  if (message.type === MessageType.SharedObjectAMF3) return decodeSharedObjectAmf3(message.data, options);
  throw invalid(`message type ${message.type} is not a shared object message`);
}
