/**
 * AMF0/AMF3 encode and decode throughput for the two payloads every session sees: ffmpeg's
 * `connect` command and an `onMetaData` ECMA array. Baseline: JSON.stringify / JSON.parse of the
 * same values, measured in the same run. Run: node --import tsx bench/amf.bench.ts
 */
import { amf0, amf3, ecmaArray } from '../lib/amf/index.js';

const connect = [
  'connect',
  1,
  {
    app: 'live',
    flashVer: 'LNX 9,0,124,2',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  },
];

const metadata = [
  'onMetaData',
  ecmaArray({
    duration: 10,
    width: 1280,
    height: 720,
    videodatarate: 2500,
    framerate: 29.97,
    videocodecid: 7,
    audiodatarate: 125,
    audiosamplerate: 44100,
    audiosamplesize: 16,
    stereo: true,
    audiocodecid: 10,
    encoder: 'Lavf59.27.100',
    filesize: 0,
  }),
];

let sink = 0;

/** ops/s of `fn` over one timed slice of about `ns` nanoseconds. */
function slice(fn: () => unknown, ns: bigint): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < ns) {
    for (let i = 0; i < 500; i++) {
      const out = fn() as { length?: number };
      sink += out.length ?? 1;
    }
    ops += 500;
    elapsed = process.hrtime.bigint() - start;
  }
  return (ops * 1e9) / Number(elapsed);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface Row {
  name: string;
  amf: number;
  json: number;
  ratio: number;
}

/**
 * AMF and its JSON baseline alternate in short slices, so both see the same machine load (the CI
 * box is shared); the ratio is the median of the per-round ratios.
 */
function compare(name: string, amfFn: () => unknown, jsonFn: () => unknown): Row {
  for (let i = 0; i < 20_000; i++) {
    amfFn();
    jsonFn();
  }
  const amf: number[] = [];
  const json: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < 9; r++) {
    const a = slice(amfFn, 60_000_000n);
    const j = slice(jsonFn, 60_000_000n);
    amf.push(a);
    json.push(j);
    ratios.push(a / j);
  }
  return { name, amf: median(amf), json: median(json), ratio: median(ratios) };
}

const rows: Row[] = [];
for (const [label, values] of [
  ['connect', connect],
  ['onMetaData', metadata],
] as const) {
  const json = JSON.stringify(values);
  for (const [format, codec] of [
    ['AMF0', amf0],
    ['AMF3', amf3],
  ] as const) {
    const bytes = codec.encode(...values);
    rows.push(compare(`${format} encode ${label} (${bytes.length} B)`, () => codec.encode(...values), () => JSON.stringify(values)));
    rows.push(compare(`${format} decode ${label}`, () => codec.decode(bytes), () => JSON.parse(json)));
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const width = Math.max(...rows.map((r) => r.name.length));
console.log(`${'case'.padEnd(width)} | ${'AMF ops/s'.padStart(11)} | ${'JSON ops/s'.padStart(11)} | ratio`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(11)}-|-${'-'.repeat(11)}-|------`);
for (const r of rows) {
  console.log(`${r.name.padEnd(width)} | ${fmt(r.amf).padStart(11)} | ${fmt(r.json).padStart(11)} | ${r.ratio.toFixed(2)}x`);
}
console.log(`\nJSON: ${JSON.stringify(connect).length} B (connect), ${JSON.stringify(metadata).length} B (onMetaData).`);
console.log('ratio = median over 9 alternating rounds of AMF ops/s ÷ JSON.stringify (encode) or JSON.parse (decode) ops/s of the same values.');
if (sink === 42) console.log('');
