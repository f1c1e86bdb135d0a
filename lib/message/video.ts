/**
 * A light parser for the first bytes of a Video message (type 9) payload: the FLV VIDEODATA header
 * (Adobe FLV spec v10.1 §E.4.3) with the AVC/HEVC packet type and composition time, and the
 * Enhanced RTMP extended header (bit 0x80 of the first byte). The payload stays opaque.
 */
import { need, readInt24 } from './fields.js';
import { MultitrackType } from './audio.js';
import { effectiveExPacketType } from './ex-packet.js';

/** FrameType (FLV spec §E.4.3.1). */
export const VideoFrameType = {
  Keyframe: 1,
  InterFrame: 2,
  DisposableInterFrame: 3,
  /** Reserved for server use: a keyframe the server generated (seekable). */
  GeneratedKeyframe: 4,
  /** Video info/command frame: not a picture. */
  InfoOrCommand: 5,
} as const;

/** CodecID (FLV spec §E.4.3.1); 12 is the HEVC id legacy FLV extensions use. */
export const VideoCodecId = {
  SorensonH263: 2,
  ScreenVideo: 3,
  Vp6: 4,
  Vp6Alpha: 5,
  ScreenVideo2: 6,
  Avc: 7,
  Hevc: 12,
} as const;

/** AVCPacketType (FLV spec §E.4.3.1), also used by legacy HEVC (codec id 12). */
export const AvcPacketType = {
  SequenceHeader: 0,
  Nalu: 1,
  EndOfSequence: 2,
} as const;

/** Enhanced RTMP VideoPacketType (low nibble of the first byte when bit 0x80 is set). */
export const VideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  /** CodedFrames with the composition time implied to be 0. */
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;

export interface LegacyVideoHeader {
  isExHeader: false;
  frameType: number;
  codecId: number;
  /** AVC/HEVC only (and not for info/command frames). */
  avcPacketType?: number;
  /** AVC/HEVC only: signed 24-bit composition time offset in ms. */
  compositionTime?: number;
  /** Bytes before the codec data. */
  headerLength: number;
}

export interface ExVideoHeader {
  isExHeader: true;
  frameType: number;
  /** A `VideoPacketType`. */
  packetType: number;
  /** Codec FourCC ("avc1", "hvc1", "av01", "vp09"); absent for ModEx and many-codec multitrack. */
  fourCc?: string;
  /** For CodedFrames of avc1/hvc1: signed 24-bit composition time offset in ms. */
  compositionTime?: number;
  /** For Multitrack packets: the `MultitrackType` and the packet type that applies to the tracks. */
  multitrackType?: number;
  trackPacketType?: number;
  /** Bytes before the codec data (for Multitrack: before the first track; for ModEx: 1). */
  headerLength: number;
}

export type VideoHeader = LegacyVideoHeader | ExVideoHeader;

const EX_HEADER_BIT = 0x80;

export function decodeVideoHeader(payload: Buffer): VideoHeader {
  need(payload, 0, 1, 'video header');
  const first = payload[0]!;
  if (first & EX_HEADER_BIT) return decodeExVideoHeader(payload, (first >> 4) & 0x07, first & 0x0f);
  const header: LegacyVideoHeader = { isExHeader: false, frameType: first >> 4, codecId: first & 0x0f, headerLength: 1 };
  const isAvcLike = header.codecId === VideoCodecId.Avc || header.codecId === VideoCodecId.Hevc;
  // An info/command frame carries a command byte, not an AVC packet header (FLV spec §E.4.3.1).
  if (isAvcLike && header.frameType !== VideoFrameType.InfoOrCommand) {
    need(payload, 1, 4, 'AVC packet header');
    header.avcPacketType = payload[1]!;
    header.compositionTime = readInt24(payload, 2);
    header.headerLength = 5;
  }
  return header;
}

function decodeExVideoHeader(payload: Buffer, frameType: number, packetType: number): ExVideoHeader {
  if (packetType === VideoPacketType.ModEx) return { isExHeader: true, frameType, packetType, headerLength: 1 };
  if (packetType === VideoPacketType.Multitrack) {
    need(payload, 1, 1, 'video multitrack type');
    const multitrackType = payload[1]! >> 4;
    const trackPacketType = payload[1]! & 0x0f;
    if (multitrackType === MultitrackType.ManyTracksManyCodecs) {
      return { isExHeader: true, frameType, packetType, multitrackType, trackPacketType, headerLength: 2 };
    }
    need(payload, 2, 4, 'video FourCC');
    const fourCc = payload.toString('latin1', 2, 6);
    return { isExHeader: true, frameType, packetType, multitrackType, trackPacketType, fourCc, headerLength: 6 };
  }
  need(payload, 1, 4, 'video FourCC');
  const header: ExVideoHeader = { isExHeader: true, frameType, packetType, fourCc: payload.toString('latin1', 1, 5), headerLength: 5 };
  // Enhanced RTMP: only avc1/hvc1 CodedFrames carry a composition time (CodedFramesX implies 0).
  if (packetType === VideoPacketType.CodedFrames && (header.fourCc === 'avc1' || header.fourCc === 'hvc1')) {
    need(payload, 5, 3, 'composition time');
    header.compositionTime = readInt24(payload, 5);
    header.headerLength = 8;
  }
  return header;
}

/** True for a keyframe (frame type 1, or 4 = server-generated keyframe), legacy or enhanced; never throws. */
export function isKeyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const frameType = (payload[0]! >> 4) & 0x07;
  return frameType === VideoFrameType.Keyframe || frameType === VideoFrameType.GeneratedKeyframe;
}

/**
 * The VideoPacketType an Enhanced RTMP payload carries once ModEx blocks are skipped, the tracks'
 * one for a Multitrack packet; -1 for a legacy or cut-short payload. Never throws.
 */
export function videoExPacketType(payload: Buffer): number {
  if (payload.length < 1 || (payload[0]! & EX_HEADER_BIT) === 0) return -1;
  return effectiveExPacketType(payload, VideoPacketType.Multitrack);
}

/**
 * True for a decoder configuration: AVC/HEVC sequence header (`0x17 0x00` / `0x1C 0x00`) or an
 * Enhanced RTMP SequenceStart / MPEG2TSSequenceStart, also inside ModEx or Multitrack; never throws.
 */
export function isVideoSequenceHeader(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const first = payload[0]!;
  if (first & EX_HEADER_BIT) {
    const packetType = videoExPacketType(payload);
    return packetType === VideoPacketType.SequenceStart || packetType === VideoPacketType.Mpeg2TsSequenceStart;
  }
  const codecId = first & 0x0f;
  return (
    (codecId === VideoCodecId.Avc || codecId === VideoCodecId.Hevc) &&
    first >> 4 !== VideoFrameType.InfoOrCommand &&
    payload[1] === AvcPacketType.SequenceHeader
  );
}

/** True for an Enhanced RTMP SequenceEnd (also inside ModEx or Multitrack), or a legacy AVC/HEVC end of sequence; never throws. */
export function isVideoSequenceEnd(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const first = payload[0]!;
  if (first & EX_HEADER_BIT) return videoExPacketType(payload) === VideoPacketType.SequenceEnd;
  const codecId = first & 0x0f;
  return (
    (codecId === VideoCodecId.Avc || codecId === VideoCodecId.Hevc) &&
    first >> 4 !== VideoFrameType.InfoOrCommand &&
    payload[1] === AvcPacketType.EndOfSequence
  );
}
