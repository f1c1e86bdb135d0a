/**
 * Message codecs: cost of each typed codec relative to the bare work underneath it, measured in
 * the same run (the AMF layer for commands and data, raw buffer reads for fixed layouts, plain
 * `subarray` slicing for aggregates). A ratio near 1 means the message layer adds little.
 *
 *   node --import tsx bench/message.bench.ts
 */
import { amf0 } from '../lib/amf/index.js';
import { createAggregateMessage, splitAggregate } from '../lib/message/aggregate.js';
import { decodeCommand, encodeCommand, type Command } from '../lib/message/command.js';
import { decodeData, setDataFrame } from '../lib/message/data.js';
import { createMessage } from '../lib/message/message.js';
import { decodeSetChunkSize } from '../lib/message/protocol-control.js';
import { decodeUserControl } from '../lib/message/user-control.js';
import { decodeVideoHeader, isKeyframe } from '../lib/message/video.js';

let sink = 0;

/** Nanoseconds per call: the best of 5 rounds of `iterations` calls (after a warm-up round). */
function measure(fn: () => unknown, iterations: number): number {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (fn() !== undefined) sink++;
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (round > 0) best = Math.min(best, ns);
  }
  return best;
}

const connect: Command = {
  name: 'connect',
  transactionId: 1,
  commandObject: { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl: 'rtmp://127.0.0.1:1935/live' },
  args: [],
};
const connectPayload = encodeCommand(connect);
const metadataPayload = amf0.encode(...setDataFrame({ duration: 0, width: 1920, height: 1080, framerate: 30, videocodecid: 7, audiocodecid: 10 }));
const chunkSize = Buffer.from([0, 0, 0x10, 0]);
const ping = Buffer.from([0, 6, 1, 2, 3, 4]);
const frame = Buffer.concat([Buffer.from([0x27, 0x01, 0, 0, 0x21]), Buffer.alloc(4096)]);
const subMessages = Array.from({ length: 30 }, (_, i) => createMessage(6, 1, i % 3 ? 8 : 9, Buffer.alloc(i % 3 ? 200 : 4000), 1000 + i * 33));
const aggregate = createAggregateMessage(subMessages);
const offsets = subMessages.map((_, i) => subMessages.slice(0, i).reduce((n, m) => n + 15 + m.length, 0) + 11);

const rows: Array<[string, string, number, number]> = [
  ['decodeSetChunkSize', 'readUInt32BE', measure(() => decodeSetChunkSize(chunkSize), 2e6), measure(() => chunkSize.readUInt32BE(0), 2e6)],
  ['decodeUserControl (ping)', 'readUInt16BE+readUInt32BE', measure(() => decodeUserControl(ping), 2e6), measure(() => ping.readUInt16BE(0) + ping.readUInt32BE(2), 2e6)],
  ['decodeVideoHeader (AVC)', 'isKeyframe', measure(() => decodeVideoHeader(frame), 2e6), measure(() => isKeyframe(frame), 2e6)],
  ['decodeCommand (connect)', 'amf0.decode', measure(() => decodeCommand(connectPayload), 2e5), measure(() => amf0.decode(connectPayload), 2e5)],
  [
    'encodeCommand (connect)',
    'amf0.encode',
    measure(() => encodeCommand(connect), 2e5),
    measure(() => amf0.encode(connect.name, connect.transactionId, connect.commandObject), 2e5),
  ],
  ['decodeData (@setDataFrame)', 'amf0.decode', measure(() => decodeData(metadataPayload), 2e5), measure(() => amf0.decode(metadataPayload), 2e5)],
  [
    'splitAggregate (30 subs)',
    '30 × subarray',
    measure(() => splitAggregate(aggregate), 2e5),
    measure(() => offsets.map((o, i) => aggregate.data.subarray(o, o + subMessages[i]!.length)), 2e5),
  ],
];

console.log('| codec | baseline | codec ns/op | baseline ns/op | ratio |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [name, baseline, ns, baseNs] of rows) {
  console.log(`| ${name} | ${baseline} | ${ns.toFixed(1)} | ${baseNs.toFixed(1)} | ${(ns / baseNs).toFixed(2)} |`);
}
if (sink < 0) console.log(sink);
