/**
 * FlvDemuxer and FlvMuxer against files ffmpeg 5.1 writes (made at test time): a demux → mux round
 * trip keeps every packet (ffprobe packets and framemd5 hashes identical), the bytes too, and a
 * damaged copy is refused in strict mode and recovered in tolerant mode.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import { FlvMuxer } from '../../lib/flv/flv-muxer.js';
import { describeStream, type DescribableItem } from '../../lib/codec/describe.js';
import { ffmpeg, frameMd5, lavfiInputs, probePackets, tempDir } from './media-tools.js';
import { demuxPieces } from './support.js';

const tmp = tempDir('flv-ffmpeg-');
const source = tmp.path('source.flv');

before(() => {
  ffmpeg([...lavfiInputs(3), '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-g', '25', '-c:a', 'aac', '-fflags', '+bitexact', '-f', 'flv', source]);
});
after(() => process.env.KEEP_TMP || tmp.remove());

test('H.264 + AAC: fs → FlvDemuxer → FlvMuxer → fs keeps every packet and every byte', async () => {
  const out = tmp.path('out.flv');
  // Small reads so that tags span reads.
  await pipeline(createReadStream(source, { highWaterMark: 1000 }), new FlvDemuxer(), new FlvMuxer(), createWriteStream(out));
  const before = probePackets(source);
  assert.ok(before.length > 100, `${before.length} packets`);
  assert.deepEqual(probePackets(out), before);
  assert.deepEqual(frameMd5(out), frameMd5(source));
  assert.deepEqual(readFileSync(out), readFileSync(source));
});

test("output 'messages' round trip through the muxer is byte-exact too", async () => {
  const out = tmp.path('out-messages.flv');
  await pipeline(createReadStream(source), new FlvDemuxer({ output: 'messages' }), new FlvMuxer(), createWriteStream(out));
  assert.deepEqual(readFileSync(out), readFileSync(source));
});

test('the demuxed stream describes itself: h264 320x240 25 fps, aac 44100 mono', async () => {
  const items: DescribableItem[] = [];
  await pipeline(createReadStream(source), new FlvDemuxer(), new Writable({ objectMode: true, write: (i, _e, cb) => (items.push(i), cb()) }));
  const d = describeStream(items);
  assert.equal(d.video?.codec, 'h264');
  assert.equal(d.video?.width, 320);
  assert.equal(d.video?.height, 240);
  assert.equal(d.video?.frameRate, 25);
  assert.equal(d.audio?.codec, 'aac');
  assert.equal(d.audio?.sampleRate, 44100);
  assert.equal(d.audio?.channels, 1);
  assert.equal(d.metadata?.width, 320);
});

test('a damaged copy: strict mode refuses it, tolerant mode recovers the other tags and ffprobe reads the result', async () => {
  const file = readFileSync(source);
  const all = await demuxPieces([file]);
  // Flip a PreviousTagSize near the middle, and insert garbage a little later.
  const damaged = Buffer.from(file);
  let offset = 13;
  const tagEnds: number[] = [];
  while (offset < damaged.length) {
    offset += 11 + damaged.readUIntBE(offset + 1, 3) + 4;
    tagEnds.push(offset);
  }
  const flip = tagEnds[Math.floor(tagEnds.length / 2)]! - 1;
  damaged[flip] ^= 0x5a;
  const cut = tagEnds[Math.floor(tagEnds.length / 2) + 10]!;
  const garbage = Buffer.from('08ffff00123456789a0bcdef12090000', 'hex');
  const withGarbage = Buffer.concat([damaged.subarray(0, cut), garbage, damaged.subarray(cut)]);
  writeFileSync(tmp.path('damaged.flv'), withGarbage);

  await assert.rejects(
    pipeline(createReadStream(tmp.path('damaged.flv')), new FlvDemuxer(), new FlvMuxer(), createWriteStream(tmp.path('strict.flv'))),
    (err: unknown) => isRtmpError(err, ErrorCode.FLV_BAD_TAG_SIZE),
  );
  const demuxer = new FlvDemuxer({ tolerant: true });
  let recoveredTags = 0;
  demuxer.on('data', () => recoveredTags++);
  const recovered = tmp.path('recovered.flv');
  await pipeline(createReadStream(tmp.path('damaged.flv'), { highWaterMark: 777 }), demuxer, new FlvMuxer(), createWriteStream(recovered));
  // One tag lost to the flipped PreviousTagSize; the garbage costs nothing but its own bytes.
  assert.equal(recoveredTags, all.items.length - 1);
  assert.equal(probePackets(recovered).length, probePackets(source).length - 1);
  const lostTagSize = flip + 1 - tagEnds[Math.floor(tagEnds.length / 2) - 1]!;
  assert.equal(demuxer.skippedBytes, lostTagSize + garbage.length);
});
