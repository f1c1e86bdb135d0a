/**
 * The FLV file header (Adobe FLV spec v10.1 §E.2):
 *
 *   'F' 'L' 'V' | Version (1) | TypeFlags (1: bit 2 audio, bit 0 video, others reserved 0)
 *   | DataOffset (4, the header's own length: 9 for version 1)
 *
 * followed in the body (§E.3) by PreviousTagSize0 (4 bytes, always 0).
 */
import { ErrorCode, FlvError } from '../errors.js';

export const FLV_HEADER_LENGTH = 9;
export const FLV_PREVIOUS_TAG_SIZE_LENGTH = 4;
const SIGNATURE = [0x46, 0x4c, 0x56]; // "FLV"
const AUDIO_FLAG = 0x04;
const VIDEO_FLAG = 0x01;

export interface FlvHeader {
  version: number;
  /** TypeFlagsAudio: the file says it has audio tags. */
  hasAudio: boolean;
  /** TypeFlagsVideo: the file says it has video tags. */
  hasVideo: boolean;
  /** DataOffset: where the body starts (9 for version 1; more means extra header bytes to skip). */
  dataOffset: number;
}

/** The 9-byte header followed by PreviousTagSize0 (13 bytes). */
export function encodeFlvHeader(flags: { hasAudio: boolean; hasVideo: boolean }): Buffer {
  const buf = Buffer.alloc(FLV_HEADER_LENGTH + FLV_PREVIOUS_TAG_SIZE_LENGTH);
  buf[0] = SIGNATURE[0]!;
  buf[1] = SIGNATURE[1]!;
  buf[2] = SIGNATURE[2]!;
  buf[3] = 1;
  buf[4] = (flags.hasAudio ? AUDIO_FLAG : 0) | (flags.hasVideo ? VIDEO_FLAG : 0);
  buf.writeUInt32BE(FLV_HEADER_LENGTH, 5);
  return buf; // PreviousTagSize0 is already 0 (§E.3)
}

/** Decodes the first 9 bytes. ERR_FLV_BAD_SIGNATURE for a non-FLV, ERR_FLV_BAD_HEADER for a bad DataOffset. */
export function decodeFlvHeader(buf: Buffer, offset = 0): FlvHeader {
  if (buf.length - offset < FLV_HEADER_LENGTH) {
    throw new FlvError(ErrorCode.FLV_TRUNCATED, `FLV header needs ${FLV_HEADER_LENGTH} bytes, got ${Math.max(0, buf.length - offset)}`);
  }
  if (buf[offset] !== SIGNATURE[0] || buf[offset + 1] !== SIGNATURE[1] || buf[offset + 2] !== SIGNATURE[2]) {
    throw new FlvError(ErrorCode.FLV_BAD_SIGNATURE, `not an FLV file: signature ${buf.toString('hex', offset, offset + 3)}, expected 464c56 ("FLV")`);
  }
  const flags = buf[offset + 4]!;
  const dataOffset = buf.readUInt32BE(offset + 5);
  // §E.2: DataOffset is the header's size, 9 in version 1; less cannot hold the header.
  if (dataOffset < FLV_HEADER_LENGTH) {
    throw new FlvError(ErrorCode.FLV_BAD_HEADER, `FLV DataOffset ${dataOffset} is smaller than the ${FLV_HEADER_LENGTH}-byte header`);
  }
  return {
    version: buf[offset + 3]!,
    hasAudio: (flags & AUDIO_FLAG) !== 0,
    hasVideo: (flags & VIDEO_FLAG) !== 0,
    dataOffset,
  };
}
