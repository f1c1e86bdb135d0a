/**
 * Enhanced RTMP v2 capabilities exchanged in `connect` (veovera enhanced-rtmp v2, "Enhancing
 * NetConnection connect Command"): the client's command object may carry `fourCcList`,
 * `videoFourCcInfoMap`, `audioFourCcInfoMap` and `capsEx`; the server states what it supports with
 * the same properties in its `_result`. Reading is tolerant: a malformed value is left out, never
 * an error (the spec asks for graceful failure on values it does not understand).
 */

/** FourCcInfoMask: what a peer can do with a codec (Enhanced RTMP v2, connect). */
export const FourCcInfoMask = {
  CanDecode: 0x01,
  CanEncode: 0x02,
  CanForward: 0x04,
} as const;

/** CapsExMask: extended capabilities beyond legacy RTMP (Enhanced RTMP v2, connect). */
export const CapsExMask = {
  Reconnect: 0x01,
  Multitrack: 0x02,
  ModEx: 0x04,
  TimestampNanoOffset: 0x08,
} as const;

/** The wildcard FourCC: a catch-all whose flags override those of specific codecs. */
export const WILDCARD_FOURCC = '*';

/** Video FourCCs Enhanced RTMP v2 defines (VideoFourCc). */
export const VIDEO_FOURCCS = ['avc1', 'hvc1', 'av01', 'vp08', 'vp09'] as const;
/** Audio FourCCs Enhanced RTMP v2 defines (AudioFourCc). */
export const AUDIO_FOURCCS = ['mp4a', '.mp3', 'Opus', 'fLaC', 'ac-3', 'ec-3'] as const;

/** FourCC → FourCcInfoMask flags. */
export type FourCcInfoMap = Record<string, number>;

export interface EnhancedCapabilities {
  /** Supported codecs (the original E-RTMP list; "*" = any). */
  fourCcList?: string[];
  videoFourCcInfoMap?: FourCcInfoMap;
  audioFourCcInfoMap?: FourCcInfoMap;
  /** CapsExMask bits. */
  capsEx?: number;
}

/** Bounds on what is kept from a peer's connect: more entries than any real codec list. */
export const MAX_FOURCC_ENTRIES = 64;

const FIELDS = ['fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx'] as const;

/**
 * The Enhanced RTMP fields of a connect command object (or a `_result` object), or undefined when
 * it carries none of them (a legacy peer). Present-but-malformed fields still mark the peer as
 * Enhanced; the malformed parts are dropped.
 */
export function parseEnhancedCapabilities(object: unknown): EnhancedCapabilities | undefined {
  if (object === null || typeof object !== 'object') return undefined;
  const source = object as Record<string, unknown>;
  if (!FIELDS.some((field) => Object.hasOwn(source, field) && source[field] !== undefined)) return undefined;
  const caps: EnhancedCapabilities = {};
  const list = fourCcList(source.fourCcList);
  if (list) caps.fourCcList = list;
  const video = infoMap(source.videoFourCcInfoMap);
  if (video) caps.videoFourCcInfoMap = video;
  const audio = infoMap(source.audioFourCcInfoMap);
  if (audio) caps.audioFourCcInfoMap = audio;
  const capsEx = flags(source.capsEx);
  if (capsEx !== undefined) caps.capsEx = capsEx;
  return caps;
}

/** The AMF-ready properties for a connect command object or `_result` (absent fields left out). */
export function enhancedFields(caps: EnhancedCapabilities): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (caps.fourCcList !== undefined) out.fourCcList = [...caps.fourCcList];
  if (caps.videoFourCcInfoMap !== undefined) out.videoFourCcInfoMap = { ...caps.videoFourCcInfoMap };
  if (caps.audioFourCcInfoMap !== undefined) out.audioFourCcInfoMap = { ...caps.audioFourCcInfoMap };
  if (caps.capsEx !== undefined) out.capsEx = caps.capsEx;
  return out;
}

/**
 * The flags a map grants a codec: the "*" entry when present (it overrides specific codecs,
 * Enhanced RTMP v2 connect), else the codec's own entry, else 0.
 */
export function fourCcFlags(map: FourCcInfoMap | undefined, fourCc: string): number {
  if (!map) return 0;
  if (Object.hasOwn(map, WILDCARD_FOURCC)) return map[WILDCARD_FOURCC]!;
  return Object.hasOwn(map, fourCc) ? map[fourCc]! : 0;
}

/** Every codec of `codecs` with `mask`, plus the "*" wildcard with the same flags. */
export function fourCcInfoMapOf(codecs: readonly string[], mask: number): FourCcInfoMap {
  const map: FourCcInfoMap = { [WILDCARD_FOURCC]: mask };
  for (const codec of codecs) map[codec] = mask;
  return map;
}

/**
 * What a relay answers by default: it forwards every codec, video and audio (CanForward for each
 * defined FourCC and "*"), and passes Multitrack and ModEx packets through untouched. Reconnect and
 * TimestampNanoOffset are not claimed (the server neither sends reconnect requests nor reads the
 * nano offsets).
 */
export function defaultServerCapabilities(): EnhancedCapabilities {
  return {
    videoFourCcInfoMap: fourCcInfoMapOf(VIDEO_FOURCCS, FourCcInfoMask.CanForward),
    audioFourCcInfoMap: fourCcInfoMapOf(AUDIO_FOURCCS, FourCcInfoMask.CanForward),
    capsEx: CapsExMask.Multitrack | CapsExMask.ModEx,
  };
}

/** A FourCC key: four characters, or the "*" wildcard. */
function isFourCc(value: unknown): value is string {
  return typeof value === 'string' && (value.length === 4 || value === WILDCARD_FOURCC);
}

function fourCcList(value: unknown): string[] | undefined {
  // A strict array; an ECMA array (a keyed object) is read by its values, as readers should accept either.
  const items = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : undefined;
  if (!items) return undefined;
  return items.filter(isFourCc).slice(0, MAX_FOURCC_ENTRIES);
}

function infoMap(value: unknown): FourCcInfoMap | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const map: FourCcInfoMap = {};
  let count = 0;
  for (const [key, entry] of Object.entries(value)) {
    if (count >= MAX_FOURCC_ENTRIES) break;
    const mask = flags(entry);
    if (!isFourCc(key) || mask === undefined) continue;
    map[key] = mask;
    count++;
  }
  return map;
}

/** A flag set: an integer number in [0, 2^32), else undefined. */
function flags(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
}
