/**
 * Data messages (RTMP 1.0 §7.1.2): AMF0 (type 18) and AMF3 (type 15), a list of AMF values,
 * conventionally a handler name first (`onMetaData`, `@setDataFrame`, `|RtmpSampleAccess`).
 *
 * AMF3 data messages (Flash's NetStream.send with objectEncoding 3): what peers do differs, so
 * the decoder accepts both forms seen in the wild:
 * - Flash Player writes a format byte 0x00, then AMF0 values that may switch to AMF3 with the
 *   AVM+ marker (0x11); Red5 drops that first byte unconditionally;
 * - SRS and others read type 15 like type 18, without a format byte.
 * A first byte of 0x00 is taken as the format byte: a handler name is a string (marker 0x02), so
 * a data message that starts with an AMF0 number (0x00) does not occur in practice.
 * The encoder writes the Flash form: 0x00, the leading string values (the handler names peers
 * match on) as AMF0, the rest as AMF3 behind 0x11.
 */
import { amf0, Amf0Writer, ecmaArray, isEcmaArray } from '../amf/index.js';
import { invalid } from './fields.js';
import { AMF3_FORMAT_BYTE, readAmf0Values, writeAvmPlusValues, type AmfDecodeOptions } from './amf-values.js';
import { createMessage, type Message } from './message.js';
import { MessageType } from './message-type.js';
import { ChunkStreamId } from './protocol-control.js';

export const SET_DATA_FRAME = '@setDataFrame';
export const ON_META_DATA = 'onMetaData';

export function encodeData(values: readonly unknown[]): Buffer {
  return amf0.encode(...values);
}

export function decodeData(payload: Buffer, options?: AmfDecodeOptions): unknown[] {
  return readAmf0Values(payload, 0, options);
}

export function encodeDataAmf3(values: readonly unknown[]): Buffer {
  const writer = new Amf0Writer();
  let i = 0;
  while (i < values.length && typeof values[i] === 'string') writer.write(values[i++]);
  writeAvmPlusValues(writer, values.slice(i));
  return Buffer.concat([Buffer.of(AMF3_FORMAT_BYTE), writer.toBuffer()]);
}

export function decodeDataAmf3(payload: Buffer, options?: AmfDecodeOptions): unknown[] {
  return readAmf0Values(payload, payload[0] === AMF3_FORMAT_BYTE ? 1 : 0, options);
}

export interface DataMessageOptions {
  /** 0 → type 18 (default), 3 → type 15. */
  objectEncoding?: 0 | 3;
  messageStreamId?: number;
  timestamp?: number;
  /** Default 3, like commands. */
  chunkStreamId?: number;
}

export function createDataMessage(values: readonly unknown[], options: DataMessageOptions = {}): Message {
  const amf3 = options.objectEncoding === 3;
  return createMessage(
    options.chunkStreamId ?? ChunkStreamId.Command,
    options.messageStreamId ?? 0,
    amf3 ? MessageType.DataAMF3 : MessageType.DataAMF0,
    amf3 ? encodeDataAmf3(values) : encodeData(values),
    options.timestamp ?? 0,
  );
}

/** Decodes a type 18 or type 15 message; any other type is ERR_MESSAGE_INVALID. */
export function decodeDataMessage(message: Pick<Message, 'type' | 'data'>, options?: AmfDecodeOptions): unknown[] {
  if (message.type === MessageType.DataAMF0) return decodeData(message.data, options);
  if (message.type === MessageType.DataAMF3) return decodeDataAmf3(message.data, options);
  throw invalid(`message type ${message.type} is not a data message`);
}

/**
 * The values a publisher sends to store metadata on the server: `@setDataFrame, onMetaData,
 * metadata`. A plain object is sent as an ECMA array (a marked copy; the argument is not
 * touched), as OBS and ffmpeg do: ffmpeg's reader only looks inside an ECMA array.
 */
export function setDataFrame(metadata: unknown, handler: string = ON_META_DATA): unknown[] {
  const isPlainObject =
    typeof metadata === 'object' && metadata !== null && Object.getPrototypeOf(metadata) === Object.prototype;
  return [SET_DATA_FRAME, handler, isPlainObject && !isEcmaArray(metadata) ? ecmaArray({ ...metadata }) : metadata];
}

/**
 * What the server forwards to players: the values without `@setDataFrame` (unchanged when it is
 * absent). The result shares the metadata value; nothing is re-encoded.
 */
export function stripSetDataFrame(values: readonly unknown[]): unknown[] {
  return values[0] === SET_DATA_FRAME ? values.slice(1) : values.slice();
}

/**
 * The metadata of an `onMetaData` data message, with or without `@setDataFrame` in front;
 * `undefined` for any other data message.
 */
export function getMetadata(values: readonly unknown[]): unknown {
  const rest = values[0] === SET_DATA_FRAME ? values.slice(1) : values;
  return rest[0] === ON_META_DATA ? rest[1] : undefined;
}
