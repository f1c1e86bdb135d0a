/**
 * VP9: the VPCodecConfigurationRecord (VP Codec ISO Media File Format Binding §2.2, the body of an
 * Enhanced RTMP vp09 SequenceStart; accepted with or without the 4-byte version/flags of the
 * `vpcC` box) and the frame size from a keyframe's uncompressed header (VP9 spec §6.2), which the
 * record does not carry.
 */
import { BitReader, codecInvalid, needBytes } from './bit-reader.js';

export interface Vp9Config {
  profile: number;
  /** level × 10 as coded (10 = level 1, 31 = 3.1). */
  levelCode: number;
  level: number;
  bitDepth: number;
  chromaSubsampling: number;
  videoFullRange: boolean;
  colourPrimaries: number;
  transferCharacteristics: number;
  matrixCoefficients: number;
  codecString: string;
}

const BIT_DEPTHS = new Set([8, 10, 12]);

export function parseVp9Config(record: Buffer): Vp9Config {
  // A vpcC FullBox body starts with version 1 and flags 0; a bare record starts with the profile,
  // and its bit depth nibble then sits in byte 2.
  const boxed = record.length >= 12 && record[0] === 1 && record[1] === 0 && record[2] === 0 && record[3] === 0;
  const o = boxed ? 4 : 0;
  needBytes(record, o, 8, 'VPCodecConfigurationRecord');
  const profile = record[o]!;
  const levelCode = record[o + 1]!;
  const bitDepth = record[o + 2]! >> 4;
  if (profile > 3) throw codecInvalid(`VPCodecConfigurationRecord: VP9 profile ${profile}`);
  if (!BIT_DEPTHS.has(bitDepth)) throw codecInvalid(`VPCodecConfigurationRecord: bit depth ${bitDepth}`);
  return {
    profile,
    levelCode,
    level: levelCode / 10,
    bitDepth,
    chromaSubsampling: (record[o + 2]! >> 1) & 0x07,
    videoFullRange: (record[o + 2]! & 1) === 1,
    colourPrimaries: record[o + 3]!,
    transferCharacteristics: record[o + 4]!,
    matrixCoefficients: record[o + 5]!,
    codecString: `vp09.${pad2(profile)}.${pad2(levelCode)}.${pad2(bitDepth)}`,
  };
}

/** Width and height from a VP9 keyframe's uncompressed header; undefined for other frames. */
export function parseVp9FrameSize(frame: Buffer): { width: number; height: number; profile: number } | undefined {
  const r = new BitReader(frame, 0, frame.length, 'VP9 frame header');
  if (r.bits(2) !== 2) throw codecInvalid('VP9 frame_marker is not 2');
  const low = r.bit();
  const high = r.bit();
  const profile = (high << 1) | low;
  if (profile === 3) r.skip(1); // reserved_zero
  if (r.flag()) return undefined; // show_existing_frame
  if (r.bit() !== 0) return undefined; // frame_type: not a keyframe
  r.skip(2); // show_frame, error_resilient_mode
  if (r.bits(24) !== 0x498342) throw codecInvalid('VP9 keyframe sync code mismatch');
  // color_config (§6.2.2)
  if (profile >= 2) r.skip(1); // ten_or_twelve_bit
  const colorSpace = r.bits(3);
  if (colorSpace !== 7) {
    r.skip(1); // color_range
    if (profile === 1 || profile === 3) r.skip(3); // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) {
    r.skip(1);
  }
  return { width: r.bits(16) + 1, height: r.bits(16) + 1, profile };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
