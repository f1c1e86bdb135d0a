/**
 * Opus: the identification header (RFC 7845 §5.1, "OpusHead", little-endian), the body of an
 * Enhanced RTMP Opus SequenceStart; the ISOBMFF `dOps` form (big-endian, version 0, no magic) is
 * accepted too. Opus always decodes at 48 kHz; the input rate is informational.
 */
import { codecInvalid, needBytes } from './bit-reader.js';

export interface OpusConfig {
  version: number;
  channels: number;
  preSkip: number;
  /** The encoder's input rate (informational). */
  inputSampleRate: number;
  /** Always 48000. */
  sampleRate: 48000;
  outputGain: number;
  channelMappingFamily: number;
}

const MAGIC = Buffer.from('OpusHead', 'latin1');

export function parseOpusHead(head: Buffer): OpusConfig {
  const hasMagic = head.length >= 8 && head.subarray(0, 8).equals(MAGIC);
  const o = hasMagic ? 8 : 0;
  needBytes(head, o, 11, 'Opus identification header');
  const little = hasMagic; // dOps (no magic) is big-endian
  const version = head[o]!;
  // RFC 7845 §5.1: the major version (upper nibble) must be 0; dOps has version 0.
  if (version >> 4 !== 0) throw codecInvalid(`Opus header version ${version} is not understood`);
  const channels = head[o + 1]!;
  if (channels === 0) throw codecInvalid('Opus header: 0 channels');
  return {
    version,
    channels,
    preSkip: little ? head.readUInt16LE(o + 2) : head.readUInt16BE(o + 2),
    inputSampleRate: little ? head.readUInt32LE(o + 4) : head.readUInt32BE(o + 4),
    sampleRate: 48000,
    outputGain: little ? head.readInt16LE(o + 8) : head.readInt16BE(o + 8),
    channelMappingFamily: head[o + 10]!,
  };
}
