/**
 * AAC AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): the body of an FLV AAC sequence header and
 * of an Enhanced RTMP mp4a SequenceStart. Object type, sampling rate (index or explicit), channel
 * configuration (or a program_config_element), and SBR/PS signalling, explicit (object type 5/29)
 * and backward-compatible (sync extensions 0x2b7 / 0x548, §1.6.5.2).
 */
import { BitReader, codecInvalid } from './bit-reader.js';

export const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350] as const;

export interface AacConfig {
  /** audioObjectType of the core coder (2 = AAC LC even for HE-AAC). */
  objectType: number;
  /** The signalled object type (5 = SBR, 29 = PS when explicit). */
  signalledObjectType: number;
  /** Core sampling rate. */
  coreSampleRate: number;
  /** Output rate: the SBR extension rate for HE-AAC, else the core rate. */
  sampleRate: number;
  channelConfiguration: number;
  /** Channel count (from the configuration, or from the program_config_element). */
  channels: number;
  sbr: boolean;
  ps: boolean;
  /** 1024, or 960 with frameLengthFlag. */
  frameLength: number;
  /** "LC", "HE-AAC", "HE-AACv2", "Main", ... */
  profile: string;
  /** RFC 6381 codec string: "mp4a.40.2", "mp4a.40.5"... */
  codecString: string;
}

const CHANNELS_BY_CONFIG = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8];
/** Object types with a GASpecificConfig (§4.4.1). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

export function parseAacConfig(asc: Buffer): AacConfig {
  const r = new BitReader(asc, 0, asc.length, 'AudioSpecificConfig');
  let objectType = readObjectType(r);
  const signalledObjectType = objectType;
  if (objectType === 0) throw codecInvalid('AudioSpecificConfig: object type 0 (null)');
  let coreSampleRate = readSampleRate(r);
  const channelConfiguration = r.bits(4);
  let sbr = false;
  let ps = false;
  let sampleRate = coreSampleRate;
  if (objectType === 5 || objectType === 29) {
    // Explicit hierarchical signalling: the extension rate, then the core object type.
    sbr = true;
    ps = objectType === 29;
    sampleRate = readSampleRate(r);
    objectType = readObjectType(r);
  }
  let channels = CHANNELS_BY_CONFIG[channelConfiguration] ?? 0;
  let frameLength = 1024;
  if (GA_OBJECT_TYPES.has(objectType)) {
    frameLength = r.flag() ? 960 : 1024;
    if (r.flag()) r.skip(14); // dependsOnCoreCoder → coreCoderDelay
    const extensionFlag = r.flag();
    if (channelConfiguration === 0) channels = readProgramConfigChannels(r);
    if (objectType === 6 || objectType === 20) r.skip(3); // layerNr
    if (extensionFlag && objectType === 22) r.skip(16);
    if (extensionFlag && (objectType === 17 || objectType === 19 || objectType === 20 || objectType === 23)) r.skip(3);
  }
  // Backward-compatible SBR/PS signalling after the core config (§1.6.5.2).
  if (signalledObjectType !== 5 && signalledObjectType !== 29 && r.bitsLeft >= 16) {
    if (r.bits(11) === 0x2b7) {
      const extensionType = readObjectType(r);
      if (extensionType === 5 && r.bitsLeft >= 1) {
        sbr = r.flag();
        if (sbr) {
          sampleRate = readSampleRate(r);
          if (r.bitsLeft >= 12 && r.bits(11) === 0x548) ps = r.flag();
        }
      }
    }
  }
  if (channels === 0 && channelConfiguration !== 0) throw codecInvalid(`AudioSpecificConfig: reserved channelConfiguration ${channelConfiguration}`);
  // PS codes a stereo pair in a mono core (§8.A).
  if (ps && channels === 1) channels = 2;
  coreSampleRate = coreSampleRate || sampleRate;
  return {
    objectType,
    signalledObjectType,
    coreSampleRate,
    sampleRate,
    channelConfiguration,
    channels,
    sbr,
    ps,
    frameLength,
    profile: ps ? 'HE-AACv2' : sbr ? 'HE-AAC' : aacProfileName(objectType),
    codecString: `mp4a.40.${ps ? 29 : sbr ? 5 : objectType}`,
  };
}

function readObjectType(r: BitReader): number {
  const type = r.bits(5);
  return type === 31 ? 32 + r.bits(6) : type;
}

function readSampleRate(r: BitReader): number {
  const index = r.bits(4);
  if (index === 15) return r.bits(24);
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw codecInvalid(`AudioSpecificConfig: reserved samplingFrequencyIndex ${index}`);
  return rate;
}

/** program_config_element (§4.4.1.1): counts the channels of its front/side/back/LFE elements. */
function readProgramConfigChannels(r: BitReader): number {
  r.skip(4 + 2 + 4); // element_instance_tag, object_type, sampling_frequency_index
  const front = r.bits(4);
  const side = r.bits(4);
  const back = r.bits(4);
  const lfe = r.bits(2);
  const assoc = r.bits(3);
  const cc = r.bits(4);
  if (r.flag()) r.skip(4); // mono_mixdown
  if (r.flag()) r.skip(4); // stereo_mixdown
  if (r.flag()) r.skip(3); // matrix_mixdown
  let channels = lfe;
  for (let i = 0; i < front + side + back; i++) {
    channels += r.flag() ? 2 : 1; // is_cpe
    r.skip(4);
  }
  r.skip(lfe * 4 + assoc * 4 + cc * 5);
  return channels;
}

export function aacProfileName(objectType: number): string {
  switch (objectType) {
    case 1:
      return 'Main';
    case 2:
      return 'LC';
    case 3:
      return 'SSR';
    case 4:
      return 'LTP';
    case 23:
      return 'LD';
    case 39:
      return 'ELD';
    case 42:
      return 'USAC';
    default:
      return `Object type ${objectType}`;
  }
}
