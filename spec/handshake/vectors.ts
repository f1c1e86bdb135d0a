/**
 * The handshake test vectors and an independent reference of the digest scheme, written from the
 * published layout (not from lib/handshake): keys spelled out byte by byte, HMACs straight from
 * node:crypto. Shared by digest, server, client and split tests.
 */
import { createHmac } from 'node:crypto';
import { createPrng } from '../helpers/prng.js';

/** "Genuine Adobe Flash Player 001" */
const PLAYER_TEXT = [
  0x47, 0x65, 0x6e, 0x75, 0x69, 0x6e, 0x65, 0x20, // "Genuine "
  0x41, 0x64, 0x6f, 0x62, 0x65, 0x20, //             "Adobe "
  0x46, 0x6c, 0x61, 0x73, 0x68, 0x20, //             "Flash "
  0x50, 0x6c, 0x61, 0x79, 0x65, 0x72, 0x20, //       "Player "
  0x30, 0x30, 0x31, //                               "001"
];
/** "Genuine Adobe Flash Media Server 001" */
const SERVER_TEXT = [
  0x47, 0x65, 0x6e, 0x75, 0x69, 0x6e, 0x65, 0x20, // "Genuine "
  0x41, 0x64, 0x6f, 0x62, 0x65, 0x20, //             "Adobe "
  0x46, 0x6c, 0x61, 0x73, 0x68, 0x20, //             "Flash "
  0x4d, 0x65, 0x64, 0x69, 0x61, 0x20, //             "Media "
  0x53, 0x65, 0x72, 0x76, 0x65, 0x72, 0x20, //       "Server "
  0x30, 0x30, 0x31, //                               "001"
];
/** The 32 constant bytes appended to both keys (public spec material; confirmed against ffmpeg and rtmpdump). */
const SUFFIX = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];

export const REF_PLAYER_KEY_62 = Buffer.from([...PLAYER_TEXT, ...SUFFIX]);
export const REF_SERVER_KEY_68 = Buffer.from([...SERVER_TEXT, ...SUFFIX]);
export const REF_PLAYER_KEY_30 = Buffer.from(PLAYER_TEXT);
export const REF_SERVER_KEY_36 = Buffer.from(SERVER_TEXT);

/** HMAC-SHA256 of a 1536-byte packet without the 32 bytes at `at`. */
export function refDigest(packet: Buffer, at: number, key: Buffer): Buffer {
  return createHmac('sha256', key).update(Buffer.concat([packet.subarray(0, at), packet.subarray(at + 32)])).digest();
}

/** Signature of a C2/S2 answer: HMAC(HMAC(fullKey, peerDigest), bytes 0..1503). */
export function refSignature(answer: Buffer, peerDigest: Buffer, fullKey: Buffer): Buffer {
  const key = createHmac('sha256', fullKey).update(peerDigest).digest();
  return createHmac('sha256', key).update(answer.subarray(0, 1504)).digest();
}

/** Looks for a digest at both positions, the reference way. */
export function refFindDigest(packet: Buffer, key: Buffer): { schema: 0 | 1; offset: number; digest: Buffer } | undefined {
  for (const [schema, block] of [[0, 8], [1, 772]] as const) {
    const offset = block + 4 + ((packet[block]! + packet[block + 1]! + packet[block + 2]! + packet[block + 3]!) % 728);
    const digest = packet.subarray(offset, offset + 32);
    if (refDigest(packet, offset, key).equals(digest)) return { schema, offset, digest };
  }
  return undefined;
}

export interface DigestVector {
  name: string;
  schema: 0 | 1;
  /** The 4 offset bytes at the start of the digest block. */
  offsetBytes: [number, number, number, number];
  /** Where the digest must sit, worked out by hand: block + 4 + (sum mod 728). */
  digestAt: number;
  /** The 4-byte version field of the packet. */
  version: number;
  seed: number;
}

/** ONE table of digest-position vectors, used by the digest, server and client tests. */
export const DIGEST_VECTORS: DigestVector[] = [
  // digest block 8..771; 1+2+3+4 = 10 → 8 + 4 + 10
  { name: 'schema 0, small sum', schema: 0, offsetBytes: [0x01, 0x02, 0x03, 0x04], digestAt: 22, version: 0x09007c02, seed: 1 },
  // 4 × 255 = 1020, 1020 mod 728 = 292 → 8 + 4 + 292
  { name: 'schema 0, all 0xff', schema: 0, offsetBytes: [0xff, 0xff, 0xff, 0xff], digestAt: 304, version: 0x80000702, seed: 2 },
  // 255+255+217+0 = 727 (the last position) → 8 + 4 + 727 = 739; the digest ends at 771, the block's end
  { name: 'schema 0, last position', schema: 0, offsetBytes: [0xff, 0xff, 0xd9, 0x00], digestAt: 739, version: 0x0a002d02, seed: 3 },
  // digest block 772..1535; sum 0 → 772 + 4 + 0
  { name: 'schema 1, zero sum', schema: 1, offsetBytes: [0x00, 0x00, 0x00, 0x00], digestAt: 776, version: 0x09007c02, seed: 4 },
  // 4 × 182 = 728 ≡ 0 → 776 again (the modulo wraps)
  { name: 'schema 1, sum 728 wraps', schema: 1, offsetBytes: [0xb6, 0xb6, 0xb6, 0xb6], digestAt: 776, version: 0x80000702, seed: 5 },
  // 727 → 772 + 4 + 727 = 1503; the digest ends at 1535, the packet's end
  { name: 'schema 1, last position', schema: 1, offsetBytes: [0xff, 0xff, 0xd9, 0x00], digestAt: 1503, version: 0x0a002d02, seed: 6 },
];

/**
 * A C1 (or S1 with the server key) for a vector: seeded random bytes, time 0x01020304, the
 * vector's version and offset bytes, then the digest computed here and written at `digestAt`.
 */
export function buildDigestPacket(v: DigestVector, key: Buffer = REF_PLAYER_KEY_30): Buffer {
  const packet = createPrng(v.seed).bytes(1536);
  packet.writeUInt32BE(0x01020304, 0); // time
  packet.writeUInt32BE(v.version, 4); // version
  Buffer.from(v.offsetBytes).copy(packet, v.schema === 0 ? 8 : 772);
  refDigest(packet, v.digestAt, key).copy(packet, v.digestAt);
  return packet;
}

/** A simple-scheme C1/S1: seeded random, time, version 0 (RTMP 1.0 §5.2.3). */
export function buildSimplePacket(seed: number): Buffer {
  const packet = createPrng(seed).bytes(1536);
  packet.writeUInt32BE(0x00000abc, 0);
  packet.writeUInt32BE(0, 4);
  return packet;
}

/** A deterministic `randomFill` for the machines. */
export function seededFill(seed: number): (buf: Buffer) => void {
  return (buf) => {
    createPrng(seed).bytes(buf.length).copy(buf);
  };
}

