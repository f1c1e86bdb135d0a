/**
 * Walking an Enhanced RTMP v2 audio/video payload (veovera enhanced-rtmp v2, "Enhanced Audio" and
 * "Enhanced Video"): the ModEx prefix and the tracks of a Multitrack packet, on top of the header
 * parsers in lib/message (decodeAudioHeader / decodeVideoHeader). Bodies are views, never copies.
 */
import { CodecError, ErrorCode, RtmpError } from '../errors.js';
import { decodeAudioHeader, AudioPacketType, MultitrackType, type ExAudioHeader, decodeVideoHeader, VideoPacketType, type ExVideoHeader } from '../message/index.js';
import { needBytes } from './bit-reader.js';

/** One track's share of an enhanced packet. */
export interface EnhancedTrack {
  /** 0 for a packet that is not Multitrack. */
  trackId: number;
  fourCc: string;
  /** The packet type that applies to this track's body (a VideoPacketType or AudioPacketType). */
  packetType: number;
  /** The codec data, after any composition time (avc1/hvc1 CodedFrames). */
  body: Buffer;
  /** Signed 24-bit composition time offset (ms) for avc1/hvc1 CodedFrames. */
  compositionTime?: number;
}

export interface EnhancedPacket {
  /** Video only: the frame type of the packet (1 keyframe, 2 inter, 5 command...). */
  frameType?: number;
  /** The outer packet type after ModEx (Multitrack for a multitrack packet). */
  packetType: number;
  multitrackType?: number;
  tracks: EnhancedTrack[];
}

/** Parses an Enhanced RTMP video payload (first byte has bit 0x80 set). */
export function parseEnhancedVideo(payload: Buffer): EnhancedPacket {
  if (payload.length > 0 && (payload[0]! & 0x80) === 0) throw notEnhanced('video');
  const header = resolveModEx(payload, decodeVideoHeader) as ExVideoHeader & { offset: number };
  const packet: EnhancedPacket = { frameType: header.frameType, packetType: header.packetType, tracks: [] };
  const withCts = (fourCc: string, packetType: number) =>
    packetType === VideoPacketType.CodedFrames && (fourCc === 'avc1' || fourCc === 'hvc1');
  if (header.packetType !== VideoPacketType.Multitrack) {
    const fourCc = header.fourCc!;
    const track: EnhancedTrack = { trackId: 0, fourCc, packetType: header.packetType, body: payload.subarray(header.offset) };
    if (header.compositionTime !== undefined) track.compositionTime = header.compositionTime;
    packet.tracks.push(track);
    return packet;
  }
  packet.multitrackType = header.multitrackType!;
  readTracks(payload, header.offset, header.multitrackType!, header.trackPacketType!, header.fourCc, withCts, packet.tracks);
  return packet;
}

/** Parses an Enhanced RTMP audio payload (SoundFormat 9). */
export function parseEnhancedAudio(payload: Buffer): EnhancedPacket {
  if (payload.length > 0 && payload[0]! >> 4 !== 9) throw notEnhanced('audio');
  const header = resolveModEx(payload, decodeAudioHeader) as ExAudioHeader & { offset: number };
  const packet: EnhancedPacket = { packetType: header.packetType, tracks: [] };
  if (header.packetType !== AudioPacketType.Multitrack) {
    packet.tracks.push({ trackId: 0, fourCc: header.fourCc!, packetType: header.packetType, body: payload.subarray(header.offset) });
    return packet;
  }
  packet.multitrackType = header.multitrackType!;
  readTracks(payload, header.offset, header.multitrackType!, header.trackPacketType!, header.fourCc, () => false, packet.tracks);
  return packet;
}

function readTracks(
  payload: Buffer,
  start: number,
  multitrackType: number,
  packetType: number,
  sharedFourCc: string | undefined,
  withCts: (fourCc: string, packetType: number) => boolean,
  out: EnhancedTrack[],
): void {
  let offset = start;
  // At least one track: a Multitrack packet without one is cut short.
  do {
    let fourCc = sharedFourCc;
    if (multitrackType === MultitrackType.ManyTracksManyCodecs) {
      needBytes(payload, offset, 4, 'multitrack FourCC');
      fourCc = payload.toString('latin1', offset, offset + 4);
      offset += 4;
    }
    needBytes(payload, offset, 1, 'multitrack track id');
    const trackId = payload[offset++]!;
    let end = payload.length;
    if (multitrackType !== MultitrackType.OneTrack) {
      needBytes(payload, offset, 3, 'multitrack track size');
      const size = payload.readUIntBE(offset, 3);
      offset += 3;
      needBytes(payload, offset, size, `track ${trackId} body`);
      end = offset + size;
    }
    const track: EnhancedTrack = { trackId, fourCc: fourCc!, packetType, body: payload.subarray(offset, end) };
    if (withCts(track.fourCc, packetType)) {
      needBytes(payload, offset, 3, 'composition time');
      track.compositionTime = (payload.readUIntBE(offset, 3) << 8) >> 8;
      track.body = payload.subarray(offset + 3, end);
    }
    out.push(track);
    offset = end;
  } while (offset < payload.length);
}

function notEnhanced(what: string): CodecError {
  return new CodecError(ErrorCode.CODEC_INVALID, `not an Enhanced RTMP ${what} packet`);
}

const MOD_EX = 7; // VideoPacketType.ModEx === AudioPacketType.ModEx

/**
 * Skips ModEx blocks (each: size UI8+1, or UI16+1 after 0xFF; data; then modExType UB[4] and the
 * next packet type UB[4]) and decodes the header that follows with the lib/message parser, as if
 * the first byte had carried the final packet type. `offset` is where the header ends in `payload`.
 */
function resolveModEx<T extends { headerLength: number }>(payload: Buffer, decode: (b: Buffer) => T): T & { offset: number } {
  try {
    needBytes(payload, 0, 1, 'enhanced header');
    let packetType = payload[0]! & 0x0f;
    if (packetType !== MOD_EX) {
      const header = decode(payload);
      return { ...header, offset: header.headerLength };
    }
    let pos = 1;
    while (packetType === MOD_EX) {
      needBytes(payload, pos, 1, 'ModEx data size');
      let size = payload[pos++]! + 1;
      if (size === 256) {
        needBytes(payload, pos, 2, 'ModEx data size');
        size = payload.readUInt16BE(pos) + 1;
        pos += 2;
      }
      needBytes(payload, pos, size + 1, 'ModEx data');
      pos += size;
      packetType = payload[pos++]! & 0x0f;
    }
    const synthetic = Buffer.concat([Buffer.of((payload[0]! & 0xf0) | packetType), payload.subarray(pos, pos + 8)]);
    const header = decode(synthetic);
    // The synthetic buffer holds 9 bytes, more than the longest header (8): offsets map 1:1.
    return { ...header, offset: pos + header.headerLength - 1 };
  } catch (err) {
    if (err instanceof CodecError || !(err instanceof RtmpError)) throw err;
    throw new CodecError(ErrorCode.CODEC_TRUNCATED, err.message, { cause: err });
  }
}
