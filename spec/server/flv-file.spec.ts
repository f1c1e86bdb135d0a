/** FLV files on disk (lib/server/flv-file.ts): the tag index, reading back from the end, the tag reader. */
import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlvError } from '../../lib/errors.js';
import { flvDuration, FlvTagReader, indexFlvFile, lastTagTimestamp, readTagAt, seekPointAtOrBefore } from '../../lib/server/flv-file.js';
import { writeFlv, type FlvTag } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';
import { syntheticTags } from './record-vod-fixtures.js';

describe('flv-file: index, tail and reader', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('flv-file'));
  });
  after(() => remove());

  async function withFile<T>(name: string, bytes: Buffer | string, fn: (h: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const handle = await open(path, 'r');
    try {
      return await fn(handle);
    } finally {
      await handle.close();
    }
  }

  it('indexes keyframes (with the headers in force), the end, the duration; small windows give the same index', async () => {
    const tags = syntheticTags({ durationMs: 3000, frameSize: 300 });
    const bytes = writeFlv(tags);
    for (const window of [64 * 1024, 16, 1]) {
      const index = await withFile('a.flv', bytes, (h) => indexFlvFile(h, window));
      assert.equal(index.tagCount, tags.length);
      assert.equal(index.end, bytes.length);
      assert.equal(index.damagedBytes, 0);
      assert.deepEqual(index.seekTimestamps, [0, 1000, 2000]);
      assert.equal(index.metadataDuration, 3);
      assert.equal(flvDuration(index), 3);
      assert.equal(index.lastTimestamp, 2950);
      // The keyframe at 1000 ms: tag 3 + 2 × 10 frames on (metadata, 2 headers first).
      const offsets = [13];
      for (const t of tags) offsets.push(offsets.at(-1)! + 15 + t.data.length);
      assert.deepEqual(index.seekOffsets, [offsets[3], offsets[23], offsets[43]]);
      assert.deepEqual(index.seekVideoHeaders, [offsets[1], offsets[1], offsets[1]]);
      assert.deepEqual(index.seekAudioHeaders, [offsets[2], offsets[2], offsets[2]]);
      assert.equal(index.metadataOffset, 13);
    }
  });

  it('seekPointAtOrBefore: binary search with clamping', async () => {
    const index = await withFile('b.flv', writeFlv(syntheticTags({ durationMs: 5000 })), (h) => indexFlvFile(h));
    assert.deepEqual([-1, 0, 999, 1000, 1001, 4999, 99_999].map((t) => seekPointAtOrBefore(index, t)), [0, 0, 0, 1, 1, 4, 4]);
    assert.equal(seekPointAtOrBefore({ ...index, seekTimestamps: [] }, 5), -1);
  });

  it('audio-only files seek on audio tags; files without metadata take the timestamp span', async () => {
    const tags: FlvTag[] = [{ type: 8, timestamp: 0, data: Buffer.from([0xaf, 0, 0x12, 0x10]) }];
    for (let t = 100; t <= 500; t += 100) tags.push({ type: 8, timestamp: t, data: Buffer.from([0xaf, 1, t & 0xff]) });
    const index = await withFile('audio.flv', writeFlv(tags, 0x04), (h) => indexFlvFile(h));
    assert.deepEqual(index.seekTimestamps, [100, 200, 300, 400, 500]);
    assert.equal(index.metadataDuration, undefined);
    assert.equal(flvDuration(index), 0.5);
  });

  it('stops at damage: a cut tail, a wrong PreviousTagSize, a bad tag type', async () => {
    const bytes = writeFlv(syntheticTags({ durationMs: 500 }));
    const cut = await withFile('cut.flv', bytes.subarray(0, bytes.length - 3), (h) => indexFlvFile(h));
    assert.equal(cut.damagedBytes > 0 && cut.end < bytes.length, true);
    const badSize = Buffer.from(bytes);
    badSize.writeUInt32BE(1, 13 + 15 + 0 + badSize.readUIntBE(14, 3) - 4); // the first tag's PreviousTagSize
    const bad = await withFile('bad.flv', badSize, (h) => indexFlvFile(h));
    assert.deepEqual([bad.tagCount, bad.end], [0, 13]);
    const badType = Buffer.from(bytes);
    badType[13] = 0x07;
    assert.equal((await withFile('type.flv', badType, (h) => indexFlvFile(h))).tagCount, 0);
    await assert.rejects(withFile('text.flv', 'not an flv file', (h) => indexFlvFile(h)), FlvError);
    await assert.rejects(withFile('short.flv', 'FLV', (h) => indexFlvFile(h)), FlvError);
  });

  it('lastTagTimestamp reads back through PreviousTagSize; undefined when the tail does not check out', async () => {
    const tags = syntheticTags({ durationMs: 500 });
    const bytes = writeFlv(tags);
    assert.deepEqual(await withFile('t.flv', bytes, (h) => lastTagTimestamp(h)), { timestamp: 450, end: bytes.length, tags: true });
    assert.deepEqual(await withFile('h.flv', writeFlv([]), (h) => lastTagTimestamp(h)), { timestamp: 0, end: 13, tags: false });
    assert.equal(await withFile('c.flv', bytes.subarray(0, bytes.length - 2), (h) => lastTagTimestamp(h)), undefined);
    assert.equal(await withFile('s.flv', bytes.subarray(0, 20), (h) => lastTagTimestamp(h)), undefined);
    const wrongSize = Buffer.from(bytes);
    wrongSize.writeUInt32BE(5000, wrongSize.length - 4);
    assert.equal(await withFile('w.flv', wrongSize, (h) => lastTagTimestamp(h)), undefined);
  });

  it('FlvTagReader yields every tag in order with small and large windows; payloads survive later reads', async () => {
    const tags = syntheticTags({ durationMs: 1000, frameSize: 5000 });
    const bytes = writeFlv(tags);
    for (const window of [64 * 1024, 100]) {
      const got = await withFile('r.flv', bytes, async (h) => {
        const reader = new FlvTagReader(h, 13, bytes.length, window);
        const out = [];
        for (let tag = await reader.next(); tag; tag = await reader.next()) out.push(tag);
        return out;
      });
      assert.deepEqual(got.map((t) => [t.type, t.timestamp, t.data.toString('hex')]), tags.map((t) => [t.type, t.timestamp, t.data.toString('hex')]));
    }
    const one = await withFile('r.flv', bytes, (h) => readTagAt(h, 13, bytes.length));
    assert.equal(one?.type, 18);
  });
});
