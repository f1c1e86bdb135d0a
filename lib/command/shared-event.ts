/**
 * `SharedEvent`: one event on its way to many connections, each on its own message stream (a
 * stream's PublishNotify and StreamBegin to every waiting player, its metadata to every player).
 * It is encoded once per object encoding and stream id, and its message carries a `SharedFrame`,
 * so the chunk layer serializes it once per header shape: a thousand players cost one AMF encoding,
 * not a thousand.
 */
import { SharedFrame } from '../chunk/index.js';
import { encodeEvent, type OutboundMessage } from './command-encoder.js';
import type { ObjectEncodingState, RtmpEvent } from './events.js';

export class SharedEvent {
  // One message per (object encoding, stream id): in a fan-out nearly every connection asks for the same.
  private readonly messages = new Map<number, OutboundMessage>();

  /**
   * `event` as sent on any message stream: its `streamId` (and a user control event's stream id)
   * is replaced by each connection's own.
   */
  constructor(readonly event: RtmpEvent) {}

  /**
   * The event on message stream `streamId`, as an object of its own (for a stage at the 'events'
   * boundary, or a target that takes only events): its argument and value lists and the plain
   * objects in them (a status info) are copies; what lies deeper is shared.
   */
  eventOn(streamId: number): RtmpEvent {
    const event = onStream(this.event, streamId);
    if (event.kind === 'command') event.args = event.args.map(copyPlain);
    else if (event.kind === 'data') event.values = event.values.map(copyPlain);
    return event;
  }

  /**
   * The encoded message for a connection with `encoding` on message stream `streamId`, carrying its
   * shared frame. The same object for every such connection: a caller that hands it to user code
   * copies it first. Throws what `encodeEvent` throws for an event that cannot be sent.
   */
  messageOn(encoding: ObjectEncodingState, streamId: number): OutboundMessage {
    // Stream ids are 32-bit unsigned: the encoding goes above them in one exact key.
    const key = encoding.objectEncoding * 0x1_0000_0000 + streamId;
    return this.messages.get(key) ?? this.encode(key, encoding, streamId);
  }

  private encode(key: number, encoding: ObjectEncodingState, streamId: number): OutboundMessage {
    const message = encodeEvent(onStream(this.event, streamId), encoding);
    message.frame = new SharedFrame(message.type, message.timestamp, message.data);
    this.messages.set(key, message);
    return message;
  }
}

/** `event` moved to message stream `streamId` (a shallow copy). */
function onStream(event: RtmpEvent, streamId: number): RtmpEvent {
  if (event.kind === 'userControl' && 'streamId' in event.event) return { ...event, event: { ...event.event, streamId } };
  return { ...event, streamId };
}

function copyPlain(value: unknown): unknown {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype ? { ...value } : value;
}
