/**
 * FLV tags (Adobe FLV spec v10.1 §E.4.1), a pure codec:
 *
 *   Reserved (2 bits, 0) | Filter (1 bit) | TagType (5 bits: 8 audio, 9 video, 18 script data)
 *   | DataSize (3) | Timestamp (3, low 24 bits) | TimestampExtended (1, the upper 8 bits)
 *   | StreamID (3, always 0) | Data (DataSize bytes)
 *
 * and after each tag its PreviousTagSize (4) = 11 + DataSize (§E.3).
 */
import { ErrorCode, FlvError } from '../errors.js';

export const FLV_TAG_HEADER_LENGTH = 11;
/** DataSize is 24 bits (§E.4.1). */
export const FLV_MAX_DATA_SIZE = 0xffffff;

export const FlvTagType = {
  Audio: 8,
  Video: 9,
  ScriptData: 18,
} as const;
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

export interface FlvTagHeader {
  /** TagType, the low 5 bits of the first byte. */
  type: number;
  /** The Filter bit: the tag is encrypted/pre-processed (§E.4.1); its body is not plain media. */
  filter: boolean;
  /** The two reserved bits (must be 0). */
  reserved: number;
  dataSize: number;
  /** 32-bit ms: Timestamp | TimestampExtended << 24. */
  timestamp: number;
  /** StreamID: always 0 in a valid file. */
  streamId: number;
}

export interface FlvTag {
  type: number;
  timestamp: number;
  data: Buffer;
}

/** Reads an 11-byte tag header at `offset`; the caller guarantees 11 bytes are there. */
export function decodeFlvTagHeader(buf: Buffer, offset = 0): FlvTagHeader {
  if (buf.length - offset < FLV_TAG_HEADER_LENGTH) {
    throw new FlvError(ErrorCode.FLV_TRUNCATED, `FLV tag header needs ${FLV_TAG_HEADER_LENGTH} bytes, got ${Math.max(0, buf.length - offset)}`);
  }
  const first = buf[offset]!;
  return {
    type: first & 0x1f,
    filter: (first & 0x20) !== 0,
    reserved: first >> 6,
    dataSize: buf.readUIntBE(offset + 1, 3),
    // §E.4.1: TimestampExtended is the upper 8 bits of the 32-bit timestamp.
    timestamp: (buf.readUIntBE(offset + 4, 3) | (buf[offset + 7]! << 24)) >>> 0,
    streamId: buf.readUIntBE(offset + 8, 3),
  };
}

/** Writes an 11-byte tag header into `target` at `offset`. */
export function writeFlvTagHeader(target: Buffer, offset: number, type: number, dataSize: number, timestamp: number): void {
  if (dataSize > FLV_MAX_DATA_SIZE) {
    throw new FlvError(ErrorCode.FLV_TAG_TOO_LARGE, `FLV tag data of ${dataSize} bytes does not fit the 24-bit DataSize`);
  }
  const ts = timestamp >>> 0;
  target[offset] = type & 0x1f;
  target.writeUIntBE(dataSize, offset + 1, 3);
  target.writeUIntBE(ts & 0xffffff, offset + 4, 3);
  target[offset + 7] = ts >>> 24;
  target.writeUIntBE(0, offset + 8, 3);
}

/** The 11-byte tag header. */
export function encodeFlvTagHeader(type: number, dataSize: number, timestamp: number): Buffer {
  const buf = Buffer.allocUnsafe(FLV_TAG_HEADER_LENGTH);
  writeFlvTagHeader(buf, 0, type, dataSize, timestamp);
  return buf;
}

/**
 * A whole tag followed by its PreviousTagSize, as [header, data, trailer]: the data is not copied,
 * so a writer can hand the three parts to `_writev`/`push` as they are.
 */
export function encodeFlvTag(tag: FlvTag): [Buffer, Buffer, Buffer] {
  const header = Buffer.allocUnsafe(FLV_TAG_HEADER_LENGTH + 4);
  writeFlvTagHeader(header, 0, tag.type, tag.data.length, tag.timestamp);
  const trailer = header.subarray(FLV_TAG_HEADER_LENGTH);
  trailer.writeUInt32BE(FLV_TAG_HEADER_LENGTH + tag.data.length, 0);
  return [header.subarray(0, FLV_TAG_HEADER_LENGTH), tag.data, trailer];
}
