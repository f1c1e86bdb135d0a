/**
 * A stream description from the media and data that pass by: codec, profile, level, size and frame
 * rate of the video; codec, sample rate and channels of the audio; the onMetaData values.
 *
 *   const describer = new StreamDescriber();
 *   for await (const event of demuxer) describer.push(event);
 *   describer.description; // { video: { codec: 'h264', profile: 'High', width: 1920, ... }, ... }
 *
 * Takes command-layer events (kind 'audio' | 'video' | 'data'), seed Messages and FLV tags
 * (type 8 / 9 / 18 / 15), anything else is ignored. Sources, best first: the decoder configuration
 * (AVC/HEVC/AV1/VP9 records, AAC AudioSpecificConfig, OpusHead, FLAC STREAMINFO), the first coded
 * frame where the codec has no configuration (VP9 keyframe size, AC-3/E-AC-3/MP3 frame headers), the
 * legacy FLV flags, and the onMetaData values for what is still missing. Enhanced RTMP multitrack
 * packets describe each track; `video`/`audio` are track 0 (or the lowest track id).
 *
 * A configuration that does not parse is recorded in `errors` (typed `RtmpError`s, at most 16) and
 * the stream keeps what it had, unless `strict: true`, which throws instead.
 */
import { isEcmaArray } from '../amf/index.js';
import { RtmpError } from '../errors.js';
import { decodeAudioHeader, SoundFormat, AacPacketType, AudioPacketType, decodeData, decodeDataAmf3, ON_META_DATA, SET_DATA_FRAME, MessageType, AvcPacketType, decodeVideoHeader, VideoCodecId, VideoPacketType, VideoFrameType } from '../message/index.js';
import { parseAacConfig } from './aac.js';
import { parseAc3Frame } from './ac3.js';
import { parseAv1Config } from './av1.js';
import { parseAvcDecoderConfig } from './avc.js';
import { parseEnhancedAudio, parseEnhancedVideo, type EnhancedTrack } from './enhanced.js';
import { parseFlacStreamInfo } from './flac.js';
import { parseHevcDecoderConfig } from './hevc.js';
import { parseMp3Frame } from './mp3.js';
import { parseOpusHead } from './opus.js';
import { parseVp9Config, parseVp9FrameSize } from './vp9.js';

export interface VideoDescription {
  /** 'h264', 'hevc', 'av1', 'vp9', 'vp8', 'vp6', 'vp6a', 'h263', 'screen', 'screen2', or 'unknown'. */
  codec: string;
  /** Enhanced RTMP FourCC (avc1, hvc1, av01, vp09...), absent for legacy tags. */
  fourCc?: string;
  /** Legacy FLV CodecID, absent for Enhanced RTMP. */
  codecId?: number;
  trackId: number;
  profile?: string;
  level?: number;
  /** HEVC and AV1 tier. */
  tier?: string;
  width?: number;
  height?: number;
  frameRate?: number;
  bitDepth?: number;
  /** RFC 6381 codec string when the configuration gives one ("avc1.64001f"). */
  codecString?: string;
  /** Enhanced RTMP video Metadata (colorInfo and the like), as decoded from AMF. */
  videoMetadata?: Record<string, unknown>;
}

export interface AudioDescription {
  /** 'aac', 'mp3', 'opus', 'flac', 'ac3', 'eac3', 'pcm', 'adpcm', 'nellymoser', 'g711a', 'g711u', 'speex', or 'unknown'. */
  codec: string;
  fourCc?: string;
  /** Legacy FLV SoundFormat, absent for Enhanced RTMP. */
  soundFormat?: number;
  trackId: number;
  sampleRate?: number;
  channels?: number;
  /** AAC profile ("LC", "HE-AAC", "HE-AACv2"...). */
  profile?: string;
  bitDepth?: number;
  codecString?: string;
}

export interface StreamDescription {
  video?: VideoDescription;
  audio?: AudioDescription;
  /** Every video track seen, by track id (one entry without Enhanced RTMP multitrack). */
  videoTracks: VideoDescription[];
  audioTracks: AudioDescription[];
  /** The onMetaData object (an ECMA array decoded as a plain object), if any came by. */
  metadata?: Record<string, unknown>;
}

export interface StreamDescriberOptions {
  /** Throw a configuration's parse error instead of recording it in `errors`. Default false. */
  strict?: boolean;
}

/** What the describer takes: an event, a Message or an FLV tag; other shapes are ignored. */
export interface DescribableItem {
  kind?: string;
  timestamp?: number;
  streamId?: number;
  type?: number;
  payload?: Buffer;
  data?: Buffer;
  name?: string;
  values?: unknown[];
}

const MAX_ERRORS = 16;

const LEGACY_VIDEO: Record<number, string> = {
  [VideoCodecId.SorensonH263]: 'h263',
  [VideoCodecId.ScreenVideo]: 'screen',
  [VideoCodecId.Vp6]: 'vp6',
  [VideoCodecId.Vp6Alpha]: 'vp6a',
  [VideoCodecId.ScreenVideo2]: 'screen2',
  [VideoCodecId.Avc]: 'h264',
  [VideoCodecId.Hevc]: 'hevc',
};
const VIDEO_FOURCC: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9', vp08: 'vp8' };
const AUDIO_FOURCC: Record<string, string> = { mp4a: 'aac', '.mp3': 'mp3', Opus: 'opus', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3' };
const LEGACY_AUDIO: Record<number, string> = {
  [SoundFormat.LinearPcmPlatformEndian]: 'pcm',
  [SoundFormat.Adpcm]: 'adpcm',
  [SoundFormat.Mp3]: 'mp3',
  [SoundFormat.LinearPcmLittleEndian]: 'pcm',
  [SoundFormat.Nellymoser16kMono]: 'nellymoser',
  [SoundFormat.Nellymoser8kMono]: 'nellymoser',
  [SoundFormat.Nellymoser]: 'nellymoser',
  [SoundFormat.G711ALaw]: 'g711a',
  [SoundFormat.G711MuLaw]: 'g711u',
  [SoundFormat.Aac]: 'aac',
  [SoundFormat.Speex]: 'speex',
  [SoundFormat.Mp3_8k]: 'mp3',
};
/** FLV SoundRate (§E.4.2.1). */
const LEGACY_RATES = [5512, 11025, 22050, 44100];

export class StreamDescriber {
  private readonly strict: boolean;
  private readonly video = new Map<number, VideoDescription>();
  private readonly audio = new Map<number, AudioDescription>();
  private metadata: Record<string, unknown> | undefined;
  /** Parse errors met so far (at most 16), when not strict. */
  readonly errors: RtmpError[] = [];

  constructor(options: StreamDescriberOptions = {}) {
    this.strict = options.strict ?? false;
  }

  /** Looks at one item; never throws unless `strict` (and then only `RtmpError`s). */
  push(item: DescribableItem): void {
    if (typeof item !== 'object' || item === null) return;
    try {
      if (item.kind === 'video' || (item.kind === undefined && item.type === MessageType.Video)) {
        const payload = item.payload ?? item.data;
        if (Buffer.isBuffer(payload)) this.onVideo(payload);
      } else if (item.kind === 'audio' || (item.kind === undefined && item.type === MessageType.Audio)) {
        const payload = item.payload ?? item.data;
        if (Buffer.isBuffer(payload)) this.onAudio(payload);
      } else if (item.kind === 'data') {
        if (typeof item.name === 'string' && Array.isArray(item.values)) this.onData([item.name, ...item.values]);
      } else if (item.kind === undefined && Buffer.isBuffer(item.data)) {
        if (item.type === MessageType.DataAMF0) this.onData(decodeData(item.data));
        else if (item.type === MessageType.DataAMF3) this.onData(decodeDataAmf3(item.data));
      }
    } catch (err) {
      if (!(err instanceof RtmpError)) throw err;
      if (this.strict) throw err;
      if (this.errors.length < MAX_ERRORS) this.errors.push(err);
    }
  }

  get description(): StreamDescription {
    const videoTracks = [...this.video.values()].sort((a, b) => a.trackId - b.trackId).map((t) => ({ ...t }));
    const audioTracks = [...this.audio.values()].sort((a, b) => a.trackId - b.trackId).map((t) => ({ ...t }));
    const description: StreamDescription = { videoTracks, audioTracks };
    const m = this.metadata;
    let video = videoTracks[0];
    let audio = audioTracks[0];
    if (m !== undefined) {
      description.metadata = { ...m };
      // onMetaData fills what the media did not say (legacy codecs carry no size).
      if (video === undefined && m.videocodecid !== undefined) video = { codec: videoCodecFromMetadata(m.videocodecid), trackId: 0 };
      if (video !== undefined) {
        video.width ??= positive(m.width);
        video.height ??= positive(m.height);
        video.frameRate ??= positive(m.framerate);
        dropUndefined(video);
      }
      if (audio === undefined && m.audiocodecid !== undefined) audio = { codec: audioCodecFromMetadata(m.audiocodecid), trackId: 0 };
      if (audio !== undefined) {
        audio.sampleRate ??= positive(m.audiosamplerate);
        if (audio.channels === undefined && typeof m.stereo === 'boolean') audio.channels = m.stereo ? 2 : 1;
        dropUndefined(audio);
      }
    }
    if (video !== undefined) description.video = video;
    if (audio !== undefined) description.audio = audio;
    return description;
  }

  // --- video --------------------------------------------------------------------------------------

  private onVideo(payload: Buffer): void {
    if (payload.length === 0) return;
    if (payload[0]! & 0x80) {
      const packet = parseEnhancedVideo(payload);
      for (const track of packet.tracks) this.onVideoTrack(track, packet.frameType ?? 0);
      return;
    }
    const header = decodeVideoHeader(payload);
    if (header.isExHeader) return; // unreachable: bit 0x80 handled above
    if (header.frameType === VideoFrameType.InfoOrCommand) return;
    const codec = LEGACY_VIDEO[header.codecId] ?? 'unknown';
    const track = this.videoTrack(0, codec);
    track.codecId = header.codecId;
    delete track.fourCc;
    if (header.avcPacketType === AvcPacketType.SequenceHeader) {
      const body = payload.subarray(header.headerLength);
      if (header.codecId === VideoCodecId.Avc) this.applyAvc(track, body);
      else this.applyHevc(track, body);
    }
  }

  private onVideoTrack(t: EnhancedTrack, frameType: number): void {
    const track = this.videoTrack(t.trackId, VIDEO_FOURCC[t.fourCc] ?? 'unknown');
    track.fourCc = t.fourCc;
    delete track.codecId;
    switch (t.packetType) {
      case VideoPacketType.SequenceStart:
        if (t.fourCc === 'avc1') this.applyAvc(track, t.body);
        else if (t.fourCc === 'hvc1') this.applyHevc(track, t.body);
        else if (t.fourCc === 'av01') this.applyAv1(track, t.body);
        else if (t.fourCc === 'vp09') this.applyVp9(track, t.body);
        return;
      case VideoPacketType.CodedFrames:
      case VideoPacketType.CodedFramesX:
        // VP9 has no size in its configuration record: take it from the first keyframe.
        if (t.fourCc === 'vp09' && track.width === undefined && frameType === VideoFrameType.Keyframe) {
          const size = parseVp9FrameSize(t.body);
          if (size !== undefined) {
            track.width = size.width;
            track.height = size.height;
          }
        }
        return;
      case VideoPacketType.Metadata: {
        const values = decodeData(t.body);
        const name = values[0];
        const value = values[1];
        if (typeof name === 'string' && typeof value === 'object' && value !== null) {
          track.videoMetadata = { ...track.videoMetadata, [name]: value };
        }
        return;
      }
      default:
        return; // SequenceEnd, MPEG2TSSequenceStart: nothing to describe
    }
  }

  private videoTrack(trackId: number, codec: string): VideoDescription {
    let track = this.video.get(trackId);
    if (track === undefined || track.codec !== codec) {
      // A new codec on the track: what was known about the old one no longer holds.
      track = { codec, trackId };
      this.video.set(trackId, track);
    }
    return track;
  }

  private applyAvc(track: VideoDescription, body: Buffer): void {
    const c = parseAvcDecoderConfig(body);
    Object.assign(track, { profile: c.profile, level: c.level, width: c.spsInfo.width, height: c.spsInfo.height, bitDepth: c.spsInfo.bitDepth, codecString: c.codecString });
    if (c.spsInfo.frameRate !== undefined) track.frameRate = c.spsInfo.frameRate;
  }

  private applyHevc(track: VideoDescription, body: Buffer): void {
    const c = parseHevcDecoderConfig(body);
    Object.assign(track, { profile: c.profile, level: c.level, tier: c.tier, bitDepth: c.bitDepthLuma, codecString: c.codecString });
    if (c.spsInfo !== undefined) Object.assign(track, { width: c.spsInfo.width, height: c.spsInfo.height, bitDepth: c.spsInfo.bitDepth });
    if (c.frameRate !== undefined) track.frameRate = c.frameRate;
  }

  private applyAv1(track: VideoDescription, body: Buffer): void {
    const c = parseAv1Config(body);
    Object.assign(track, { profile: c.profile, level: c.level, tier: c.seqTier ? 'High' : 'Main', bitDepth: c.bitDepth, codecString: c.codecString });
    const sh = c.sequenceHeader;
    if (sh !== undefined) {
      track.width = sh.width;
      track.height = sh.height;
      if (sh.frameRate !== undefined) track.frameRate = sh.frameRate;
    }
  }

  private applyVp9(track: VideoDescription, body: Buffer): void {
    const c = parseVp9Config(body);
    Object.assign(track, { profile: `Profile ${c.profile}`, level: c.level, bitDepth: c.bitDepth, codecString: c.codecString });
  }

  // --- audio --------------------------------------------------------------------------------------

  private onAudio(payload: Buffer): void {
    if (payload.length === 0) return;
    if (payload[0]! >> 4 === SoundFormat.ExHeader) {
      const packet = parseEnhancedAudio(payload);
      for (const track of packet.tracks) this.onAudioTrack(track);
      return;
    }
    const header = decodeAudioHeader(payload);
    if (header.isExHeader) return; // unreachable: SoundFormat 9 handled above
    const track = this.audioTrack(0, LEGACY_AUDIO[header.soundFormat] ?? 'unknown');
    track.soundFormat = header.soundFormat;
    delete track.fourCc;
    if (header.soundFormat === SoundFormat.Aac) {
      if (header.aacPacketType === AacPacketType.SequenceHeader) this.applyAac(track, payload.subarray(header.headerLength));
      return; // §E.4.2.1: the flags of an AAC tag are fixed (44 kHz, stereo), not the stream's
    }
    if (track.sampleRate !== undefined) return;
    track.bitDepth = header.soundSize ? 16 : 8;
    track.channels = header.soundType + 1;
    track.sampleRate = LEGACY_RATES[header.soundRate]!;
    switch (header.soundFormat) {
      case SoundFormat.Nellymoser16kMono:
      case SoundFormat.Speex: // §E.4.2.1: Speex is 16 kHz mono whatever the flags say
        Object.assign(track, { sampleRate: 16000, channels: 1 });
        break;
      case SoundFormat.Nellymoser8kMono:
      case SoundFormat.Mp3_8k:
        Object.assign(track, { sampleRate: 8000, channels: 1 });
        break;
      case SoundFormat.G711ALaw:
      case SoundFormat.G711MuLaw:
        track.sampleRate = 8000;
        break;
      case SoundFormat.Mp3:
        this.applyMp3(track, payload.subarray(1));
        break;
    }
  }

  private onAudioTrack(t: EnhancedTrack): void {
    const track = this.audioTrack(t.trackId, AUDIO_FOURCC[t.fourCc] ?? 'unknown');
    track.fourCc = t.fourCc;
    delete track.soundFormat;
    switch (t.packetType) {
      case AudioPacketType.SequenceStart:
        if (t.fourCc === 'mp4a') this.applyAac(track, t.body);
        else if (t.fourCc === 'Opus') {
          const c = parseOpusHead(t.body);
          Object.assign(track, { sampleRate: c.sampleRate, channels: c.channels });
        } else if (t.fourCc === 'fLaC') {
          const c = parseFlacStreamInfo(t.body);
          Object.assign(track, { sampleRate: c.sampleRate, channels: c.channels, bitDepth: c.bitsPerSample });
        }
        return;
      case AudioPacketType.CodedFrames:
        if (track.sampleRate !== undefined) return;
        if (t.fourCc === 'ac-3' || t.fourCc === 'ec-3') {
          const f = parseAc3Frame(t.body);
          Object.assign(track, { sampleRate: f.sampleRate, channels: f.channels });
        } else if (t.fourCc === '.mp3') {
          this.applyMp3(track, t.body);
        }
        return;
      case AudioPacketType.MultichannelConfig:
        // audioChannelOrder (UI8), channelCount (UI8), ...
        if (t.body.length >= 2) track.channels = t.body[1]!;
        return;
      default:
        return;
    }
  }

  private audioTrack(trackId: number, codec: string): AudioDescription {
    let track = this.audio.get(trackId);
    if (track === undefined || track.codec !== codec) {
      track = { codec, trackId };
      this.audio.set(trackId, track);
    }
    return track;
  }

  private applyAac(track: AudioDescription, body: Buffer): void {
    const c = parseAacConfig(body);
    Object.assign(track, { sampleRate: c.sampleRate, channels: c.channels, profile: c.profile, codecString: c.codecString });
  }

  private applyMp3(track: AudioDescription, frame: Buffer): void {
    if (frame.length < 4) return;
    const f = parseMp3Frame(frame);
    Object.assign(track, { sampleRate: f.sampleRate, channels: f.channels });
  }

  // --- data ---------------------------------------------------------------------------------------

  private onData(values: unknown[]): void {
    const rest = values[0] === SET_DATA_FRAME ? values.slice(1) : values;
    if (rest[0] !== ON_META_DATA) return;
    const meta = rest[1];
    if (typeof meta === 'object' && meta !== null && (isEcmaArray(meta) || Object.getPrototypeOf(meta) === Object.prototype)) {
      this.metadata = { ...(meta as Record<string, unknown>) };
    }
  }
}

/** Describes a whole sequence of items at once. */
export function describeStream(items: Iterable<DescribableItem>, options?: StreamDescriberOptions): StreamDescription {
  const describer = new StreamDescriber(options);
  for (const item of items) describer.push(item);
  return describer.description;
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function dropUndefined(o: object): void {
  for (const [k, v] of Object.entries(o)) if (v === undefined) delete (o as Record<string, unknown>)[k];
}

/** videocodecid: a legacy CodecID, or (Enhanced RTMP) a FourCC as a UI32 number. */
function videoCodecFromMetadata(id: unknown): string {
  if (typeof id === 'string') return VIDEO_FOURCC[id] ?? 'unknown';
  if (typeof id !== 'number') return 'unknown';
  return LEGACY_VIDEO[id] ?? VIDEO_FOURCC[fourCcOf(id)] ?? 'unknown';
}

function audioCodecFromMetadata(id: unknown): string {
  if (typeof id === 'string') return AUDIO_FOURCC[id] ?? 'unknown';
  if (typeof id !== 'number') return 'unknown';
  return LEGACY_AUDIO[id] ?? AUDIO_FOURCC[fourCcOf(id)] ?? 'unknown';
}

function fourCcOf(n: number): string {
  if (!Number.isInteger(n) || n < 0x01000000 || n > 0xffffffff) return '';
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b.toString('latin1');
}
