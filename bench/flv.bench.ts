/**
 * FLV stage throughput: FlvDemuxer on a media-like file fed in 64 KiB reads (events and messages
 * output), FlvMuxer on the same tags, and StreamDescriber over every tag, each beside a
 * Buffer.copy baseline of the same bytes measured in the same run (ratio = baseline time / stage
 * time: 1.0 means as fast as copying the file once).
 *
 *   node --import tsx bench/flv.bench.ts
 */
import { FlvDemuxer } from '../lib/flv/flv-demuxer.js';
import { FlvMuxer } from '../lib/flv/flv-muxer.js';
import { StreamDescriber } from '../lib/codec/describe.js';
import type { MediaEvent } from '../lib/command/events.js';

const READ_SIZE = 64 * 1024;
const REPEATS = 7;

/** 20 s of AAC-like audio (~300 B, 43/s) and 30 fps video (5–50 KB, 150 KB keyframes every 2 s). */
function mediaEvents(): MediaEvent[] {
  let seed = 0x1234567;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pool = Buffer.alloc(200_000, 0x55);
  pool[0] = 0x27; // inter frame, AVC
  const out: MediaEvent[] = [];
  let audioTs = 0;
  let videoTs = 0;
  let frame = 0;
  while (audioTs < 20_000 || videoTs < 20_000) {
    if (audioTs <= videoTs) {
      const payload = Buffer.from(pool.subarray(0, 250 + Math.floor(rand() * 100)));
      payload[0] = 0xaf;
      payload[1] = 1;
      out.push({ kind: 'audio', streamId: 0, timestamp: Math.round(audioTs), payload });
      audioTs += 1024000 / 44100;
    } else {
      const size = frame % 60 === 0 ? 150_000 : 5_000 + Math.floor(rand() * 45_000);
      out.push({ kind: 'video', streamId: 0, timestamp: Math.round(videoTs), payload: pool.subarray(0, size) });
      videoTs += 1000 / 30;
      frame++;
    }
  }
  return out;
}

async function best(fn: () => Promise<void> | void): Promise<number> {
  await fn();
  let min = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

function runStage(stage: FlvDemuxer | FlvMuxer, inputs: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    stage.on('data', () => {});
    stage.on('end', resolve);
    stage.on('error', reject);
    for (const input of inputs) stage.write(input);
    stage.end();
  });
}

const events = mediaEvents();
const file = await new Promise<Buffer>((resolve) => {
  const parts: Buffer[] = [];
  const muxer = new FlvMuxer();
  muxer.on('data', (b: Buffer) => parts.push(b));
  muxer.on('end', () => resolve(Buffer.concat(parts)));
  for (const e of events) muxer.write(e);
  muxer.end();
});
const reads: Buffer[] = [];
for (let o = 0; o < file.length; o += READ_SIZE) reads.push(file.subarray(o, o + READ_SIZE));
const target = Buffer.allocUnsafe(file.length);

const baseline = await best(() => {
  for (const r of reads) r.copy(target, r.byteOffset - file.byteOffset);
});
const rows: Array<[string, number]> = [
  ['Buffer.copy of the file (baseline)', baseline],
  ['FlvDemuxer, events', await best(() => runStage(new FlvDemuxer(), reads))],
  ["FlvDemuxer, output 'messages'", await best(() => runStage(new FlvDemuxer({ output: 'messages' }), reads))],
  ['FlvMuxer, events → bytes', await best(() => runStage(new FlvMuxer(), events))],
  ['StreamDescriber.push, every tag', await best(() => {
    const d = new StreamDescriber();
    for (const e of events) d.push(e);
  })],
];
const mb = file.length / 1e6;
console.log(`file: ${mb.toFixed(1)} MB, ${events.length} tags, reads of ${READ_SIZE} bytes, best of ${REPEATS}`);
console.log('| stage | ms | MB/s | tags/s | ratio to baseline |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, s] of rows) {
  console.log(`| ${name} | ${(s * 1e3).toFixed(2)} | ${(mb / s).toFixed(0)} | ${(events.length / s / 1e6).toFixed(2)} M | ${(baseline / s).toFixed(3)} |`);
}
