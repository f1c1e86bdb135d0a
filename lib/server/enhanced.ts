/**
 * The server's Enhanced RTMP v2 answer to a connect (veovera enhanced-rtmp v2, "Enhancing
 * NetConnection connect Command"): the `enhanced` option resolved against the relay defaults.
 */
import {
  defaultServerCapabilities,
  type EnhancedCapabilities,
  type FourCcInfoMap,
} from '../command/index.js';
import { ErrorCode, SessionError } from '../errors.js';

/** What the server states to Enhanced RTMP clients; each field absent = the default. */
export interface ServerEnhancedOptions {
  /** Default: CanForward for avc1, hvc1, av01, vp08, vp09 and "*". */
  videoFourCcInfoMap?: FourCcInfoMap;
  /** Default: CanForward for mp4a, .mp3, Opus, fLaC, ac-3, ec-3 and "*". */
  audioFourCcInfoMap?: FourCcInfoMap;
  /** Default: CapsExMask.Multitrack | CapsExMask.ModEx (passed through untouched). */
  capsEx?: number;
}

/** The answer for `enhanced` (false: Enhanced clients get the legacy reply too). Throws INVALID_OPTION. */
export function resolveServerCapabilities(option: ServerEnhancedOptions | false | undefined): EnhancedCapabilities | false {
  if (option === false) return false;
  const defaults = defaultServerCapabilities();
  const given = option ?? {};
  return {
    videoFourCcInfoMap: checkMap('enhanced.videoFourCcInfoMap', given.videoFourCcInfoMap) ?? defaults.videoFourCcInfoMap!,
    audioFourCcInfoMap: checkMap('enhanced.audioFourCcInfoMap', given.audioFourCcInfoMap) ?? defaults.audioFourCcInfoMap!,
    capsEx: given.capsEx === undefined ? defaults.capsEx! : checkFlags('enhanced.capsEx', given.capsEx),
  };
}

function checkMap(what: string, map: FourCcInfoMap | undefined): FourCcInfoMap | undefined {
  if (map === undefined) return undefined;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw invalid(`${what} must be an object of FourCC → flags`);
  const copy: FourCcInfoMap = {};
  for (const [key, value] of Object.entries(map)) copy[key] = checkFlags(`${what}[${JSON.stringify(key)}]`, value);
  return copy;
}

function checkFlags(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalid(`${what} must be an integer in [0, 2^32), got ${String(value)}`);
  }
  return value;
}

function invalid(message: string): SessionError {
  return new SessionError(ErrorCode.INVALID_OPTION, message);
}
