/**
 * FLAC: the STREAMINFO metadata block (RFC 9639 §8.2), the heart of an Enhanced RTMP fLaC
 * SequenceStart. Accepted with or without the "fLaC" marker, and bare (34 bytes, no block header).
 */
import { BitReader, codecInvalid, needBytes } from './bit-reader.js';

export interface FlacStreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Total samples per channel (0 = unknown); up to 2^36. */
  totalSamples: number;
}

const STREAMINFO_LENGTH = 34;

export function parseFlacStreamInfo(data: Buffer): FlacStreamInfo {
  let o = data.length >= 4 && data.toString('latin1', 0, 4) === 'fLaC' ? 4 : 0;
  if (!(o === 0 && data.length === STREAMINFO_LENGTH)) {
    needBytes(data, o, 4, 'FLAC metadata block header');
    const type = data[o]! & 0x7f;
    const length = data.readUIntBE(o + 1, 3);
    if (type !== 0) throw codecInvalid(`FLAC: the first metadata block is type ${type}, not STREAMINFO (0)`);
    if (length < STREAMINFO_LENGTH) throw codecInvalid(`FLAC STREAMINFO of ${length} bytes, expected 34`);
    o += 4;
  }
  needBytes(data, o, STREAMINFO_LENGTH, 'FLAC STREAMINFO');
  const r = new BitReader(data, o, o + STREAMINFO_LENGTH, 'FLAC STREAMINFO');
  const minBlockSize = r.bits(16);
  const maxBlockSize = r.bits(16);
  r.skip(48); // min/max frame size
  const sampleRate = r.bits(20);
  const channels = r.bits(3) + 1;
  const bitsPerSample = r.bits(5) + 1;
  const totalSamples = r.bits(4) * 2 ** 32 + r.bits(32);
  if (sampleRate === 0) throw codecInvalid('FLAC STREAMINFO sample rate 0');
  return { minBlockSize, maxBlockSize, sampleRate, channels, bitsPerSample, totalSamples };
}
