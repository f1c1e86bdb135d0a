/**
 * Client side of the handshake as a pure state machine: send `start()`'s bytes (C0 + C1), feed the
 * server's bytes to `push()`, send what it returns. No I/O, no timers (see socket.ts).
 *
 *   start      → C0 + C1 (digest C1 by default, like Flash Player 9+; version 0 in the simple scheme)
 *   state 0  S0    1 byte     version 3 or HandshakeError HANDSHAKE_VERSION (RTMP 1.0 §5.2.2)
 *   state 1  S1    1536 bytes → C2: signed when S1 carries a valid digest, else an echo of S1.
 *                  With our digest C1 and a non-zero S1 version, a missing digest is
 *                  HandshakeError HANDSHAKE_DIGEST unless `validatePeer: false`.
 *   state 2  S2    1536 bytes checked, never rejected; result.s2Valid
 *   state 3  done  bytes after S2 go to result.rest, later pushes pass straight through
 *
 * The client sends C2 as soon as S1 is in and nothing else before S2 (RTMP 1.0 §5.2.1).
 */
import { randomFillSync } from 'node:crypto';
import { ErrorCode, HandshakeError } from '../errors.js';
import {
  HANDSHAKE_SIZE,
  PLAYER_KEY,
  PLAYER_KEY_SHORT,
  SERVER_KEY,
  imprintDigest,
  signResponse,
  validateS1,
  verifyResponse,
  type DigestSchema,
} from './digest.js';
import { HandshakeMachine } from './machine.js';
import {
  DEFAULT_CLIENT_VERSION,
  RTMP_VERSION,
  type HandshakeMachineOptions,
  type HandshakeScheme,
} from './types.js';

export interface ClientHandshakeOptions extends HandshakeMachineOptions {
  /** 'digest' (default, like Flash Player 9+) or 'simple' (C1 version 0). */
  scheme?: HandshakeScheme;
  /** Version field of C1 in the digest scheme. Default DEFAULT_CLIENT_VERSION (9.0.124.2). */
  version?: number;
  /** Block layout of our digest C1. Default 0 (digest block first), as ffmpeg and librtmp send. */
  schema?: DigestSchema;
  /** Reject an S1 with a non-zero version but no valid digest (digest scheme only). Default true. */
  validatePeer?: boolean;
}



export class ClientHandshake extends HandshakeMachine {
  protected readonly versionPacketName = 'S0' as const;
  private readonly scheme: HandshakeScheme;
  private readonly validatePeer: boolean;
  /** C0 + C1 then our C2, random-filled once. */
  private readonly packets: Buffer;
  /** The digest inside our C1 (digest scheme only): S2's signature is keyed by it. */
  private c1Digest: Buffer | undefined;

  constructor(options: ClientHandshakeOptions = {}) {
    super();
    this.scheme = options.scheme ?? 'digest';
    this.validatePeer = options.validatePeer ?? true;
    this.packets = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
    (options.randomFill ?? randomFillSync)(this.packets);
    this.packets[0] = RTMP_VERSION;
    const c1 = this.c1();
    c1.writeUInt32BE((options.time ?? 0) >>> 0, 0);
    if (this.scheme === 'digest') {
      c1.writeUInt32BE((options.version ?? DEFAULT_CLIENT_VERSION) >>> 0, 4);
      this.c1Digest = imprintDigest(c1, options.schema ?? 0, PLAYER_KEY_SHORT);
    } else {
      c1.writeUInt32BE(0, 4); // zero version: the simple scheme
    }
  }

  /** C0 + C1, to send first. */
  start(): Buffer {
    return this.packets.subarray(0, 1 + HANDSHAKE_SIZE);
  }

  private c1(): Buffer {
    return this.packets.subarray(1, 1 + HANDSHAKE_SIZE);
  }

  /** Our C2: signed with S1's digest when there is one, else an echo of S1 (RTMP 1.0 §5.2.4). */
  protected answerPacket1(s1: Buffer): Buffer {
    const c2 = this.packets.subarray(1 + HANDSHAKE_SIZE);
    const peerVersion = s1.readUInt32BE(4);
    const checked = this.scheme === 'digest' && peerVersion !== 0;
    const match = checked ? validateS1(s1) : undefined;
    if (checked && match === undefined && this.validatePeer) {
      throw new HandshakeError(
        ErrorCode.HANDSHAKE_DIGEST,
        `S1 has version 0x${peerVersion.toString(16).padStart(8, '0')} but no valid server digest at either position`,
      );
    }
    if (match !== undefined) signResponse(c2, match.digest, PLAYER_KEY);
    else s1.copy(c2);
    this.result = {
      rest: Buffer.alloc(0),
      peerVersion,
      scheme: match !== undefined ? 'digest' : 'simple',
      ...(checked ? { peerDigestValid: match !== undefined } : {}),
      ...(match !== undefined ? { peerSchema: match.schema } : {}),
    };
    return c2;
  }

  /** Records whether S2 answered C1; a server that echoes C1 in the simple scheme is fine too. */
  protected checkPacket2(s2: Buffer): void {
    const echoed = s2.subarray(8).equals(this.c1().subarray(8));
    const signed = this.result!.scheme === 'digest' && verifyResponse(s2, this.c1Digest!, SERVER_KEY);
    this.result!.peerEchoed = echoed;
    this.result!.s2Valid = echoed || signed;
  }
}
