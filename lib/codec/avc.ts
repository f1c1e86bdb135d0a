/**
 * H.264/AVC: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1, the body of an FLV
 * AVC sequence header and of Enhanced RTMP avc1 SequenceStart) and the sequence parameter set
 * fields a stream description needs (ITU-T H.264 §7.3.2.1.1 and Annex E VUI).
 */
import { BitReader, codecInvalid, needBytes, unescapeRbsp } from './bit-reader.js';

export interface AvcSps {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepth: number;
  /** Macroblock-aligned size before cropping (e.g. 1920x1088). */
  codedWidth: number;
  codedHeight: number;
  /** Display size after the frame cropping rectangle. */
  width: number;
  height: number;
  frameMbsOnly: boolean;
  /** From VUI timing: time_scale / (2 * num_units_in_tick); absent without timing info. */
  frameRate?: number;
  /** Sample aspect ratio from the VUI, when present. */
  sampleAspectRatio?: [number, number];
}

export interface AvcDecoderConfig {
  configurationVersion: number;
  profileIdc: number;
  profileCompatibility: number;
  levelIdc: number;
  /** Bytes in each NAL unit length prefix (1, 2 or 4). */
  nalUnitLengthSize: number;
  sps: Buffer[];
  pps: Buffer[];
  /** The first SPS parsed. */
  spsInfo: AvcSps;
  /** Profile name ("High", "Main", "Constrained Baseline"...). */
  profile: string;
  /** Level as a number: 3.1 for level_idc 31. */
  level: number;
  /** RFC 6381 codec string, e.g. "avc1.64001f". */
  codecString: string;
}

/** Parses an AVCDecoderConfigurationRecord and its first SPS. */
export function parseAvcDecoderConfig(record: Buffer): AvcDecoderConfig {
  needBytes(record, 0, 6, 'AVCDecoderConfigurationRecord');
  const configurationVersion = record[0]!;
  if (configurationVersion !== 1) throw codecInvalid(`AVCDecoderConfigurationRecord version ${configurationVersion}, expected 1`);
  const nalUnitLengthSize = (record[4]! & 0x03) + 1;
  if (nalUnitLengthSize === 3) throw codecInvalid('AVCDecoderConfigurationRecord: lengthSizeMinusOne 2 is not allowed');
  let offset = 5;
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  const spsCount = record[offset++]! & 0x1f;
  for (let i = 0; i < spsCount; i++) offset = readNal(record, offset, sps, 'SPS');
  needBytes(record, offset, 1, 'AVCDecoderConfigurationRecord PPS count');
  const ppsCount = record[offset++]!;
  for (let i = 0; i < ppsCount; i++) offset = readNal(record, offset, pps, 'PPS');
  if (sps.length === 0) throw codecInvalid('AVCDecoderConfigurationRecord has no SPS');
  const spsInfo = parseAvcSps(sps[0]!);
  const profileIdc = record[1]!;
  const levelIdc = record[3]!;
  return {
    configurationVersion,
    profileIdc,
    profileCompatibility: record[2]!,
    levelIdc,
    nalUnitLengthSize,
    sps,
    pps,
    spsInfo,
    profile: avcProfileName(spsInfo.profileIdc, spsInfo.constraintFlags),
    level: spsInfo.levelIdc / 10,
    codecString: `avc1.${hex2(profileIdc)}${hex2(record[2]!)}${hex2(levelIdc)}`,
  };
}

function readNal(record: Buffer, offset: number, out: Buffer[], what: string): number {
  needBytes(record, offset, 2, `AVCDecoderConfigurationRecord ${what} length`);
  const length = record.readUInt16BE(offset);
  needBytes(record, offset + 2, length, `AVCDecoderConfigurationRecord ${what}`);
  out.push(record.subarray(offset + 2, offset + 2 + length));
  return offset + 2 + length;
}

/** Profiles whose SPS carries chroma_format_idc and bit depths (H.264 §7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Parses an SPS NAL unit (with its 1-byte NAL header, nal_unit_type 7). */
export function parseAvcSps(nal: Buffer): AvcSps {
  needBytes(nal, 0, 4, 'H.264 SPS');
  if ((nal[0]! & 0x1f) !== 7) throw codecInvalid(`H.264 NAL unit type ${nal[0]! & 0x1f} is not an SPS (7)`);
  const r = new BitReader(unescapeRbsp(nal), 1, undefined, 'H.264 SPS');
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepth = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc > 3) throw codecInvalid(`H.264 SPS chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepth = r.ue() + 8;
    r.ue(); // bit_depth_chroma_minus8
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: skip the scaling lists (§7.3.2.1.1.1)
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const picOrderCntType = r.ue();
  if (picOrderCntType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) throw codecInvalid(`H.264 SPS num_ref_frames_in_pic_order_cnt_cycle ${cycle} > 255`);
    for (let i = 0; i < cycle; i++) r.se();
  } else if (picOrderCntType !== 2) {
    throw codecInvalid(`H.264 SPS pic_order_cnt_type ${picOrderCntType}`);
  }
  r.ue(); // max_num_ref_frames
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  const codedWidth = widthMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  let width = codedWidth;
  let height = codedHeight;
  if (r.flag()) {
    // frame_cropping_flag: offsets in chroma units (§7.4.2.1.1, CropUnitX/CropUnitY)
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const cropUnitX = chromaArrayType === 0 ? 1 : chromaFormatIdc === 3 ? 1 : 2;
    const cropUnitY = (chromaArrayType === 0 ? 1 : chromaFormatIdc === 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
    const left = r.ue();
    const right = r.ue();
    const top = r.ue();
    const bottom = r.ue();
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) throw codecInvalid(`H.264 SPS cropping leaves ${width}x${height}`);
  }
  const sps: AvcSps = { profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepth, codedWidth, codedHeight, width, height, frameMbsOnly };
  if (r.flag()) readVui(r, sps);
  return sps;
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size && next !== 0; j++) {
    next = (last + r.se() + 256) % 256;
    if (next !== 0) last = next;
  }
}

/** Annex E.1.1, up to the timing info. A VUI cut short leaves the fields it did not reach unset. */
function readVui(r: BitReader, sps: AvcSps): void {
  if (r.flag()) {
    const aspectRatioIdc = r.bits(8);
    if (aspectRatioIdc === 255) sps.sampleAspectRatio = [r.bits(16), r.bits(16)];
    else if (aspectRatioIdc > 0 && aspectRatioIdc < SAR.length) sps.sampleAspectRatio = SAR[aspectRatioIdc]!;
  }
  if (r.flag()) r.skip(1); // overscan_appropriate_flag
  if (r.flag()) {
    r.skip(4); // video_format, video_full_range_flag
    if (r.flag()) r.skip(24); // colour_primaries, transfer_characteristics, matrix_coefficients
  }
  if (r.flag()) {
    r.ue();
    r.ue(); // chroma_sample_loc_type_top/bottom_field
  }
  if (r.flag()) {
    const numUnitsInTick = r.bits(32);
    const timeScale = r.bits(32);
    if (numUnitsInTick > 0 && timeScale > 0) sps.frameRate = timeScale / (2 * numUnitsInTick);
  }
}

/** Table E-1 sample aspect ratios. */
const SAR: [number, number][] = [
  [0, 0], [1, 1], [12, 11], [10, 11], [16, 11], [40, 33], [24, 11], [20, 11], [32, 11],
  [80, 33], [18, 11], [15, 11], [64, 33], [160, 99], [4, 3], [3, 2], [2, 1],
];

export function avcProfileName(profileIdc: number, constraintFlags: number): string {
  switch (profileIdc) {
    case 66:
      return constraintFlags & 0x40 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return 'High';
    case 110:
      return 'High 10';
    case 122:
      return 'High 4:2:2';
    case 244:
      return 'High 4:4:4 Predictive';
    case 44:
      return 'CAVLC 4:4:4';
    default:
      return `Profile ${profileIdc}`;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
