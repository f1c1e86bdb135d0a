/**
 * Protocol control messages (RTMP 1.0 §5.4): Set Chunk Size (1), Abort (2), Acknowledgement (3),
 * Window Acknowledgement Size (5) and Set Peer Bandwidth (6). They travel on chunk stream 2 and
 * message stream 0 (RTMP 1.0 §5.4). Decoders ignore trailing bytes after the fixed fields.
 */
import { ErrorCode, MessageError } from '../errors.js';
import { checkInt, checkUint32, invalid, need, uint32 } from './fields.js';
import { createMessage, type Message } from './message.js';
import { MessageType } from './message-type.js';

/** Chunk stream ids used by convention (RTMP 1.0 §5.4, §6.2; commands on 3 as Flash and ffmpeg do). */
export const ChunkStreamId = {
  ProtocolControl: 2,
  Command: 3,
} as const;

/** Set Peer Bandwidth limit type (RTMP 1.0 §5.4.5). */
export const PeerBandwidthLimit = {
  Hard: 0,
  Soft: 1,
  Dynamic: 2,
} as const;
export type PeerBandwidthLimit = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];

/** Largest chunk size the 31-bit field can carry (RTMP 1.0 §5.4.1). */
export const MAX_CHUNK_SIZE = 0x7fffffff;

export interface SetChunkSize {
  type: typeof MessageType.SetChunkSize;
  chunkSize: number;
}
export interface Abort {
  type: typeof MessageType.Abort;
  chunkStreamId: number;
}
export interface Acknowledgement {
  type: typeof MessageType.Acknowledgement;
  sequenceNumber: number;
}
export interface WindowAcknowledgementSize {
  type: typeof MessageType.WindowAcknowledgementSize;
  windowSize: number;
}
export interface SetPeerBandwidth {
  type: typeof MessageType.SetPeerBandwidth;
  windowSize: number;
  limitType: PeerBandwidthLimit;
}

/** A protocol control message, discriminated by its message type id. */
export type ProtocolControl = SetChunkSize | Abort | Acknowledgement | WindowAcknowledgementSize | SetPeerBandwidth;

// --- Set Chunk Size (1) ---------------------------------------------------------------------

export function encodeSetChunkSize(chunkSize: number): Buffer {
  // RTMP 1.0 §5.4.1: 31 bits, top bit 0, and a chunk size of 0 makes no sense.
  return uint32(checkInt(chunkSize, 1, MAX_CHUNK_SIZE, 'chunk size'));
}

export function decodeSetChunkSize(payload: Buffer): number {
  need(payload, 0, 4, 'Set Chunk Size');
  const value = payload.readUInt32BE(0);
  // RTMP 1.0 §5.4.1: "The first bit MUST be zero"; valid sizes are 1..0x7FFFFFFF.
  if (value & 0x80000000) throw invalid(`Set Chunk Size has its top bit set (0x${value.toString(16)})`);
  if (value === 0) throw invalid('Set Chunk Size of 0');
  return value;
}

// --- Abort (2), Acknowledgement (3), Window Acknowledgement Size (5): one uint32 each -------

export function encodeAbort(chunkStreamId: number): Buffer {
  return uint32(checkUint32(chunkStreamId, 'chunk stream id'));
}
export function decodeAbort(payload: Buffer): number {
  need(payload, 0, 4, 'Abort');
  return payload.readUInt32BE(0);
}

export function encodeAcknowledgement(sequenceNumber: number): Buffer {
  return uint32(checkUint32(sequenceNumber, 'sequence number'));
}
export function decodeAcknowledgement(payload: Buffer): number {
  need(payload, 0, 4, 'Acknowledgement');
  return payload.readUInt32BE(0);
}

export function encodeWindowAcknowledgementSize(windowSize: number): Buffer {
  return uint32(checkUint32(windowSize, 'window size'));
}
export function decodeWindowAcknowledgementSize(payload: Buffer): number {
  need(payload, 0, 4, 'Window Acknowledgement Size');
  return payload.readUInt32BE(0);
}

// --- Set Peer Bandwidth (6) -----------------------------------------------------------------

export function encodeSetPeerBandwidth(windowSize: number, limitType: PeerBandwidthLimit): Buffer {
  const buf = Buffer.allocUnsafe(5);
  buf.writeUInt32BE(checkUint32(windowSize, 'window size'), 0);
  buf[4] = checkInt(limitType, 0, 2, 'limit type');
  return buf;
}

export function decodeSetPeerBandwidth(payload: Buffer): { windowSize: number; limitType: PeerBandwidthLimit } {
  need(payload, 0, 5, 'Set Peer Bandwidth');
  const limitType = payload[4]!;
  // RTMP 1.0 §5.4.5: 0 hard, 1 soft, 2 dynamic.
  if (limitType > 2) throw invalid(`Set Peer Bandwidth limit type ${limitType} (0 hard, 1 soft, 2 dynamic)`);
  return { windowSize: payload.readUInt32BE(0), limitType: limitType as PeerBandwidthLimit };
}

// --- The union ------------------------------------------------------------------------------

export function encodeProtocolControl(control: ProtocolControl): Buffer {
  switch (control.type) {
    case MessageType.SetChunkSize:
      return encodeSetChunkSize(control.chunkSize);
    case MessageType.Abort:
      return encodeAbort(control.chunkStreamId);
    case MessageType.Acknowledgement:
      return encodeAcknowledgement(control.sequenceNumber);
    case MessageType.WindowAcknowledgementSize:
      return encodeWindowAcknowledgementSize(control.windowSize);
    case MessageType.SetPeerBandwidth:
      return encodeSetPeerBandwidth(control.windowSize, control.limitType);
    default:
      throw unknownType((control as { type: unknown }).type);
  }
}

/** Decodes the payload of a protocol control message of the given type id. */
export function decodeProtocolControl(type: number, payload: Buffer): ProtocolControl {
  switch (type) {
    case MessageType.SetChunkSize:
      return { type, chunkSize: decodeSetChunkSize(payload) };
    case MessageType.Abort:
      return { type, chunkStreamId: decodeAbort(payload) };
    case MessageType.Acknowledgement:
      return { type, sequenceNumber: decodeAcknowledgement(payload) };
    case MessageType.WindowAcknowledgementSize:
      return { type, windowSize: decodeWindowAcknowledgementSize(payload) };
    case MessageType.SetPeerBandwidth:
      return { type, ...decodeSetPeerBandwidth(payload) };
    default:
      throw unknownType(type);
  }
}

/** A full message on chunk stream 2, message stream 0 (RTMP 1.0 §5.4). */
export function createProtocolControlMessage(control: ProtocolControl, timestamp = 0): Message {
  return createMessage(ChunkStreamId.ProtocolControl, 0, control.type, encodeProtocolControl(control), timestamp);
}

export function decodeProtocolControlMessage(message: Pick<Message, 'type' | 'data'>): ProtocolControl {
  return decodeProtocolControl(message.type, message.data);
}

function unknownType(type: unknown): MessageError {
  return new MessageError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `message type ${String(type)} is not a protocol control message`);
}
