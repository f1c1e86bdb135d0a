/**
 * A light parser for the first bytes of an Audio message (type 8) payload: the FLV AUDIODATA
 * header (Adobe FLV spec v10.1 §E.4.2) and the Enhanced RTMP v2 extended header (SoundFormat 9).
 * The payload itself stays opaque: codec data is never copied or interpreted here.
 */
import { need } from './fields.js';
import { effectiveExPacketType } from './ex-packet.js';

/** SoundFormat, the high nibble of the first byte (FLV spec §E.4.2.1). */
export const SoundFormat = {
  LinearPcmPlatformEndian: 0,
  Adpcm: 1,
  Mp3: 2,
  LinearPcmLittleEndian: 3,
  Nellymoser16kMono: 4,
  Nellymoser8kMono: 5,
  Nellymoser: 6,
  G711ALaw: 7,
  G711MuLaw: 8,
  /** Enhanced RTMP v2: the low nibble is an AudioPacketType and a FourCC follows. */
  ExHeader: 9,
  Aac: 10,
  Speex: 11,
  Mp3_8k: 14,
  DeviceSpecific: 15,
} as const;

/** AACPacketType, the second byte when SoundFormat is AAC (FLV spec §E.4.2.1). */
export const AacPacketType = {
  SequenceHeader: 0,
  Raw: 1,
} as const;

/** Enhanced RTMP v2 AudioPacketType (low nibble of the first byte when SoundFormat is 9). */
export const AudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
  ModEx: 7,
} as const;

/** Enhanced RTMP AvMultitrackType: with ManyTracksManyCodecs each track carries its own FourCC. */
export const MultitrackType = {
  OneTrack: 0,
  ManyTracks: 1,
  ManyTracksManyCodecs: 2,
} as const;

export interface LegacyAudioHeader {
  isExHeader: false;
  soundFormat: number;
  /** 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz. */
  soundRate: number;
  /** 0 = 8-bit, 1 = 16-bit samples. */
  soundSize: number;
  /** 0 = mono, 1 = stereo. */
  soundType: number;
  /** Only for AAC (SoundFormat 10): 0 sequence header (AudioSpecificConfig), 1 raw frame. */
  aacPacketType?: number;
  /** Bytes before the codec data. */
  headerLength: number;
}

export interface ExAudioHeader {
  isExHeader: true;
  /** An `AudioPacketType`. */
  packetType: number;
  /** Codec FourCC ("Opus", "fLaC", "ac-3", "mp4a"...); absent for ModEx and many-codec multitrack. */
  fourCc?: string;
  /** For Multitrack packets: the `MultitrackType` and the packet type that applies to the tracks. */
  multitrackType?: number;
  trackPacketType?: number;
  /** Bytes before the codec data (for Multitrack: before the first track; for ModEx: 1). */
  headerLength: number;
}

export type AudioHeader = LegacyAudioHeader | ExAudioHeader;

export function decodeAudioHeader(payload: Buffer): AudioHeader {
  need(payload, 0, 1, 'audio header');
  const first = payload[0]!;
  const soundFormat = first >> 4;
  if (soundFormat === SoundFormat.ExHeader) return decodeExAudioHeader(payload, first & 0x0f);
  const header: LegacyAudioHeader = {
    isExHeader: false,
    soundFormat,
    soundRate: (first >> 2) & 0x03,
    soundSize: (first >> 1) & 0x01,
    soundType: first & 0x01,
    headerLength: 1,
  };
  if (soundFormat === SoundFormat.Aac) {
    need(payload, 1, 1, 'AAC packet type');
    header.aacPacketType = payload[1]!;
    header.headerLength = 2;
  }
  return header;
}

function decodeExAudioHeader(payload: Buffer, packetType: number): ExAudioHeader {
  if (packetType === AudioPacketType.ModEx) return { isExHeader: true, packetType, headerLength: 1 };
  if (packetType === AudioPacketType.Multitrack) {
    need(payload, 1, 1, 'audio multitrack type');
    const multitrackType = payload[1]! >> 4;
    const trackPacketType = payload[1]! & 0x0f;
    if (multitrackType === MultitrackType.ManyTracksManyCodecs) {
      return { isExHeader: true, packetType, multitrackType, trackPacketType, headerLength: 2 };
    }
    need(payload, 2, 4, 'audio FourCC');
    return { isExHeader: true, packetType, multitrackType, trackPacketType, fourCc: payload.toString('latin1', 2, 6), headerLength: 6 };
  }
  need(payload, 1, 4, 'audio FourCC');
  return { isExHeader: true, packetType, fourCc: payload.toString('latin1', 1, 5), headerLength: 5 };
}

/**
 * The AudioPacketType an Enhanced RTMP payload (SoundFormat 9) carries once ModEx blocks are
 * skipped, the tracks' one for a Multitrack packet; -1 for a legacy or cut-short payload. Never throws.
 */
export function audioExPacketType(payload: Buffer): number {
  if (payload.length < 1 || payload[0]! >> 4 !== SoundFormat.ExHeader) return -1;
  return effectiveExPacketType(payload, AudioPacketType.Multitrack);
}

/** True for an AAC sequence header or an Enhanced RTMP SequenceStart (also inside ModEx or Multitrack); never throws. */
export function isAudioSequenceHeader(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const soundFormat = payload[0]! >> 4;
  if (soundFormat === SoundFormat.Aac) return payload[1] === AacPacketType.SequenceHeader;
  if (soundFormat === SoundFormat.ExHeader) return audioExPacketType(payload) === AudioPacketType.SequenceStart;
  return false;
}

/** True for an Enhanced RTMP audio SequenceEnd (also inside ModEx or Multitrack); never throws. */
export function isAudioSequenceEnd(payload: Buffer): boolean {
  return audioExPacketType(payload) === AudioPacketType.SequenceEnd;
}
