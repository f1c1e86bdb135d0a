/**
 * AV1: the AV1CodecConfigurationRecord (AV1 ISOBMFF binding §2.3, the body of an Enhanced RTMP
 * av01 SequenceStart) and the sequence header OBU it carries (AV1 spec §5.5): profile, level,
 * tier, bit depth, maximum frame size and, with timing info, the frame rate.
 */
import { BitReader, codecInvalid, needBytes } from './bit-reader.js';

export interface Av1SequenceHeader {
  seqProfile: number;
  seqLevelIdx: number;
  seqTier: number;
  /** max_frame_width_minus_1 + 1. */
  width: number;
  height: number;
  /** time_scale / num_units_in_display_tick, with timing info. */
  frameRate?: number;
}

export interface Av1Config {
  version: number;
  seqProfile: number;
  seqLevelIdx: number;
  seqTier: number;
  bitDepth: number;
  monochrome: boolean;
  chromaSubsamplingX: number;
  chromaSubsamplingY: number;
  /** The configOBUs (usually the sequence header OBU). */
  configObus: Buffer;
  /** The sequence header when configOBUs holds one. */
  sequenceHeader?: Av1SequenceHeader;
  profile: string;
  /** "4.0" style level number, e.g. 4 for seq_level_idx 8, 3.1 for 5. */
  level: number;
  codecString: string;
}

export const Av1ObuType = { SequenceHeader: 1, TemporalDelimiter: 2 } as const;

export function parseAv1Config(record: Buffer): Av1Config {
  needBytes(record, 0, 4, 'AV1CodecConfigurationRecord');
  const marker = record[0]! >> 7;
  const version = record[0]! & 0x7f;
  if (marker !== 1 || version !== 1) throw codecInvalid(`AV1CodecConfigurationRecord marker ${marker} version ${version}, expected 1 and 1`);
  const seqProfile = record[1]! >> 5;
  const seqLevelIdx = record[1]! & 0x1f;
  const b2 = record[2]!;
  const seqTier = b2 >> 7;
  const highBitdepth = (b2 >> 6) & 1;
  const twelveBit = (b2 >> 5) & 1;
  const bitDepth = seqProfile === 2 && highBitdepth ? (twelveBit ? 12 : 10) : highBitdepth ? 10 : 8;
  const configObus = record.subarray(4);
  const config: Av1Config = {
    version,
    seqProfile,
    seqLevelIdx,
    seqTier,
    bitDepth,
    monochrome: ((b2 >> 4) & 1) === 1,
    chromaSubsamplingX: (b2 >> 3) & 1,
    chromaSubsamplingY: (b2 >> 2) & 1,
    configObus,
    profile: av1ProfileName(seqProfile),
    level: av1Level(seqLevelIdx),
    codecString: `av01.${seqProfile}.${String(seqLevelIdx).padStart(2, '0')}${seqTier ? 'H' : 'M'}.${String(bitDepth).padStart(2, '0')}`,
  };
  const sequenceHeader = findSequenceHeader(configObus);
  if (sequenceHeader !== undefined) config.sequenceHeader = sequenceHeader;
  return config;
}

/** Walks OBUs (§5.3) and parses the first sequence header; undefined when there is none. */
export function findSequenceHeader(obus: Buffer): Av1SequenceHeader | undefined {
  let offset = 0;
  while (offset < obus.length) {
    const header = obus[offset]!;
    if (header & 0x80) throw codecInvalid('AV1 OBU forbidden bit set');
    const type = (header >> 3) & 0x0f;
    const hasExtension = (header & 0x04) !== 0;
    const hasSize = (header & 0x02) !== 0;
    let pos = offset + 1 + (hasExtension ? 1 : 0);
    let size: number;
    if (hasSize) {
      const leb = readLeb128(obus, pos);
      size = leb.value;
      pos = leb.end;
    } else {
      size = obus.length - pos;
    }
    needBytes(obus, pos, size, 'AV1 OBU');
    if (type === Av1ObuType.SequenceHeader) return parseAv1SequenceHeader(obus.subarray(pos, pos + size));
    offset = pos + size;
  }
  return undefined;
}

export function parseAv1SequenceHeader(payload: Buffer): Av1SequenceHeader {
  const r = new BitReader(payload, 0, payload.length, 'AV1 sequence header');
  const seqProfile = r.bits(3);
  r.skip(1); // still_picture
  const reduced = r.flag();
  let seqLevelIdx: number;
  let seqTier = 0;
  let frameRate: number | undefined;
  if (reduced) {
    seqLevelIdx = r.bits(5);
  } else {
    let decoderModelInfoPresent = false;
    let bufferDelayLength = 0;
    if (r.flag()) {
      // timing_info (§5.5.3)
      const numUnitsInDisplayTick = r.bits(32);
      const timeScale = r.bits(32);
      if (numUnitsInDisplayTick > 0 && timeScale > 0) frameRate = timeScale / numUnitsInDisplayTick;
      if (r.flag()) readUvlc(r); // equal_picture_interval → num_ticks_per_picture_minus_1
      decoderModelInfoPresent = r.flag();
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.bits(5) + 1;
        r.skip(32 + 5 + 5); // num_units_in_decoding_tick, removal/presentation time lengths
      }
    }
    const initialDisplayDelayPresent = r.flag();
    const operatingPoints = r.bits(5) + 1;
    seqLevelIdx = 0;
    for (let i = 0; i < operatingPoints; i++) {
      r.skip(12); // operating_point_idc
      const level = r.bits(5);
      const tier = level > 7 ? r.bits(1) : 0;
      if (i === 0) {
        seqLevelIdx = level;
        seqTier = tier;
      }
      if (decoderModelInfoPresent && r.flag()) r.skip(2 * bufferDelayLength + 1);
      if (initialDisplayDelayPresent && r.flag()) r.skip(4);
    }
  }
  const widthBits = r.bits(4) + 1;
  const heightBits = r.bits(4) + 1;
  const width = r.bits(widthBits) + 1;
  const height = r.bits(heightBits) + 1;
  const header: Av1SequenceHeader = { seqProfile, seqLevelIdx, seqTier, width, height };
  if (frameRate !== undefined) header.frameRate = frameRate;
  return header;
}

/** leb128() (§4.10.5): at most 8 bytes, value < 2^32. */
export function readLeb128(buf: Buffer, offset: number): { value: number; end: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    needBytes(buf, offset + i, 1, 'AV1 leb128');
    const byte = buf[offset + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw codecInvalid('AV1 leb128 value exceeds 32 bits');
      return { value, end: offset + i + 1 };
    }
  }
  throw codecInvalid('AV1 leb128 longer than 8 bytes');
}

/** uvlc() (§4.10.3). */
function readUvlc(r: BitReader): number {
  let zeros = 0;
  while (!r.flag()) {
    if (++zeros >= 32) return 0xffffffff;
  }
  return zeros === 0 ? 0 : r.bits(zeros) + 2 ** zeros - 1;
}

export function av1ProfileName(profile: number): string {
  return ['Main', 'High', 'Professional'][profile] ?? `Profile ${profile}`;
}

/** seq_level_idx → level X.Y (Annex A.3): X = 2 + (idx >> 2), Y = idx & 3. */
export function av1Level(idx: number): number {
  return 2 + (idx >> 2) + (idx & 3) / 10;
}
