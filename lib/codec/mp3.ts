/**
 * MPEG audio frame header (ISO/IEC 11172-3 §2.4.2.3, 13818-3, and the MPEG 2.5 extension): sample
 * rate and channels of Enhanced RTMP .mp3 frames (legacy MP3 tags also carry them in flags).
 */
import { codecInvalid, needBytes } from './bit-reader.js';

export interface Mp3FrameInfo {
  /** 1, 2 or 2.5. */
  mpegVersion: number;
  layer: number;
  sampleRate: number;
  channels: number;
}

const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

export function parseMp3Frame(frame: Buffer): Mp3FrameInfo {
  needBytes(frame, 0, 4, 'MPEG audio frame header');
  if (frame[0] !== 0xff || (frame[1]! & 0xe0) !== 0xe0) throw codecInvalid('MPEG audio frame sync missing');
  const versionBits = (frame[1]! >> 3) & 0x03;
  const layerBits = (frame[1]! >> 1) & 0x03;
  const rateIndex = (frame[2]! >> 2) & 0x03;
  const rate = RATES[versionBits]?.[rateIndex];
  if (rate === undefined || layerBits === 0) throw codecInvalid('MPEG audio header uses a reserved version, layer or rate');
  return {
    mpegVersion: versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5,
    layer: 4 - layerBits,
    sampleRate: rate,
    channels: frame[3]! >> 6 === 3 ? 1 : 2,
  };
}
