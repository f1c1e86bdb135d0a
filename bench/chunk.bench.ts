/**
 * Chunk layer throughput: decode (ChunkDecoder → MessageAssembler, and their synchronous cores) and
 * encode (MessageChunker → ChunkEncoder, and serializeMessage) at chunk sizes 128, 4096 and 65536,
 * on a media-like message mix, each beside a Buffer.copy baseline of the same bytes measured in the
 * same run. Decode input is fed in 64 KiB reads, like a socket.
 *
 *   node --import tsx bench/chunk.bench.ts
 *
 * Target: decode at 4096-byte chunks ≥ 0.3× the Buffer.copy baseline (printed as OK / NOT MET).
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
const REPEATS = 9;

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
 * Best (minimum) seconds of `fn` over REPEATS runs after one warm-up run: the machine is shared,
 * and the minimum is the figure least disturbed by other processes.
 */
async function time(fn: () => void | Promise<void>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return Math.min(...runs);
}

function splitReads(wire: Buffer): Buffer[] {
  const reads: Buffer[] = [];
  for (let i = 0; i < wire.length; i += READ_SIZE) reads.push(wire.subarray(i, i + READ_SIZE));
  return reads;
}

const messages = mediaMessages();
const payloadBytes = messages.reduce((n, m) => n + m.length, 0);

interface Row {
  chunkSize: number;
  what: string;
  bytes: number;
  seconds: number;
  /** Buffer.copy of the same bytes into a reused buffer. */
  baselineSeconds: number;
  /** Buffer.allocUnsafe + copy per message (decode rows only). */
  freshSeconds?: number;
}
const rows: Row[] = [];

for (const chunkSize of [128, 4096, 65536]) {
  const state = new OutboundChunkState();
  const wire = Buffer.concat(messages.map((m) => serializeMessage(m, state, chunkSize)));
  const reads = splitReads(wire);

  // Baseline for decode: copy the same wire bytes, read by read, into one buffer.
  const copyTarget = Buffer.allocUnsafe(wire.length);
  const copyWire = await time(() => {
    let pos = 0;
    for (const r of reads) pos += r.copy(copyTarget, pos);
  });
  // Second baseline: what any assembler that hands out owned message buffers pays at least —
  // Buffer.allocUnsafe(message length) + copy of the same wire bytes, per message.
  const freshWire = await time(() => {
    let pos = 0;
    for (const m of messages) {
      const out = Buffer.allocUnsafe(m.length);
      pos += wire.copy(out, 0, pos, pos + m.length);
    }
  });
  // Baseline for encode: copy every message payload once.
  const payloadTarget = Buffer.allocUnsafe(payloadBytes);
  const copyPayloads = await time(() => {
    let pos = 0;
    for (const m of messages) pos += m.data.copy(payloadTarget, pos);
  });

  let check = 0;
  const decodeStreams = await time(
    () =>
      new Promise<void>((resolve, reject) => {
        const decoder = new ChunkDecoder({ chunkSize });
        const assembler = new MessageAssembler();
        let count = 0;
        decoder.pipe(assembler);
        assembler.on('data', () => count++);
        assembler.on('end', () => {
          check = count;
          resolve();
        });
        decoder.on('error', reject);
        assembler.on('error', reject);
        for (const r of reads) decoder.write(r);
        decoder.end();
      }),
  );
  if (check !== messages.length) throw new Error(`decoded ${check} messages, expected ${messages.length}`);
  rows.push({ chunkSize, what: 'decode ChunkDecoder→MessageAssembler', bytes: wire.length, seconds: decodeStreams, baselineSeconds: copyWire, freshSeconds: freshWire });

  const decodeCore = await time(() => {
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
    check = count;
  });
  if (check !== messages.length) throw new Error('core decode lost messages');
  rows.push({ chunkSize, what: 'decode ChunkParser+MessageCollector (sync)', bytes: wire.length, seconds: decodeCore, baselineSeconds: copyWire, freshSeconds: freshWire });

  let encodedBytes = 0;
  const encodeStreams = await time(
    () =>
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
  );
  if (encodedBytes !== wire.length) throw new Error(`encoded ${encodedBytes} bytes, expected ${wire.length}`);
  rows.push({ chunkSize, what: 'encode MessageChunker→ChunkEncoder', bytes: payloadBytes, seconds: encodeStreams, baselineSeconds: copyPayloads });

  const encodeSerialize = await time(() => {
    const s = new OutboundChunkState();
    let n = 0;
    for (const m of messages) n += serializeMessage(m, s, chunkSize).length;
    encodedBytes = n;
  });
  if (encodedBytes !== wire.length) throw new Error('serializeMessage size mismatch');
  rows.push({ chunkSize, what: 'encode serializeMessage', bytes: payloadBytes, seconds: encodeSerialize, baselineSeconds: copyPayloads });
}

const mbps = (bytes: number, s: number): number => bytes / s / 1e6;
console.log(`${messages.length} messages, ${(payloadBytes / 1e6).toFixed(1)} MB of payload (${SECONDS_OF_MEDIA} s of media), ${READ_SIZE / 1024} KiB reads, best of ${REPEATS}`);
console.log('');
console.log('| chunk size | stage | MB/s | Buffer.copy MB/s | ratio | alloc+copy per message MB/s | ratio |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const a = mbps(r.bytes, r.seconds);
  const b = mbps(r.bytes, r.baselineSeconds);
  const f = r.freshSeconds === undefined ? undefined : mbps(r.bytes, r.freshSeconds);
  const fresh = f === undefined ? '| | |' : `| ${f.toFixed(0)} | ${(a / f).toFixed(2)}× |`;
  console.log(`| ${r.chunkSize} | ${r.what} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)}× ${fresh}`);
}
const target = rows.find((r) => r.chunkSize === 4096 && r.what.startsWith('decode ChunkDecoder'))!;
const ratio = r2(target.baselineSeconds / target.seconds);
console.log('');
const floor = r2(target.freshSeconds! / target.seconds);
console.log(`decode at 4096-byte chunks: ${ratio}× the Buffer.copy baseline (target ≥ 0.3×: ${ratio >= 0.3 ? 'OK' : 'NOT MET'}), ${floor}× alloc+copy per message`);

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
