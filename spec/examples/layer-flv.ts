// FLV files through the stages: mux events to a file, demux it back, describe what it carries.
// Run: node --import tsx layer-flv.ts [out.flv]
import { createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeStream } from '../../lib/codec/index.js';
import { FlvDemuxer, FlvMuxer } from '../../lib/flv/index.js';

const file = process.argv[2] ?? join(tmpdir(), `layer-flv-${process.pid}.flv`);
const aacConfig = Buffer.from([0xaf, 0x00, 0x12, 0x10]); // AAC sequence header: AAC-LC, 44.1 kHz, stereo
const events = [
  { kind: 'data', streamId: 0, timestamp: 0, name: '@setDataFrame', values: ['onMetaData', { duration: 0.05 }] },
  { kind: 'audio', streamId: 0, timestamp: 0, payload: aacConfig },
  { kind: 'audio', streamId: 0, timestamp: 23, payload: Buffer.from([0xaf, 0x01, 0x21, 0x10]) },
];

// Record: events or Messages in, FLV bytes out (@setDataFrame is stripped: the file holds onMetaData).
await pipeline(Readable.from(events), new FlvMuxer({ video: false }), createWriteStream(file));

// Read: bytes in, media/data events out (streamId 0; a publisher sets its own).
const tags: Array<{ kind: string; timestamp: number }> = [];
const demuxer = new FlvDemuxer();
demuxer.on('header', (header: { hasAudio: boolean; hasVideo: boolean }) => console.log(`header: audio ${header.hasAudio}, video ${header.hasVideo}`));
await pipeline(
  createReadStream(file),
  demuxer,
  new Writable({
    objectMode: true,
    write(event: { kind: string; timestamp: number }, _enc, done) {
      tags.push(event);
      done();
    },
  }),
);
console.log(tags.map((t) => `${t.kind}@${t.timestamp}`).join(' '));

const { audio } = describeStream(tags as Parameters<typeof describeStream>[0]);
console.log(`audio: ${audio?.codec}, ${audio?.sampleRate} Hz, ${audio?.channels} channels`);
