/** Enhanced RTMP v2 payloads built by hand from the spec (veovera enhanced-rtmp v2). */
import { hex } from '../amf/hex.js';

const fourCc = (s: string) => Buffer.from(s, 'latin1');
const u24 = (n: number) => hex(n.toString(16).padStart(6, '0'));

/** [IsExHeader 1 | FrameType (3 bits) | PacketType (4 bits)] FourCC body */
export function exVideo(frameType: number, packetType: number, code: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(0x80 | (frameType << 4) | packetType), fourCc(code), body]);
}

/** [SoundFormat 9 | AudioPacketType] FourCC body */
export function exAudio(packetType: number, code: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(0x90 | packetType), fourCc(code), body]);
}

export interface TrackPart {
  trackId: number;
  body: Buffer;
  fourCc?: string;
}

/**
 * A Multitrack packet: first byte with packet type 6 (video) / 5 (audio), then
 * [AvMultitrackType (4 bits) | track PacketType (4 bits)], the shared FourCC unless
 * ManyTracksManyCodecs (2), then per track [FourCC if type 2] TrackId (UI8) [size UI24 unless OneTrack].
 */
export function multitrack(first: number, multitrackType: number, packetType: number, shared: string | undefined, tracks: TrackPart[]): Buffer {
  const parts: Buffer[] = [Buffer.of(first, (multitrackType << 4) | packetType)];
  if (shared !== undefined) parts.push(fourCc(shared));
  for (const t of tracks) {
    if (multitrackType === 2) parts.push(fourCc(t.fourCc!));
    parts.push(Buffer.of(t.trackId));
    if (multitrackType !== 0) parts.push(u24(t.body.length));
    parts.push(t.body);
  }
  return Buffer.concat(parts);
}

/** A ModEx prefix: packet type 7, then [size-1 (UI8)] data [ModExType | next PacketType]. */
export function withModEx(first: number, data: Buffer, modExType: number, packetType: number, rest: Buffer): Buffer {
  const size = data.length <= 256 ? Buffer.of(data.length - 1) : Buffer.concat([Buffer.of(0xff), hex((data.length - 1).toString(16).padStart(4, '0'))]);
  return Buffer.concat([Buffer.of((first & 0xf0) | 7), size, data, Buffer.of((modExType << 4) | packetType), rest]);
}
