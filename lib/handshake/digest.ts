/**
 * The digest ("complex", Flash Player 9+) handshake: HMAC-SHA256 signatures hidden in C1/S1 and the
 * signed C2/S2 answers. Not part of the RTMP 1.0 text (§5.2 describes only the simple scheme); the
 * layout below is the de-facto one every Flash-era peer uses, checked against ffmpeg and rtmpdump.
 *
 * A C1/S1 packet is 1536 bytes: time (4), version (4), then two 764-byte blocks, a "digest block" and
 * a "key block", in one of two orders:
 *   schema 0: digest block at 8..771,   key block at 772..1535
 *   schema 1: key block at 8..771,      digest block at 772..1535
 * A digest block starts with 4 offset bytes; the 32-byte digest sits at block start + 4 +
 * (sum of those 4 bytes mod 728). The digest is HMAC-SHA256 over the 1504 other bytes of the packet,
 * keyed with the short player key (client) or the short server key (server).
 *
 * A C2/S2 answer is 1504 bytes (random) + HMAC-SHA256 of them, keyed with
 * HMAC-SHA256(full key, the peer's C1/S1 digest): the 68-byte server key for S2, the 62-byte player
 * key for C2.
 */
import { createHmac } from 'node:crypto';

/** Size of C1, S1, C2 and S2 (RTMP 1.0 §5.2.3). */
export const HANDSHAKE_SIZE = 1536;
/** SHA-256 digest length. */
export const DIGEST_SIZE = 32;
/** Where a C2/S2 answer's signature starts: 1536 - 32. */
export const RESPONSE_SIGNATURE_OFFSET = HANDSHAKE_SIZE - DIGEST_SIZE;

/** Which block layout a C1/S1 uses: 0 = digest block first (at 8), 1 = key block first (digest block at 772). */
export type DigestSchema = 0 | 1;

/** The 32 constant bytes both Adobe keys end with. */
const KEY_SUFFIX = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);

/** "Genuine Adobe Flash Player 001" + the 32 constant bytes: 62 bytes. Keys C2's signature. */
export const PLAYER_KEY: Buffer = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), KEY_SUFFIX]);
/** "Genuine Adobe Flash Media Server 001" + the 32 constant bytes: 68 bytes. Keys S2's signature. */
export const SERVER_KEY: Buffer = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), KEY_SUFFIX]);
/** First 30 bytes of the player key: keys the digest inside C1. */
export const PLAYER_KEY_SHORT: Buffer = PLAYER_KEY.subarray(0, 30);
/** First 36 bytes of the server key: keys the digest inside S1. */
export const SERVER_KEY_SHORT: Buffer = SERVER_KEY.subarray(0, 36);

/** Where a schema's digest block starts. */
const DIGEST_BLOCK_START: Record<DigestSchema, number> = { 0: 8, 1: 772 };
/** Digest positions within a block: 764 - 4 offset bytes - 32 digest bytes. */
const DIGEST_POSITIONS = 728;

/** Absolute offset of the digest in a C1/S1 `packet` laid out with `schema`. */
export function digestOffset(packet: Buffer, schema: DigestSchema): number {
  const block = DIGEST_BLOCK_START[schema];
  const sum = packet[block]! + packet[block + 1]! + packet[block + 2]! + packet[block + 3]!;
  return block + 4 + (sum % DIGEST_POSITIONS);
}

/** HMAC-SHA256 with `key` over the 1536-byte `packet` minus the 32 bytes at `digestAt`. */
export function computeDigest(packet: Buffer, digestAt: number, key: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(packet.subarray(0, digestAt))
    .update(packet.subarray(digestAt + DIGEST_SIZE, HANDSHAKE_SIZE))
    .digest();
}

/** Where a valid digest was found in a C1/S1. */
export interface DigestMatch {
  schema: DigestSchema;
  /** Absolute offset of the digest in the packet. */
  offset: number;
  /** The 32 digest bytes (a view into the packet). */
  digest: Buffer;
}

/**
 * Looks for a valid digest in a 1536-byte C1 (`key` = PLAYER_KEY_SHORT) or S1 (`key` =
 * SERVER_KEY_SHORT), trying schema 0 then schema 1 (ffmpeg and librtmp send schema 0 unless
 * encrypting). Undefined when neither position holds one.
 */
export function findDigest(packet: Buffer, key: Buffer): DigestMatch | undefined {
  if (packet.length < HANDSHAKE_SIZE) return undefined;
  for (const schema of [0, 1] as const) {
    const offset = digestOffset(packet, schema);
    const digest = packet.subarray(offset, offset + DIGEST_SIZE);
    if (computeDigest(packet, offset, key).equals(digest)) return { schema, offset, digest };
  }
  return undefined;
}

/** Finds the player's digest in a C1. */
export function validateC1(c1: Buffer): DigestMatch | undefined {
  return findDigest(c1, PLAYER_KEY_SHORT);
}

/** Finds the server's digest in an S1. */
export function validateS1(s1: Buffer): DigestMatch | undefined {
  return findDigest(s1, SERVER_KEY_SHORT);
}

/**
 * Writes the digest into a 1536-byte `packet` (its time, version and random bytes already filled) at
 * the position `schema` gives, and returns a view of it.
 */
export function imprintDigest(packet: Buffer, schema: DigestSchema, key: Buffer): Buffer {
  const offset = digestOffset(packet, schema);
  computeDigest(packet, offset, key).copy(packet, offset);
  return packet.subarray(offset, offset + DIGEST_SIZE);
}

/** The signature that ends a C2/S2 answer: HMAC(HMAC(fullKey, peerDigest), first 1504 bytes). */
export function responseSignature(response: Buffer, peerDigest: Buffer, fullKey: Buffer): Buffer {
  const key = createHmac('sha256', fullKey).update(peerDigest).digest();
  return createHmac('sha256', key).update(response.subarray(0, RESPONSE_SIGNATURE_OFFSET)).digest();
}

/** Writes the signature into the last 32 bytes of a 1536-byte answer whose first 1504 bytes are filled. */
export function signResponse(response: Buffer, peerDigest: Buffer, fullKey: Buffer): void {
  responseSignature(response, peerDigest, fullKey).copy(response, RESPONSE_SIGNATURE_OFFSET);
}

/** True when a 1536-byte C2 (`fullKey` = PLAYER_KEY) or S2 (SERVER_KEY) answers `ownDigest`. */
export function verifyResponse(response: Buffer, ownDigest: Buffer, fullKey: Buffer): boolean {
  if (response.length < HANDSHAKE_SIZE) return false;
  return responseSignature(response, ownDigest, fullKey).equals(response.subarray(RESPONSE_SIGNATURE_OFFSET, HANDSHAKE_SIZE));
}
