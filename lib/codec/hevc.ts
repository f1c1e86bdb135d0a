/**
 * H.265/HEVC: the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1, the body of an
 * Enhanced RTMP hvc1 SequenceStart and of the legacy codec-id-12 sequence header) and the SPS
 * fields a description needs (ITU-T H.265 §7.3.2.2: profile_tier_level, size, conformance window).
 */
import { BitReader, codecInvalid, needBytes, unescapeRbsp } from './bit-reader.js';

export interface HevcSps {
  generalProfileSpace: number;
  generalTierFlag: boolean;
  generalProfileIdc: number;
  generalLevelIdc: number;
  chromaFormatIdc: number;
  bitDepth: number;
  codedWidth: number;
  codedHeight: number;
  /** After the conformance window. */
  width: number;
  height: number;
}

export interface HevcNalArray {
  nalUnitType: number;
  completeness: boolean;
  nalUnits: Buffer[];
}

export interface HevcDecoderConfig {
  configurationVersion: number;
  generalProfileSpace: number;
  generalTierFlag: boolean;
  generalProfileIdc: number;
  generalProfileCompatibilityFlags: number;
  generalLevelIdc: number;
  chromaFormatIdc: number;
  bitDepthLuma: number;
  /** avgFrameRate / 256 when the record sets it (0 = unspecified, what most muxers write). */
  frameRate?: number;
  nalUnitLengthSize: number;
  arrays: HevcNalArray[];
  /** The first SPS parsed, when the record carries one. */
  spsInfo?: HevcSps;
  profile: string;
  tier: 'Main' | 'High';
  /** general_level_idc / 30: 3.1 for 93. */
  level: number;
  /** RFC 6381-style codec string, e.g. "hvc1.1.6.L93.B0". */
  codecString: string;
}

export const HevcNalType = { Vps: 32, Sps: 33, Pps: 34 } as const;

export function parseHevcDecoderConfig(record: Buffer): HevcDecoderConfig {
  needBytes(record, 0, 23, 'HEVCDecoderConfigurationRecord');
  const configurationVersion = record[0]!;
  if (configurationVersion !== 1) throw codecInvalid(`HEVCDecoderConfigurationRecord version ${configurationVersion}, expected 1`);
  const generalProfileSpace = record[1]! >> 6;
  const generalTierFlag = (record[1]! & 0x20) !== 0;
  const generalProfileIdc = record[1]! & 0x1f;
  const generalProfileCompatibilityFlags = record.readUInt32BE(2);
  const generalLevelIdc = record[12]!;
  const avgFrameRate = record.readUInt16BE(19);
  const nalUnitLengthSize = (record[21]! & 0x03) + 1;
  if (nalUnitLengthSize === 3) throw codecInvalid('HEVCDecoderConfigurationRecord: lengthSizeMinusOne 2 is not allowed');
  const numArrays = record[22]!;
  const arrays: HevcNalArray[] = [];
  let offset = 23;
  for (let i = 0; i < numArrays; i++) {
    needBytes(record, offset, 3, 'HEVCDecoderConfigurationRecord array header');
    const nalUnitType = record[offset]! & 0x3f;
    const completeness = (record[offset]! & 0x80) !== 0;
    const count = record.readUInt16BE(offset + 1);
    offset += 3;
    const nalUnits: Buffer[] = [];
    for (let j = 0; j < count; j++) {
      needBytes(record, offset, 2, 'HEVCDecoderConfigurationRecord NAL length');
      const length = record.readUInt16BE(offset);
      needBytes(record, offset + 2, length, 'HEVCDecoderConfigurationRecord NAL unit');
      nalUnits.push(record.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    arrays.push({ nalUnitType, completeness, nalUnits });
  }
  const spsNal = arrays.find((a) => a.nalUnitType === HevcNalType.Sps)?.nalUnits[0];
  const config: HevcDecoderConfig = {
    configurationVersion,
    generalProfileSpace,
    generalTierFlag,
    generalProfileIdc,
    generalProfileCompatibilityFlags,
    generalLevelIdc,
    chromaFormatIdc: record[16]! & 0x03,
    bitDepthLuma: (record[17]! & 0x07) + 8,
    nalUnitLengthSize,
    arrays,
    profile: hevcProfileName(generalProfileIdc),
    tier: generalTierFlag ? 'High' : 'Main',
    level: generalLevelIdc / 30,
    codecString: `hvc1.${generalProfileIdc}.${reverseBits32(generalProfileCompatibilityFlags).toString(16)}.${generalTierFlag ? 'H' : 'L'}${generalLevelIdc}`,
  };
  if (avgFrameRate > 0) config.frameRate = avgFrameRate / 256;
  if (spsNal !== undefined) config.spsInfo = parseHevcSps(spsNal);
  return config;
}

/** Parses an SPS NAL unit (with its 2-byte NAL header, nal_unit_type 33). */
export function parseHevcSps(nal: Buffer): HevcSps {
  needBytes(nal, 0, 3, 'H.265 SPS');
  const nalType = (nal[0]! >> 1) & 0x3f;
  if (nalType !== HevcNalType.Sps) throw codecInvalid(`H.265 NAL unit type ${nalType} is not an SPS (33)`);
  const r = new BitReader(unescapeRbsp(nal), 2, undefined, 'H.265 SPS');
  r.skip(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  if (maxSubLayersMinus1 > 6) throw codecInvalid(`H.265 SPS sps_max_sub_layers_minus1 ${maxSubLayersMinus1} > 6`);
  r.skip(1); // sps_temporal_id_nesting_flag
  // profile_tier_level(1, sps_max_sub_layers_minus1), §7.3.3
  const generalProfileSpace = r.bits(2);
  const generalTierFlag = r.flag();
  const generalProfileIdc = r.bits(5);
  r.skip(32 + 48); // compatibility flags, progressive/interlaced/constraint flags
  const generalLevelIdc = r.bits(8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.flag());
    levelPresent.push(r.flag());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88);
    if (levelPresent[i]) r.skip(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.ue();
  if (chromaFormatIdc > 3) throw codecInvalid(`H.265 SPS chroma_format_idc ${chromaFormatIdc}`);
  if (chromaFormatIdc === 3) r.skip(1); // separate_colour_plane_flag
  const codedWidth = r.ue();
  const codedHeight = r.ue();
  let width = codedWidth;
  let height = codedHeight;
  if (r.flag()) {
    // conformance_window_flag: offsets in chroma units (§7.4.3.2.1, SubWidthC/SubHeightC)
    const subWidthC = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
    const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
    const left = r.ue();
    const right = r.ue();
    const top = r.ue();
    const bottom = r.ue();
    width -= subWidthC * (left + right);
    height -= subHeightC * (top + bottom);
  }
  if (width <= 0 || height <= 0) throw codecInvalid(`H.265 SPS gives a ${width}x${height} picture`);
  const bitDepth = r.ue() + 8;
  return { generalProfileSpace, generalTierFlag, generalProfileIdc, generalLevelIdc, chromaFormatIdc, bitDepth, codedWidth, codedHeight, width, height };
}

export function hevcProfileName(profileIdc: number): string {
  switch (profileIdc) {
    case 1:
      return 'Main';
    case 2:
      return 'Main 10';
    case 3:
      return 'Main Still Picture';
    case 4:
      return 'Rext';
    case 5:
      return 'High Throughput';
    case 9:
      return 'Screen Content';
    default:
      return `Profile ${profileIdc}`;
  }
}

function reverseBits32(v: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) out = out * 2 + ((v >>> i) & 1);
  return out;
}
