/**
 * Byte-exact chunk stream vectors, hand-computed from RTMP 1.0 §5.3, shared by the decode, encode
 * and round-trip specs. Header bytes carry per-byte comments; payloads are filler (`fill`).
 *
 * Basic header (§5.3.1.1): first byte = fmt << 6 | csid for csid 2..63; low bits 0 → 2-byte form
 * (csid = 64 + b1), low bits 1 → 3-byte form (csid = 64 + b1 + b2 * 256).
 * Message header (§5.3.1.2): fmt 0 = timestamp(3) length(3) type(1) stream id(4, little-endian);
 * fmt 1 = delta(3) length(3) type(1); fmt 2 = delta(3); fmt 3 = nothing. A 3-byte timestamp of
 * 0xFFFFFF means a 4-byte extended timestamp follows (§5.3.1.3), also after fmt 3 headers.
 */
import type { Chunk } from '../../lib/chunk/chunk.js';
import type { Message } from '../../lib/message/message.js';

export interface ChunkVector {
  name: string;
  /** Chunk size both sides start with (default 128). */
  chunkSize?: number;
  bytes: Buffer;
  /** What ChunkDecoder emits, in order. */
  chunks: Chunk[];
  /** What MessageAssembler emits, in order. */
  messages: Message[];
  /** Sizes announced through the decoder's 'setChunkSize' event. */
  setChunkSizes?: number[];
  /** MessageChunker → ChunkEncoder writes exactly `bytes` for `messages` (our header choices match). */
  chunkerWritesThis: boolean;
}

/** `n` filler bytes: seed, seed+1, ... (mod 256), so misplaced bytes show. */
export function fill(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (seed + i) & 0xff);
}

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const buf = (b: number[]): Buffer => Buffer.from(b);

/** A decoded chunk; `timestampField` and `extendedTimestamp` default to the plain fmt-0 case. */
function chunk(c: Omit<Chunk, 'timestampField' | 'extendedTimestamp' | 'messageOffset'> & Partial<Chunk>): Chunk {
  return {
    fmt: c.fmt,
    chunkStreamId: c.chunkStreamId,
    timestamp: c.timestamp,
    timestampField: c.timestampField ?? c.timestamp,
    extendedTimestamp: c.extendedTimestamp ?? false,
    messageLength: c.messageLength,
    messageTypeId: c.messageTypeId,
    messageStreamId: c.messageStreamId,
    messageOffset: c.messageOffset ?? 0,
    payload: c.payload,
  };
}

function message(chunkStreamId: number, messageStreamId: number, timestamp: number, type: number, data: number[]): Message {
  return { chunkStreamId, messageStreamId, timestamp, type, length: data.length, data: Buffer.from(data) };
}

// Payloads reused below.
const p4 = fill(4, 0x10);
const audio32 = [fill(32, 0x20), fill(32, 0x40), fill(32, 0x60), fill(32, 0x80)];
const video307 = fill(307, 0x01);
const ext200 = fill(200, 0x30);
const inter200 = fill(200, 0x50);
const inter150 = fill(150, 0xa0);
const big200 = fill(200, 0x70);
const abort200 = fill(200, 0x90);

export const vectors: ChunkVector[] = [
  {
    name: 'fmt 0, 1-byte basic header (csid 3), message stream id 0',
    bytes: bytes(
      0x03,                   // fmt 0 (00) | csid 3 (000011)
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x04,       // message length 4
      0x14,                   // type 20 (command, AMF0)
      0x00, 0x00, 0x00, 0x00, // message stream id 0 (LE)
      ...p4,                  // payload, 4 bytes
    ),
    chunks: [chunk({ fmt: 0, chunkStreamId: 3, timestamp: 0, messageLength: 4, messageTypeId: 20, messageStreamId: 0, payload: buf(p4) })],
    messages: [message(3, 0, 0, 20, p4)],
    chunkerWritesThis: true,
  },
  {
    name: 'RTMP 1.0 §5.3.2.1 example: audio fmt 0, fmt 2, fmt 3, fmt 3 (csid 3, stream 12345, 32 bytes, +20 ms)',
    bytes: bytes(
      0x03,                   // fmt 0 | csid 3
      0x00, 0x03, 0xe8,       // timestamp 1000
      0x00, 0x00, 0x20,       // length 32
      0x08,                   // type 8 (audio)
      0x39, 0x30, 0x00, 0x00, // message stream id 12345 = 0x3039 (LE)
      ...audio32[0]!,
      0x83,                   // fmt 2 (10) | csid 3
      0x00, 0x00, 0x14,       // timestamp delta 20
      ...audio32[1]!,
      0xc3,                   // fmt 3 (11) | csid 3: same length, type, stream and delta 20
      ...audio32[2]!,
      0xc3,                   // fmt 3 | csid 3
      ...audio32[3]!,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 3, timestamp: 1000, messageLength: 32, messageTypeId: 8, messageStreamId: 12345, payload: buf(audio32[0]!) }),
      chunk({ fmt: 2, chunkStreamId: 3, timestamp: 1020, timestampField: 20, messageLength: 32, messageTypeId: 8, messageStreamId: 12345, payload: buf(audio32[1]!) }),
      chunk({ fmt: 3, chunkStreamId: 3, timestamp: 1040, timestampField: 20, messageLength: 32, messageTypeId: 8, messageStreamId: 12345, payload: buf(audio32[2]!) }),
      chunk({ fmt: 3, chunkStreamId: 3, timestamp: 1060, timestampField: 20, messageLength: 32, messageTypeId: 8, messageStreamId: 12345, payload: buf(audio32[3]!) }),
    ],
    messages: [
      message(3, 12345, 1000, 8, audio32[0]!),
      message(3, 12345, 1020, 8, audio32[1]!),
      message(3, 12345, 1040, 8, audio32[2]!),
      message(3, 12345, 1060, 8, audio32[3]!),
    ],
    chunkerWritesThis: true,
  },
  {
    name: 'RTMP 1.0 §5.3.2.2 example: a 307-byte video message over 128-byte chunks (fmt 0, fmt 3, fmt 3)',
    bytes: bytes(
      0x04,                   // fmt 0 | csid 4
      0x00, 0x03, 0xe8,       // timestamp 1000
      0x00, 0x01, 0x33,       // length 307
      0x09,                   // type 9 (video)
      0x3a, 0x30, 0x00, 0x00, // message stream id 12346 (LE)
      ...video307.slice(0, 128),
      0xc4,                   // fmt 3 | csid 4: continuation
      ...video307.slice(128, 256),
      0xc4,                   // fmt 3 | csid 4: continuation, 51 bytes left
      ...video307.slice(256),
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 4, timestamp: 1000, messageLength: 307, messageTypeId: 9, messageStreamId: 12346, payload: buf(video307.slice(0, 128)) }),
      chunk({ fmt: 3, chunkStreamId: 4, timestamp: 1000, messageLength: 307, messageTypeId: 9, messageStreamId: 12346, messageOffset: 128, payload: buf(video307.slice(128, 256)) }),
      chunk({ fmt: 3, chunkStreamId: 4, timestamp: 1000, messageLength: 307, messageTypeId: 9, messageStreamId: 12346, messageOffset: 256, payload: buf(video307.slice(256)) }),
    ],
    messages: [message(4, 12346, 1000, 9, video307)],
    chunkerWritesThis: true,
  },
  {
    name: 'fmt 1: same stream, new length and type (csid 4)',
    bytes: bytes(
      0x04,                   // fmt 0 | csid 4
      0x00, 0x00, 0x64,       // timestamp 100
      0x00, 0x00, 0x02,       // length 2
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0xaa, 0xbb,
      0x44,                   // fmt 1 (01) | csid 4
      0x00, 0x00, 0x21,       // delta 33
      0x00, 0x00, 0x03,       // length 3
      0x09,                   // type 9
      0xcc, 0xdd, 0xee,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 4, timestamp: 100, messageLength: 2, messageTypeId: 8, messageStreamId: 1, payload: bytes(0xaa, 0xbb) }),
      chunk({ fmt: 1, chunkStreamId: 4, timestamp: 133, timestampField: 33, messageLength: 3, messageTypeId: 9, messageStreamId: 1, payload: bytes(0xcc, 0xdd, 0xee) }),
    ],
    messages: [message(4, 1, 100, 8, [0xaa, 0xbb]), message(4, 1, 133, 9, [0xcc, 0xdd, 0xee])],
    chunkerWritesThis: true,
  },
  {
    name: 'csid 63: the largest 1-byte basic header',
    bytes: bytes(
      0x3f,                   // fmt 0 | csid 63 (111111)
      0x00, 0x00, 0x05,       // timestamp 5
      0x00, 0x00, 0x01,       // length 1
      0x12,                   // type 18 (data, AMF0)
      0x02, 0x00, 0x00, 0x00, // stream 2
      0x77,
    ),
    chunks: [chunk({ fmt: 0, chunkStreamId: 63, timestamp: 5, messageLength: 1, messageTypeId: 18, messageStreamId: 2, payload: bytes(0x77) })],
    messages: [message(63, 2, 5, 18, [0x77])],
    chunkerWritesThis: true,
  },
  {
    name: 'csid 64 and 319: the 2-byte basic header (fmt 0, then fmt 2 on 64)',
    bytes: bytes(
      0x00, 0x00,             // fmt 0 | marker 0 → 2-byte form; csid = 64 + 0
      0x00, 0x00, 0x0a,       // timestamp 10
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x11,
      0x00, 0xff,             // fmt 0 | marker 0; csid = 64 + 255 = 319
      0x00, 0x00, 0x0b,       // timestamp 11
      0x00, 0x00, 0x01,       // length 1
      0x09,                   // type 9
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x22,
      0x80, 0x00,             // fmt 2 (10) | marker 0; csid 64
      0x00, 0x00, 0x14,       // delta 20
      0x33,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 64, timestamp: 10, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x11) }),
      chunk({ fmt: 0, chunkStreamId: 319, timestamp: 11, messageLength: 1, messageTypeId: 9, messageStreamId: 1, payload: bytes(0x22) }),
      chunk({ fmt: 2, chunkStreamId: 64, timestamp: 30, timestampField: 20, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x33) }),
    ],
    messages: [message(64, 1, 10, 8, [0x11]), message(319, 1, 11, 9, [0x22]), message(64, 1, 30, 8, [0x33])],
    chunkerWritesThis: true,
  },
  {
    name: 'csid 320 and 65599: the 3-byte basic header (fmt 0, then fmt 1 on 65599)',
    bytes: bytes(
      0x01, 0x00, 0x01,       // fmt 0 | marker 1 → 3-byte form; csid = 64 + 0 + 1 * 256 = 320
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x44,
      0x01, 0xff, 0xff,       // fmt 0 | marker 1; csid = 64 + 255 + 255 * 256 = 65599
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x55,
      0x41, 0xff, 0xff,       // fmt 1 (01) | marker 1; csid 65599
      0x00, 0x00, 0x01,       // delta 1
      0x00, 0x00, 0x02,       // length 2
      0x09,                   // type 9
      0x66, 0x67,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 320, timestamp: 0, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x44) }),
      chunk({ fmt: 0, chunkStreamId: 65599, timestamp: 0, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x55) }),
      chunk({ fmt: 1, chunkStreamId: 65599, timestamp: 1, timestampField: 1, messageLength: 2, messageTypeId: 9, messageStreamId: 1, payload: bytes(0x66, 0x67) }),
    ],
    messages: [message(320, 1, 0, 8, [0x44]), message(65599, 1, 0, 8, [0x55]), message(65599, 1, 1, 9, [0x66, 0x67])],
    chunkerWritesThis: true,
  },
  {
    name: 'extended timestamp on fmt 0 and repeated on its fmt 3 continuation (RTMP 1.0 §5.3.1.3)',
    bytes: bytes(
      0x05,                   // fmt 0 | csid 5
      0xff, 0xff, 0xff,       // timestamp marker: extended timestamp follows
      0x00, 0x00, 0xc8,       // length 200
      0x09,                   // type 9
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x01, 0x00, 0x00, 0x00, // extended timestamp 0x01000000 = 16777216 (4 h 39 min 37 s)
      ...ext200.slice(0, 128),
      0xc5,                   // fmt 3 | csid 5: continuation
      0x01, 0x00, 0x00, 0x00, // extended timestamp repeated
      ...ext200.slice(128),
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 5, timestamp: 0x01000000, extendedTimestamp: true, messageLength: 200, messageTypeId: 9, messageStreamId: 1, payload: buf(ext200.slice(0, 128)) }),
      chunk({ fmt: 3, chunkStreamId: 5, timestamp: 0x01000000, extendedTimestamp: true, messageLength: 200, messageTypeId: 9, messageStreamId: 1, messageOffset: 128, payload: buf(ext200.slice(128)) }),
    ],
    messages: [message(5, 1, 0x01000000, 9, ext200)],
    chunkerWritesThis: true,
  },
  {
    name: 'extended delta on fmt 1, then a fmt 3 new message repeating delta and extended field',
    bytes: bytes(
      0x07,                   // fmt 0 | csid 7
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x01,
      0x47,                   // fmt 1 | csid 7
      0xff, 0xff, 0xff,       // delta marker: extended follows
      0x00, 0x00, 0x02,       // length 2
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // extended delta 0x01000000
      0x02, 0x03,
      0xc7,                   // fmt 3 | csid 7: new message, same delta
      0x01, 0x00, 0x00, 0x00, // extended delta repeated (§5.3.1.3)
      0x04, 0x05,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 7, timestamp: 0, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x01) }),
      chunk({ fmt: 1, chunkStreamId: 7, timestamp: 0x01000000, timestampField: 0x01000000, extendedTimestamp: true, messageLength: 2, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x02, 0x03) }),
      chunk({ fmt: 3, chunkStreamId: 7, timestamp: 0x02000000, timestampField: 0x01000000, extendedTimestamp: true, messageLength: 2, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x04, 0x05) }),
    ],
    messages: [message(7, 1, 0, 8, [0x01]), message(7, 1, 0x01000000, 8, [0x02, 0x03]), message(7, 1, 0x02000000, 8, [0x04, 0x05])],
    chunkerWritesThis: true,
  },
  {
    name: 'timestamp wrap at 2^32: 0xFFFFFFF0 + delta 0x20 = 0x10',
    bytes: bytes(
      0x06,                   // fmt 0 | csid 6
      0xff, 0xff, 0xff,       // marker
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0xff, 0xff, 0xff, 0xf0, // extended timestamp 0xFFFFFFF0
      0xa1,
      0x86,                   // fmt 2 | csid 6
      0x00, 0x00, 0x20,       // delta 32 → (0xFFFFFFF0 + 32) mod 2^32 = 16
      0xa2,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 6, timestamp: 0xfffffff0, extendedTimestamp: true, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0xa1) }),
      chunk({ fmt: 2, chunkStreamId: 6, timestamp: 0x10, timestampField: 0x20, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0xa2) }),
    ],
    messages: [message(6, 1, 0xfffffff0, 8, [0xa1]), message(6, 1, 0x10, 8, [0xa2])],
    chunkerWritesThis: true,
  },
  {
    name: 'messages interleaved across two chunk streams (csid 4 audio 200 B, csid 6 video 150 B)',
    bytes: bytes(
      0x04,                   // fmt 0 | csid 4
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0xc8,       // length 200
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      ...inter200.slice(0, 128),
      0x06,                   // fmt 0 | csid 6
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x96,       // length 150
      0x09,                   // type 9
      0x01, 0x00, 0x00, 0x00, // stream 1
      ...inter150.slice(0, 128),
      0xc4,                   // fmt 3 | csid 4: continuation, 72 bytes
      ...inter200.slice(128),
      0xc6,                   // fmt 3 | csid 6: continuation, 22 bytes
      ...inter150.slice(128),
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 4, timestamp: 0, messageLength: 200, messageTypeId: 8, messageStreamId: 1, payload: buf(inter200.slice(0, 128)) }),
      chunk({ fmt: 0, chunkStreamId: 6, timestamp: 0, messageLength: 150, messageTypeId: 9, messageStreamId: 1, payload: buf(inter150.slice(0, 128)) }),
      chunk({ fmt: 3, chunkStreamId: 4, timestamp: 0, messageLength: 200, messageTypeId: 8, messageStreamId: 1, messageOffset: 128, payload: buf(inter200.slice(128)) }),
      chunk({ fmt: 3, chunkStreamId: 6, timestamp: 0, messageLength: 150, messageTypeId: 9, messageStreamId: 1, messageOffset: 128, payload: buf(inter150.slice(128)) }),
    ],
    messages: [message(4, 1, 0, 8, inter200), message(6, 1, 0, 9, inter150)],
    chunkerWritesThis: false,
  },
  {
    name: 'Set Chunk Size 256, then a 200-byte message as one chunk in the same buffer (RTMP 1.0 §5.4.1)',
    bytes: bytes(
      0x02,                   // fmt 0 | csid 2 (protocol control)
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x04,       // length 4
      0x01,                   // type 1 (Set Chunk Size)
      0x00, 0x00, 0x00, 0x00, // stream 0
      0x00, 0x00, 0x01, 0x00, // chunk size 256 (top bit 0)
      0x03,                   // fmt 0 | csid 3: parsed with the new size
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0xc8,       // length 200 (> 128: one chunk only because the size is now 256)
      0x14,                   // type 20
      0x00, 0x00, 0x00, 0x00, // stream 0
      ...big200,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 2, timestamp: 0, messageLength: 4, messageTypeId: 1, messageStreamId: 0, payload: bytes(0, 0, 1, 0) }),
      chunk({ fmt: 0, chunkStreamId: 3, timestamp: 0, messageLength: 200, messageTypeId: 20, messageStreamId: 0, payload: buf(big200) }),
    ],
    messages: [message(2, 0, 0, 1, [0, 0, 1, 0]), message(3, 0, 0, 20, big200)],
    setChunkSizes: [256],
    chunkerWritesThis: true,
  },
  {
    name: 'Abort (type 2) mid-message discards the partial message of csid 4 (RTMP 1.0 §5.4.2)',
    bytes: bytes(
      0x04,                   // fmt 0 | csid 4
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0xc8,       // length 200
      0x09,                   // type 9
      0x01, 0x00, 0x00, 0x00, // stream 1
      ...abort200.slice(0, 128), // first 128 bytes; 72 never come
      0x02,                   // fmt 0 | csid 2
      0x00, 0x00, 0x00,       // timestamp 0
      0x00, 0x00, 0x04,       // length 4
      0x02,                   // type 2 (Abort)
      0x00, 0x00, 0x00, 0x00, // stream 0
      0x00, 0x00, 0x00, 0x04, // chunk stream id 4
      0x44,                   // fmt 1 | csid 4: a new message
      0x00, 0x00, 0x0a,       // delta 10
      0x00, 0x00, 0x03,       // length 3
      0x09,                   // type 9
      0xe1, 0xe2, 0xe3,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 4, timestamp: 0, messageLength: 200, messageTypeId: 9, messageStreamId: 1, payload: buf(abort200.slice(0, 128)) }),
      chunk({ fmt: 0, chunkStreamId: 2, timestamp: 0, messageLength: 4, messageTypeId: 2, messageStreamId: 0, payload: bytes(0, 0, 0, 4) }),
      chunk({ fmt: 1, chunkStreamId: 4, timestamp: 10, timestampField: 10, messageLength: 3, messageTypeId: 9, messageStreamId: 1, payload: bytes(0xe1, 0xe2, 0xe3) }),
    ],
    messages: [message(2, 0, 0, 2, [0, 0, 0, 4]), message(4, 1, 10, 9, [0xe1, 0xe2, 0xe3])],
    chunkerWritesThis: false,
  },
  {
    name: 'fmt 3 new message right after fmt 0 reuses its absolute timestamp as the delta (§5.3.1.2.4)',
    bytes: bytes(
      0x03,                   // fmt 0 | csid 3
      0x00, 0x00, 0x64,       // timestamp 100
      0x00, 0x00, 0x01,       // length 1
      0x08,                   // type 8
      0x01, 0x00, 0x00, 0x00, // stream 1
      0x01,
      0xc3,                   // fmt 3 | csid 3: new message, delta = 100 → timestamp 200
      0x02,
    ),
    chunks: [
      chunk({ fmt: 0, chunkStreamId: 3, timestamp: 100, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x01) }),
      chunk({ fmt: 3, chunkStreamId: 3, timestamp: 200, timestampField: 100, messageLength: 1, messageTypeId: 8, messageStreamId: 1, payload: bytes(0x02) }),
    ],
    messages: [message(3, 1, 100, 8, [0x01]), message(3, 1, 200, 8, [0x02])],
    // Our chunker sends fmt 2 here: a fmt 3 after fmt 0 is read differently by some peers.
    chunkerWritesThis: false,
  },
  {
    name: 'empty message: one chunk with no payload',
    bytes: bytes(
      0x03,                   // fmt 0 | csid 3
      0x00, 0x00, 0x07,       // timestamp 7
      0x00, 0x00, 0x00,       // length 0
      0x12,                   // type 18
      0x01, 0x00, 0x00, 0x00, // stream 1
    ),
    chunks: [chunk({ fmt: 0, chunkStreamId: 3, timestamp: 7, messageLength: 0, messageTypeId: 18, messageStreamId: 1, payload: bytes() })],
    messages: [message(3, 1, 7, 18, [])],
    chunkerWritesThis: true,
  },
];
