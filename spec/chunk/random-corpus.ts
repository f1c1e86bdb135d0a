/** The random message corpus shared by the round-trip and in-place assembly specs. */
import { createMessage, type Message } from '../../lib/message/message.js';
import type { Prng } from '../helpers/prng.js';

const TYPES = [2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22, 0, 255];

/** A random message sequence: random csids of all three basic-header sizes, stream ids, timestamps with backward jumps and 2^32 wraps, lengths 0..70000, and Set Chunk Size messages. */
export function randomMessages(rng: Prng): Message[] {
  const csids = Array.from({ length: 1 + rng.int(8) }, () => {
    const r = rng.int(3);
    return r === 0 ? 2 + rng.int(62) : r === 1 ? 64 + rng.int(256) : 320 + rng.int(65280);
  });
  const out: Message[] = [];
  let ts = rng.int(3) === 0 ? 2 ** 32 - 1 - rng.int(2000) : rng.int(1000);
  const count = 1 + rng.int(30);
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.08) {
      // Set Chunk Size: the chunker and the decoder must both switch at this exact point.
      const size = 1 + rng.int(rng.int(2) === 0 ? 300 : 70000);
      out.push(createMessage(2, 0, 1, Buffer.from([size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff]), ts));
      continue;
    }
    const jump = rng.next();
    if (jump < 0.1) ts -= rng.int(5000); // backwards
    else if (jump < 0.15) ts += 0x1000000 + rng.int(2 ** 30); // beyond the 24-bit field
    else ts += rng.int(3) === 0 ? 0 : rng.int(100);
    ts = ((ts % 2 ** 32) + 2 ** 32) % 2 ** 32;
    const length = rng.int(10) === 0 ? rng.int(70001) : rng.int(400);
    const streamId = [0, 1, 2, 0xffffffff][rng.int(4)]!;
    out.push(createMessage(csids[rng.int(csids.length)]!, streamId, TYPES[rng.int(TYPES.length)]!, rng.bytes(length), ts));
  }
  return out;
}

/** Cuts `bytes` at 0..6 random offsets. */
export function randomSplit(rng: Prng, bytes: Buffer): Buffer[] {
  const cuts = Array.from({ length: rng.int(7) }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(at, c));
    at = c;
  }
  return pieces;
}
