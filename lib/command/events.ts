/**
 * What crosses the `events` boundary: a message turned into something an application can act on.
 * `CommandDecoder` produces these from messages; `CommandEncoder` turns them back into messages.
 */
import type { SharedFrame } from '../chunk/index.js';
import type { Message, ProtocolControl, SharedObjectMessage, UserControlEvent } from '../message/index.js';

interface EventBase {
  /** Message stream id (0 = the NetConnection; others come from createStream). */
  streamId: number;
  /** Message timestamp, ms, 32-bit. */
  timestamp: number;
  /** Chunk stream to send on; the encoder picks a conventional one when absent. */
  chunkStreamId?: number;
}

/** A command (RTMP 1.0 §7.2): connect, createStream, publish, play, `_result`, `onStatus`, ... */
export interface CommandEvent extends EventBase {
  kind: 'command';
  name: string;
  transactionId: number;
  commandObject: unknown;
  args: unknown[];
  /** Force AMF3 (type 17) or AMF0 (type 20); absent: the connection's objectEncoding decides. */
  amf3?: boolean;
}

/** A data message: `onMetaData`, `@setDataFrame`, `|RtmpSampleAccess`, ... `values` follow `name`. */
export interface DataEvent extends EventBase {
  kind: 'data';
  name: string;
  values: unknown[];
  /** Type 15 (true) or 18 (false, default). */
  amf3?: boolean;
}

/** Audio or video: `payload` is the FLV tag body as it travels in RTMP (opaque here). */
export interface MediaEvent extends EventBase {
  kind: 'audio' | 'video';
  payload: Buffer;
  /**
   * The shared frame this event was made from, when the same media goes to many connections: the
   * chunk layer builds its bytes once per header shape and reuses them. Opaque here; set by
   * whoever fans the event out, and ignored once a stage replaces `payload` or `timestamp`.
   */
  frame?: SharedFrame;
}

export interface ProtocolControlEvent extends EventBase {
  kind: 'protocolControl';
  control: ProtocolControl;
}

export interface UserControlEventMessage extends EventBase {
  kind: 'userControl';
  event: UserControlEvent;
}

export interface SharedObjectEventMessage extends EventBase {
  kind: 'sharedObject';
  sharedObject: SharedObjectMessage;
  amf3?: boolean;
}

/** A message no other kind describes (an unknown type id): passed through untouched. */
export interface RawEvent extends EventBase {
  kind: 'raw';
  message: Message;
}

export type RtmpEvent =
  | CommandEvent
  | DataEvent
  | MediaEvent
  | ProtocolControlEvent
  | UserControlEventMessage
  | SharedObjectEventMessage
  | RawEvent;

export type RtmpEventKind = RtmpEvent['kind'];

/** Negotiated per connection and shared by the decoder and encoder of one connection. */
export interface ObjectEncodingState {
  objectEncoding: 0 | 3;
}
