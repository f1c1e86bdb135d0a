import { ErrorCode, HandshakeError } from '../errors.js';
import { RTMP_VERSION } from './types.js';

/**
 * Checks a C0/S0 version byte. RTMP 1.0 §5.2.2: 3 is the version; 0-2 are deprecated, 4-31 are
 * reserved, 32-255 are forbidden so RTMP can be told from text protocols. The spec lets a server
 * answer 3 to an unknown version; we refuse instead, because every peer we know sends 3 and the
 * other values mean RTMPE (6, 8, 9) or a wrong protocol on the port (HTTP, TLS).
 * All failures are HandshakeError HANDSHAKE_VERSION; RTMPE, TLS and text get their own message.
 */
export function checkVersion(version: number, packet: 'C0' | 'S0'): void {
  if (version === RTMP_VERSION) return;
  throw new HandshakeError(ErrorCode.HANDSHAKE_VERSION, versionMessage(version, packet));
}

function versionMessage(version: number, packet: string): string {
  const head = `${packet} version ${version} (0x${version.toString(16).padStart(2, '0')})`;
  if (version === 6 || version === 8 || version === 9) {
    return `${head}: encrypted RTMPE is not supported, only plain RTMP version 3`;
  }
  if (version === 0x16) return `${head}: looks like a TLS handshake; use an rtmps listener for TLS`;
  if (version >= 32) return `${head}: not RTMP (RTMP 1.0 §5.2.2 forbids 32-255; a text protocol such as HTTP?)`;
  return `${head}: unsupported, only RTMP version 3 (RTMP 1.0 §5.2.2)`;
}
