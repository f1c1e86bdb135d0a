import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, MessageError, RtmpError } from '../errors.js';
import { createCommandMessage, createDataMessage, createMessage, MessageType, createProtocolControlMessage, createSharedObjectMessage, createUserControlMessage } from '../message/index.js';
import type { FramedMessage } from '../chunk/index.js';
import type { ObjectEncodingState, RtmpEvent } from './events.js';

/** Conventional chunk stream ids for what the encoder sends (as Flash Media Server and ffmpeg do). */
export const OutboundChunkStream = {
  ProtocolControl: 2,
  Command: 3,
  Data: 5,
  Audio: 4,
  Video: 6,
} as const;

/** An outgoing message; fan-out media carries its shared frame along (see `SharedFrame`). */
export type OutboundMessage = FramedMessage;

export interface CommandEncoderOptions {
  encoding?: ObjectEncodingState;
  highWaterMark?: number;
}

/**
 * Events → messages (object mode both sides): the `Transform` adapter over `encodeEvent`; commands
 * follow the connection's objectEncoding.
 */
export class CommandEncoder extends Transform {
  readonly encoding: ObjectEncodingState;

  constructor(options: CommandEncoderOptions = {}) {
    const hwm = options.highWaterMark ?? 64;
    super({ objectMode: true, highWaterMark: hwm });
    this.encoding = options.encoding ?? { objectEncoding: 0 };
  }

  override _transform(event: RtmpEvent, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      callback(null, this.encode(event));
    } catch (err) {
      callback(err instanceof RtmpError ? err : new MessageError(ErrorCode.MESSAGE_INVALID, String(err), { cause: err }));
    }
  }

  encode(event: RtmpEvent): OutboundMessage {
    return encodeEvent(event, this.encoding);
  }
}

/**
 * One event as the message that carries it: the command layer's outbound core. Throws a
 * `MessageError` (ERR_MESSAGE_INVALID) for what is not an `RtmpEvent`.
 */
export function encodeEvent(event: RtmpEvent, encoding: ObjectEncodingState): OutboundMessage {
  if (!event || typeof event !== 'object' || typeof (event as { kind?: unknown }).kind !== 'string') {
    throw new MessageError(ErrorCode.MESSAGE_INVALID, 'CommandEncoder takes RtmpEvent objects');
  }
  const streamId = event.streamId ?? 0;
  const timestamp = event.timestamp ?? 0;
  switch (event.kind) {
    case 'audio':
    case 'video': {
      const type = event.kind === 'audio' ? MessageType.Audio : MessageType.Video;
      const csid = event.chunkStreamId ?? (event.kind === 'audio' ? OutboundChunkStream.Audio : OutboundChunkStream.Video);
      const message: OutboundMessage = createMessage(csid, streamId, type, event.payload, timestamp);
      if (event.frame) message.frame = event.frame;
      return message;
    }
    case 'command': {
      const amf3 = event.amf3 ?? encoding.objectEncoding === 3;
      const { name, transactionId, commandObject, args } = event;
      return createCommandMessage(
        { name, transactionId, commandObject: commandObject ?? null, args: args ?? [] },
        { objectEncoding: amf3 ? 3 : 0, messageStreamId: streamId, timestamp, chunkStreamId: event.chunkStreamId ?? OutboundChunkStream.Command },
      );
    }
    case 'data':
      return createDataMessage([event.name, ...(event.values ?? [])], {
        objectEncoding: event.amf3 ? 3 : 0,
        messageStreamId: streamId,
        timestamp,
        chunkStreamId: event.chunkStreamId ?? OutboundChunkStream.Data,
      });
    case 'protocolControl':
      return createProtocolControlMessage(event.control, timestamp);
    case 'userControl':
      return createUserControlMessage(event.event, timestamp);
    case 'sharedObject':
      return createSharedObjectMessage(event.sharedObject, {
        objectEncoding: event.amf3 ?? encoding.objectEncoding === 3 ? 3 : 0,
        messageStreamId: streamId,
        timestamp,
        chunkStreamId: event.chunkStreamId ?? OutboundChunkStream.Command,
      });
    case 'raw':
      return event.message;
    default:
      throw new MessageError(ErrorCode.MESSAGE_INVALID, `unknown event kind ${(event as { kind: string }).kind}`);
}
}
