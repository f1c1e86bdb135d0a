/** Shared types and defaults of the handshake layer (RTMP 1.0 §5.2). */
import type { DigestSchema } from './digest.js';

/** 'simple': RTMP 1.0 §5.2 (random C1/S1, echoed C2/S2); 'digest': the Flash Player 9+ HMAC scheme. */
export type HandshakeScheme = 'simple' | 'digest';

/** The only RTMP version byte this library speaks in C0/S0 (RTMP 1.0 §5.2.2). */
export const RTMP_VERSION = 3;

/** S1 version field a server sends in the digest scheme: 5.0.3.1. Its first byte must be >= 3 or ffmpeg skips validation. */
export const DEFAULT_SERVER_VERSION = 0x05000301;

/** C1 version field a client sends in the digest scheme: 9.0.124.2, what ffmpeg and Flash Player 9 send. */
export const DEFAULT_CLIENT_VERSION = 0x09007c02;

/** What a finished handshake tells the caller. */
export interface HandshakeResult {
  /** Bytes that followed C2 (server) or S2 (client) in the same read: the chunk layer's first bytes. Possibly empty. */
  rest: Buffer;
  /** The 4-byte version field of the peer's C1 (server) or S1 (client); 0 asks for the simple scheme. */
  peerVersion: number;
  /** The scheme the handshake actually used. */
  scheme: HandshakeScheme;
  /**
   * Whether the peer's C1/S1 held a valid digest; undefined when it was not checked (peer version 0,
   * or this side was set to the simple scheme).
   */
  peerDigestValid?: boolean;
  /** Block layout of the peer's C1/S1 when its digest was found: 0 = digest block first, 1 = key block first. */
  peerSchema?: DigestSchema;
  /**
   * Server only: whether C2 answered S1 properly, either signed (digest scheme) or echoing S1's
   * random bytes (what the simple scheme asks, and what ffmpeg sends when publishing). Servers never
   * reject a C2; this is for logging.
   */
  c2Valid?: boolean;
  /** Client only: whether S2 answered C1 properly, signed or echoed. Never rejected either. */
  s2Valid?: boolean;
  /** Whether the peer's C2/S2 echoed the random bytes (8..1535) of our S1/C1. */
  peerEchoed?: boolean;
}

/** What one `push()` into a handshake machine yields. */
export interface HandshakeStep {
  /** Bytes to send to the peer, in order (at most one buffer per step). */
  output: Buffer[];
  /** True once the handshake is complete. */
  done: boolean;
  /** When done: the bytes of this push that follow the handshake (same as `result.rest`). */
  rest?: Buffer;
  /** When done: the outcome. */
  result?: HandshakeResult;
}

/** Options both machines share. */
export interface HandshakeMachineOptions {
  /** Time field of our C1/S1 (RTMP 1.0 §5.2.3 allows 0 or any epoch). Default 0. */
  time?: number;
  /**
   * Fills our random bytes, once per handshake. Default `crypto.randomFillSync`. Tests pass a
   * seeded one to get reproducible bytes.
   */
  randomFill?: (buf: Buffer) => void;
}
