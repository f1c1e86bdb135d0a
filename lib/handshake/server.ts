/**
 * Server side of the handshake as a pure state machine: feed it the peer's bytes, send what it
 * returns. No I/O, no timers (see socket.ts for those).
 *
 *   state 0  C0    1 byte     version 3 or HandshakeError HANDSHAKE_VERSION (RTMP 1.0 §5.2.2)
 *   state 1  C1    1536 bytes → S0 + S1 + S2 in one buffer (digest reply to a digest C1, else simple)
 *   state 2  C2    1536 bytes checked, never rejected (ffmpeg publishers echo S1); result.c2Valid
 *   state 3  done  bytes after C2 go to result.rest, later pushes pass straight through
 *
 * The server may wait for C1 before sending S0 and S1 (RTMP 1.0 §5.2.1), which it needs to pick the
 * scheme and to sign S2.
 */
import { randomFillSync } from 'node:crypto';
import {
  HANDSHAKE_SIZE,
  PLAYER_KEY,
  SERVER_KEY,
  SERVER_KEY_SHORT,
  imprintDigest,
  signResponse,
  validateC1,
  verifyResponse,
} from './digest.js';
import { HandshakeMachine } from './machine.js';
import {
  DEFAULT_SERVER_VERSION,
  RTMP_VERSION,
  type HandshakeMachineOptions,
  type HandshakeScheme,
} from './types.js';

export interface ServerHandshakeOptions extends HandshakeMachineOptions {
  /**
   * 'digest' (default): answer a C1 that carries a valid digest with a digest S1/S2, anything else
   * with the simple scheme. 'simple': always the simple scheme.
   */
  scheme?: HandshakeScheme;
  /** Version field of S1 in the digest scheme. Default DEFAULT_SERVER_VERSION (5.0.3.1). */
  version?: number;
}



export class ServerHandshake extends HandshakeMachine {
  protected readonly versionPacketName = 'C0' as const;
  private readonly scheme: HandshakeScheme;
  private readonly version: number;
  private readonly time: number;
  private readonly randomFill: (buf: Buffer) => void;
  /** Our S1, kept until C2 arrives to check it. */
  private s1: Buffer | undefined;
  /** The digest inside our S1 (digest scheme only): C2's signature is keyed by it. */
  private s1Digest: Buffer | undefined;

  constructor(options: ServerHandshakeOptions = {}) {
    super();
    this.scheme = options.scheme ?? 'digest';
    this.version = (options.version ?? DEFAULT_SERVER_VERSION) >>> 0;
    this.time = (options.time ?? 0) >>> 0;
    this.randomFill = options.randomFill ?? randomFillSync;
  }

  /** S0 + S1 + S2 in one buffer, random-filled once. */
  protected answerPacket1(c1: Buffer): Buffer {
    const out = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
    this.randomFill(out);
    out[0] = RTMP_VERSION;
    const s1 = out.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = out.subarray(1 + HANDSHAKE_SIZE);
    s1.writeUInt32BE(this.time, 0);
    const peerVersion = c1.readUInt32BE(4);
    // A zero version asks for the simple scheme; a non-zero one usually carries a digest.
    const checked = peerVersion !== 0 && this.scheme === 'digest';
    const match = checked ? validateC1(c1) : undefined;
    if (match !== undefined) {
      s1.writeUInt32BE(this.version, 4);
      // Answer in the client's layout, as Flash Media Server does.
      this.s1Digest = imprintDigest(s1, match.schema, SERVER_KEY_SHORT);
      signResponse(s2, match.digest, SERVER_KEY);
    } else {
      s1.writeUInt32BE(0, 4);
      c1.copy(s2); // RTMP 1.0 §5.2.4: S2 echoes C1
    }
    this.s1 = s1;
    this.result = {
      rest: Buffer.alloc(0),
      peerVersion,
      scheme: match !== undefined ? 'digest' : 'simple',
      ...(checked ? { peerDigestValid: match !== undefined } : {}),
      ...(match !== undefined ? { peerSchema: match.schema } : {}),
    };
    return out;
  }

  /** Records whether C2 answered S1; never rejects (ffmpeg publishers echo S1 even in the digest scheme). */
  protected checkPacket2(c2: Buffer): void {
    const s1 = this.s1!;
    // RTMP 1.0 §5.2.4: C2's time fields may differ; the random bytes must echo S1's.
    const echoed = c2.subarray(8).equals(s1.subarray(8));
    const signed = this.s1Digest !== undefined && verifyResponse(c2, this.s1Digest, PLAYER_KEY);
    const result = this.result!;
    result.peerEchoed = echoed;
    result.c2Valid = echoed || signed;
    this.s1 = undefined;
    this.s1Digest = undefined;
  }
}
