import type { MessageType } from './message-type.js';

/**
 * An RTMP message, with the seed's fields. `length` always equals `data.length`; `data` may be a
 * view into a socket read (see README: "views and copies"), so copy it before holding it long.
 */
export interface Message {
  /** Chunk stream the message travels on (2 = protocol control, 3 = commands by convention). */
  chunkStreamId: number;
  /** Message stream id (0 = the NetConnection, others from createStream). */
  messageStreamId: number;
  /** Absolute timestamp in milliseconds, 32-bit (wraps at 2^32). */
  timestamp: number;
  /** Message type id; a `MessageType` value, or any other 8-bit id a peer sent. */
  type: MessageType | number;
  /** Payload length in bytes (equals `data.length`). */
  length: number;
  /** Payload. */
  data: Buffer;
}

/** The seed's `NewMessage(chunkStreamID, messageStreamID, type, data)`, timestamp optional. */
export function createMessage(
  chunkStreamId: number,
  messageStreamId: number,
  type: MessageType | number,
  data: Buffer,
  timestamp = 0,
): Message {
  return { chunkStreamId, messageStreamId, timestamp: timestamp >>> 0, type, length: data.length, data };
}
