/**
 * Chunk layer throughput: decode (ChunkDecoder → MessageAssembler, and their synchronous cores) and
 * encode (MessageChunker → ChunkEncoder, and serializeMessage) at chunk sizes 128, 4096 and 65536,
 * on a media-like message mix, each beside a Buffer.copy baseline of the same bytes measured in the
 * same run. Decode input is fed in 64 KiB reads, like a socket.
 *
 *   node --import tsx bench/chunk.bench.ts
 *
 * Target: decode at 4096-byte chunks ≥ 0.3× the Buffer.copy baseline (medians; printed as OK / NOT MET),
 * judged on the row RtmpConnection runs: the synchronous cores called inline, with in-place assembly
 * (ChunkParser `ownsInput` → MessageCollector `assembleInPlace`, on while no user stage sits at the
 * inbound 'bytes' or 'chunks' boundary; see lib/session/inbound-path.ts). It
 * rewrites the reads, so its rows decode reads that are each their own memory, like socket reads,
 * restored from the wire before every run outside the timed region; the copy-path rows are unchanged.
 * Two baselines: Buffer.copy of the wire bytes into one reused buffer (cache-warm, the strictest),
 * and Buffer.allocUnsafe + copy per message (the least any assembler that hands out owned message
 * buffers must do: fresh memory costs several times a warm copy on most machines).
 */
import { ChunkDecoder } from '../lib/chunk/chunk-decoder.js';
import { ChunkEncoder } from '../lib/chunk/chunk-encoder.js';
import { ChunkParser } from '../lib/chunk/chunk-parser.js';
import { MessageAssembler } from '../lib/chunk/message-assembler.js';
import { MessageChunker } from '../lib/chunk/message-chunker.js';
import { MessageCollector } from '../lib/chunk/message-collector.js';
import { OutboundChunkState } from '../lib/chunk/outbound-state.js';
import { serializeMessage } from '../lib/chunk/serialize-message.js';
import type { Chunk } from '../lib/chunk/chunk.js';
import type { Message } from '../lib/message/message.js';

const READ_SIZE = 64 * 1024;
const SECONDS_OF_MEDIA = 20;
const ROUNDS = 7;
const BLOCK_RUNS = 4;

/** Deterministic media-like mix: AAC audio ~300 B at ~43/s, video 30 fps of 5–50 KB, 150 KB keyframes every 2 s. */
function mediaMessages(): Message[] {
  let seed = 0x1234567;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const pool = Buffer.alloc(200_000);
  for (let i = 0; i < pool.length; i++) pool[i] = (i * 31 + 7) & 0xff;
  const out: Message[] = [];
  const durationMs = SECONDS_OF_MEDIA * 1000;
  let audioTs = 0;
  let videoTs = 0;
  let frame = 0;
  while (audioTs < durationMs || videoTs < durationMs) {
    if (audioTs <= videoTs) {
      const size = 250 + Math.floor(rand() * 100);
      out.push({ chunkStreamId: 4, messageStreamId: 1, timestamp: Math.round(audioTs), type: 8, length: size, data: pool.subarray(0, size) });
      audioTs += 1024000 / 44100;
    } else {
      const size = frame % 60 === 0 ? 150_000 : 5_000 + Math.floor(rand() * 45_000);
      out.push({ chunkStreamId: 6, messageStreamId: 1, timestamp: Math.round(videoTs), type: 9, length: size, data: pool.subarray(0, size) });
      videoTs += 1000 / 30;
      frame++;
    }
  }
  return out;
}

/**
 * Seconds per run of each function, measured in interleaved blocks: each round runs every function
 * in turn, BLOCK_RUNS times back to back with the first run of each block unmeasured (it re-warms
 * caches and code after the other functions ran, so each row is measured in its own steady state,
 * as if run alone). Rounds spread load from other processes on a shared machine over every row
 * alike; each row reports the median of its ROUNDS × (BLOCK_RUNS - 1) runs, and the best.
 */
async function measure(
  fns: Record<string, () => void | Promise<void>>,
  /** Untimed setup before each run of the function of the same name. */
  prepare: Record<string, () => void> = {},
): Promise<Record<string, Timing>> {
  const names = Object.keys(fns);
  const runs: Record<string, number[]> = {};
  for (const name of names) runs[name] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const fn = fns[name]!;
      const setup = prepare[name];
      for (let i = 0; i < BLOCK_RUNS; i++) {
        setup?.();
        const t0 = process.hrtime.bigint();
        await fn();
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (i > 0) runs[name]!.push(seconds);
      }
    }
  }
  const out: Record<string, Timing> = {};
  for (const name of names) {
    const sorted = runs[name]!.sort((a, b) => a - b);
    out[name] = { median: sorted[sorted.length >> 1]!, best: sorted[0]! };
  }
  return out;
}

interface Timing {
  median: number;
  best: number;
}

function splitReads(wire: Buffer): Buffer[] {
  const reads: Buffer[] = [];
  for (let i = 0; i < wire.length; i += READ_SIZE) reads.push(wire.subarray(i, i + READ_SIZE));
  return reads;
}

/** Reads that are each their own memory (like socket reads), for the in-place rows to rewrite. */
function ownedReads(reads: Buffer[]): Buffer[] {
  return reads.map((r) => Buffer.allocUnsafeSlow(r.length));
}

/** Puts the wire bytes back into reads an in-place run rewrote. */
function restoreReads(owned: Buffer[], reads: Buffer[]): void {
  for (let i = 0; i < reads.length; i++) owned[i]!.set(reads[i]!);
}

function decodeWithStreams(reads: Buffer[], chunkSize: number, inPlace: boolean, onMessage: (m: Message) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new ChunkDecoder({ chunkSize, ownsInput: inPlace });
    const assembler = new MessageAssembler({ assembleInPlace: inPlace });
    decoder.pipe(assembler);
    assembler.on('data', onMessage);
    assembler.on('end', resolve);
    decoder.on('error', reject);
    assembler.on('error', reject);
    for (const r of reads) decoder.write(r);
    decoder.end();
  });
}

function decodeWithCores(reads: Buffer[], chunkSize: number, inPlace: boolean, onMessage: (m: Message) => void): void {
  const collector = new MessageCollector({ assembleInPlace: inPlace });
  const parser = new ChunkParser(
    { chunkSize, ownsInput: inPlace },
    {
      onChunk: (c: Chunk) => {
        const m = collector.add(c);
        if (m !== undefined) onMessage(m);
      },
      onSetChunkSize: () => {},
      onWindowAckSize: () => {},
      onAcknowledgement: () => {},
    },
  );
  for (const r of reads) parser.push(r);
  parser.end();
}

/** Untimed check that in-place decoding gives the messages' exact bytes; returns the share of payload bytes assembled in place. */
async function checkInPlace(reads: Buffer[], owned: Buffer[], chunkSize: number): Promise<number> {
  const memories = new Set<ArrayBufferLike>(owned.map((r) => r.buffer));
  let inPlaceBytes = 0;
  for (const sync of [false, true]) {
    restoreReads(owned, reads);
    const got: Message[] = [];
    if (sync) decodeWithCores(owned, chunkSize, true, (m) => got.push(m));
    else await decodeWithStreams(owned, chunkSize, true, (m) => got.push(m));
    if (got.length !== messages.length) throw new Error(`in place: ${got.length} messages, expected ${messages.length}`);
    inPlaceBytes = 0;
    for (let i = 0; i < got.length; i++) {
      if (!got[i]!.data.equals(messages[i]!.data)) throw new Error(`in place: message ${i} differs`);
      if (got[i]!.length > chunkSize && memories.has(got[i]!.data.buffer)) inPlaceBytes += got[i]!.length;
    }
  }
  return inPlaceBytes / payloadBytes;
}

const messages = mediaMessages();
const payloadBytes = messages.reduce((n, m) => n + m.length, 0);

interface Row {
  chunkSize: number;
  what: string;
  bytes: number;
  time: Timing;
  /** Buffer.copy of the same bytes into a reused buffer. */
  baseline: Timing;
  /** Buffer.allocUnsafe + copy per message (decode rows only). */
  fresh?: Timing;
}
/** Share of payload bytes assembled in place, per chunk size. */
const inPlaceShare = new Map<number, number>();
const rows: Row[] = [];
const COPY_ROW = 'decode ChunkDecoder→MessageAssembler';
const IN_PLACE_ROW = 'decode ChunkParser+MessageCollector (in place, sync, as RtmpConnection runs it)';

for (const chunkSize of [128, 4096, 65536]) {
  const state = new OutboundChunkState();
  const wire = Buffer.concat(messages.map((m) => serializeMessage(m, state, chunkSize)));
  const reads = splitReads(wire);
  const owned = ownedReads(reads);
  inPlaceShare.set(chunkSize, await checkInPlace(reads, owned, chunkSize));
  const copyTarget = Buffer.allocUnsafe(wire.length);
  const payloadTarget = Buffer.allocUnsafe(payloadBytes);
  let decoded = 0;
  let decodedCore = 0;
  let decodedInPlace = 0;
  let decodedCoreInPlace = 0;
  let encodedBytes = 0;
  let serializedBytes = 0;

  const t = await measure({
    // Baseline for decode: copy the same wire bytes, read by read, into one buffer.
    copyWire: () => {
      let pos = 0;
      for (const r of reads) pos += r.copy(copyTarget, pos);
    },
    // Second baseline: what any assembler that hands out owned message buffers pays at least —
    // Buffer.allocUnsafe(message length) + copy of the same wire bytes, per message.
    freshWire: () => {
      let pos = 0;
      for (const m of messages) {
        const out = Buffer.allocUnsafe(m.length);
        pos += wire.copy(out, 0, pos, pos + m.length);
      }
    },
    // Baseline for encode: copy every message payload once.
    copyPayloads: () => {
      let pos = 0;
      for (const m of messages) pos += m.data.copy(payloadTarget, pos);
    },
    decodeStreams: () =>
      new Promise<void>((resolve, reject) => {
        const decoder = new ChunkDecoder({ chunkSize });
        const assembler = new MessageAssembler();
        let count = 0;
        decoder.pipe(assembler);
        assembler.on('data', () => count++);
        assembler.on('end', () => {
          decoded = count;
          resolve();
        });
        decoder.on('error', reject);
        assembler.on('error', reject);
        for (const r of reads) decoder.write(r);
        decoder.end();
      }),
    decodeCore: () => {
      const collector = new MessageCollector();
      let count = 0;
      const parser = new ChunkParser(
        { chunkSize },
        {
          onChunk: (c: Chunk) => {
            if (collector.add(c) !== undefined) count++;
          },
          onSetChunkSize: () => {},
          onWindowAckSize: () => {},
          onAcknowledgement: () => {},
        },
      );
      for (const r of reads) parser.push(r);
      parser.end();
      decodedCore = count;
    },
    decodeStreamsInPlace: async () => {
      let count = 0;
      await decodeWithStreams(owned, chunkSize, true, () => count++);
      decodedInPlace = count;
    },
    decodeCoreInPlace: () => {
      let count = 0;
      decodeWithCores(owned, chunkSize, true, () => count++);
      decodedCoreInPlace = count;
    },
    encodeStreams: () =>
      new Promise<void>((resolve, reject) => {
        const chunker = new MessageChunker({ chunkSize });
        const encoder = new ChunkEncoder();
        let n = 0;
        chunker.pipe(encoder);
        encoder.on('data', (b: Buffer) => (n += b.length));
        encoder.on('end', () => {
          encodedBytes = n;
          resolve();
        });
        chunker.on('error', reject);
        encoder.on('error', reject);
        for (const m of messages) chunker.write(m);
        chunker.end();
      }),
    encodeSerialize: () => {
      const s = new OutboundChunkState();
      let n = 0;
      for (const m of messages) n += serializeMessage(m, s, chunkSize).length;
      serializedBytes = n;
    },
  }, {
    decodeStreamsInPlace: () => restoreReads(owned, reads),
    decodeCoreInPlace: () => restoreReads(owned, reads),
  });
  if (decoded !== messages.length) throw new Error(`decoded ${decoded} messages, expected ${messages.length}`);
  if (decodedCore !== messages.length) throw new Error('core decode lost messages');
  if (decodedInPlace !== messages.length || decodedCoreInPlace !== messages.length) throw new Error('in-place decode lost messages');
  if (encodedBytes !== wire.length) throw new Error(`encoded ${encodedBytes} bytes, expected ${wire.length}`);
  if (serializedBytes !== wire.length) throw new Error('serializeMessage size mismatch');
  const decode = { bytes: wire.length, baseline: t.copyWire!, fresh: t.freshWire! };
  const encode = { bytes: payloadBytes, baseline: t.copyPayloads! };
  rows.push({ chunkSize, what: COPY_ROW, time: t.decodeStreams!, ...decode });
  rows.push({ chunkSize, what: 'decode ChunkParser+MessageCollector (sync)', time: t.decodeCore!, ...decode });
  rows.push({ chunkSize, what: 'decode ChunkDecoder→MessageAssembler (in place)', time: t.decodeStreamsInPlace!, ...decode });
  rows.push({ chunkSize, what: IN_PLACE_ROW, time: t.decodeCoreInPlace!, ...decode });
  rows.push({ chunkSize, what: 'encode MessageChunker→ChunkEncoder', time: t.encodeStreams!, ...encode });
  rows.push({ chunkSize, what: 'encode serializeMessage', time: t.encodeSerialize!, ...encode });
}

const mbps = (bytes: number, s: number): number => bytes / s / 1e6;
console.log(
  `${messages.length} messages, ${(payloadBytes / 1e6).toFixed(1)} MB of payload (${SECONDS_OF_MEDIA} s of media), ${READ_SIZE / 1024} KiB reads, ` +
    `median of ${ROUNDS * (BLOCK_RUNS - 1)} runs in ${ROUNDS} interleaved rounds (best-run ratio in the last column)`,
);
console.log('');
console.log('| chunk size | stage | MB/s | Buffer.copy MB/s | ratio | alloc+copy per message MB/s | ratio | ratio to Buffer.copy, best runs |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const a = mbps(r.bytes, r.time.median);
  const b = mbps(r.bytes, r.baseline.median);
  const f = r.fresh === undefined ? undefined : mbps(r.bytes, r.fresh.median);
  const fresh = f === undefined ? '| | |' : `| ${f.toFixed(0)} | ${(a / f).toFixed(2)}× |`;
  const best = (r.baseline.best / r.time.best).toFixed(2);
  console.log(`| ${r.chunkSize} | ${r.what} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)}× ${fresh} ${best}× |`);
}
console.log('');
console.log(
  `payload bytes assembled in place: ${[...inPlaceShare].map(([size, share]) => `${Math.round(share * 100)} % at ${size}`).join(', ')} ` +
    '(the rest: single-chunk messages, which are views anyway, and messages spanning reads, which are copied)',
);
const target = rows.find((r) => r.chunkSize === 4096 && r.what === IN_PLACE_ROW)!;
const copyPath = rows.find((r) => r.chunkSize === 4096 && r.what === COPY_ROW)!;
const ratio = r2(target.baseline.median / target.time.median);
const floor = r2(target.fresh!.median / target.time.median);
console.log(
  `decode at 4096-byte chunks, in place as RtmpConnection runs it: ${ratio}× the Buffer.copy baseline ` +
    `(medians; target ≥ 0.3×: ${ratio >= 0.3 ? 'OK' : 'NOT MET'}), ${r2(target.baseline.best / target.time.best)}× on best runs, ` +
    `${floor}× alloc+copy per message; copy path (a user stage at 'bytes' or 'chunks'): ` +
    `${r2(copyPath.baseline.median / copyPath.time.median)}× (${r2(copyPath.baseline.best / copyPath.time.best)}× best)`,
);

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
