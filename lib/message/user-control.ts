/**
 * User Control messages (type 4; RTMP 1.0 §6.2 and §7.1.7): a 16-bit event type then event data.
 * Besides the spec's events, the ones real servers send are named too (buffer empty/ready from
 * FMS/Wowza, SWF verification from FMS). Any other event type decodes to `{ event: 'Unknown' }`
 * with its raw data instead of failing: a peer's extension must not tear the connection down.
 */
import { checkInt, checkUint32, invalid, need } from './fields.js';
import { createMessage, type Message } from './message.js';
import { MessageType } from './message-type.js';
import { ChunkStreamId } from './protocol-control.js';

export const UserControlEventType = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
  /** FMS asks the client for its SWF verification (no data). */
  SWFVerifyRequest: 0x1a,
  /** The client's 42-byte SWF verification answer, kept raw. */
  SWFVerifyResponse: 0x1b,
  /** Server-side playback buffer ran empty (FMS/Wowza). */
  BufferEmpty: 0x1f,
  /** Server-side playback buffer is full again (FMS/Wowza). */
  BufferReady: 0x20,
} as const;
export type UserControlEventType = (typeof UserControlEventType)[keyof typeof UserControlEventType];

/** Length of the SWF verification answer: 0x01 0x01, two uint32 sizes, a 32-byte HMAC. */
export const SWF_VERIFY_RESPONSE_LENGTH = 42;

type StreamEventName = 'StreamBegin' | 'StreamEOF' | 'StreamDry' | 'StreamIsRecorded' | 'BufferEmpty' | 'BufferReady';

export type UserControlEvent =
  | { event: StreamEventName; streamId: number }
  | { event: 'SetBufferLength'; streamId: number; bufferLength: number }
  | { event: 'PingRequest' | 'PingResponse'; timestamp: number }
  | { event: 'SWFVerifyRequest' }
  | { event: 'SWFVerifyResponse'; data: Buffer }
  | { event: 'Unknown'; eventType: number; data: Buffer };

const streamEvents = new Map<number, StreamEventName>([
  [UserControlEventType.StreamBegin, 'StreamBegin'],
  [UserControlEventType.StreamEOF, 'StreamEOF'],
  [UserControlEventType.StreamDry, 'StreamDry'],
  [UserControlEventType.StreamIsRecorded, 'StreamIsRecorded'],
  [UserControlEventType.BufferEmpty, 'BufferEmpty'],
  [UserControlEventType.BufferReady, 'BufferReady'],
]);

export function decodeUserControl(payload: Buffer): UserControlEvent {
  need(payload, 0, 2, 'User Control event type');
  const eventType = payload.readUInt16BE(0);
  const streamEvent = streamEvents.get(eventType);
  if (streamEvent !== undefined) {
    need(payload, 2, 4, `User Control ${streamEvent}`);
    return { event: streamEvent, streamId: payload.readUInt32BE(2) };
  }
  switch (eventType) {
    case UserControlEventType.SetBufferLength:
      need(payload, 2, 8, 'User Control SetBufferLength');
      return { event: 'SetBufferLength', streamId: payload.readUInt32BE(2), bufferLength: payload.readUInt32BE(6) };
    case UserControlEventType.PingRequest:
    case UserControlEventType.PingResponse:
      need(payload, 2, 4, 'User Control ping');
      return {
        event: eventType === UserControlEventType.PingRequest ? 'PingRequest' : 'PingResponse',
        timestamp: payload.readUInt32BE(2),
      };
    case UserControlEventType.SWFVerifyRequest:
      return { event: 'SWFVerifyRequest' };
    case UserControlEventType.SWFVerifyResponse:
      need(payload, 2, SWF_VERIFY_RESPONSE_LENGTH, 'User Control SWFVerifyResponse');
      return { event: 'SWFVerifyResponse', data: payload.subarray(2, 2 + SWF_VERIFY_RESPONSE_LENGTH) };
    default:
      return { event: 'Unknown', eventType, data: payload.subarray(2) };
  }
}

export function encodeUserControl(event: UserControlEvent): Buffer {
  switch (event.event) {
    case 'StreamBegin':
    case 'StreamEOF':
    case 'StreamDry':
    case 'StreamIsRecorded':
    case 'BufferEmpty':
    case 'BufferReady':
      return withType(UserControlEventType[event.event], 4).fill32(checkUint32(event.streamId, 'stream id')).buf;
    case 'SetBufferLength':
      return withType(UserControlEventType.SetBufferLength, 8)
        .fill32(checkUint32(event.streamId, 'stream id'))
        .fill32(checkUint32(event.bufferLength, 'buffer length')).buf;
    case 'PingRequest':
    case 'PingResponse':
      return withType(UserControlEventType[event.event], 4).fill32(checkUint32(event.timestamp, 'ping timestamp')).buf;
    case 'SWFVerifyRequest':
      return withType(UserControlEventType.SWFVerifyRequest, 0).buf;
    case 'SWFVerifyResponse': {
      if (!Buffer.isBuffer(event.data) || event.data.length !== SWF_VERIFY_RESPONSE_LENGTH) {
        throw invalid(`SWFVerifyResponse data must be ${SWF_VERIFY_RESPONSE_LENGTH} bytes`);
      }
      const out = withType(UserControlEventType.SWFVerifyResponse, SWF_VERIFY_RESPONSE_LENGTH).buf;
      event.data.copy(out, 2);
      return out;
    }
    case 'Unknown': {
      if (!Buffer.isBuffer(event.data)) throw invalid('Unknown user control event data must be a Buffer');
      const out = withType(checkInt(event.eventType, 0, 0xffff, 'event type'), event.data.length).buf;
      event.data.copy(out, 2);
      return out;
    }
    default:
      throw invalid(`unknown user control event ${String((event as { event: unknown }).event)}`);
  }
}

/** A User Control message on chunk stream 2, message stream 0 (RTMP 1.0 §6.2). */
export function createUserControlMessage(event: UserControlEvent, timestamp = 0): Message {
  return createMessage(ChunkStreamId.ProtocolControl, 0, MessageType.UserControl, encodeUserControl(event), timestamp);
}

function withType(eventType: number, dataLength: number) {
  const buf = Buffer.allocUnsafe(2 + dataLength);
  buf.writeUInt16BE(eventType, 0);
  let offset = 2;
  const cursor = {
    buf,
    fill32(value: number) {
      buf.writeUInt32BE(value, offset);
      offset += 4;
      return cursor;
    },
  };
  return cursor;
}
