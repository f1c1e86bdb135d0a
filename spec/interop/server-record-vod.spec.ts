/**
 * Recording and VOD against real ffmpeg (issue 4, items 3 and 4): what the server records holds
 * every packet of the source, and ffmpeg playing a VOD file receives every packet of it
 * (ffprobe packets and framemd5 compared).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, framemd5, killAll, packetSummary, probePackets, runningProcesses } from '../helpers/ffmpeg.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { closeAll, connectRaw } from '../helpers/raw-client.js';
import { publishTags, statusOf } from '../server/record-vod-fixtures.js';

describe('interop: recording and VOD with ffmpeg', { timeout: 90_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;

  before(async () => {
    ({ dir, remove } = await tempDir('record-vod'));
    source = await generateFlv(dir, 'source.flv', { seconds: 3, gop: 25 });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  async function samePackets(got: string, want: string): Promise<void> {
    const [w, g] = await Promise.all([probePackets(want), probePackets(got)]);
    assert.ok(w.length > 100);
    assert.deepEqual(packetSummary(g, 'video'), packetSummary(w, 'video'));
    assert.deepEqual(packetSummary(g, 'audio'), packetSummary(w, 'audio'));
    assert.deepEqual(await framemd5(got), await framemd5(want));
  }

  it('recordAll: ffmpeg publishes (-c copy) and the recording holds every packet of the source', async () => {
    const recordDir = join(dir, 'rec-all');
    const server = new Server({ addr: '127.0.0.1:0', recordDir, recordAll: true });
    await server.listen();
    try {
      const stopped = once(server.recordings!, 'stop');
      const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.address()!.port}/live/ff`]);
      const result = await publisher.exited;
      assert.equal(result.code, 0, result.stderr);
      await stopped;
      await samePackets(join(recordDir, 'live', 'ff.flv'), source);
    } finally {
      await server.close();
    }
  });

  it("publish 'record' then 'append' twice: ffprobe sees every packet, the appended half continuing the timestamps", async () => {
    const recordDir = join(dir, 'rec');
    const server = new Server({ addr: '127.0.0.1:0', recordDir });
    await server.listen();
    const tags = readFlvTags(await readFile(source));
    const publish = async (name: string, type: string): Promise<void> => {
      const c = await connectRaw(server.address()!.port);
      try {
        await c.connect({ app: 'live' });
        const id = await c.createStream();
        c.command('publish', 0, null, [name, type], id);
        assert.equal(statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus')).code, 'NetStream.Publish.Start');
        publishTags(c, id, tags);
        const stopped = once(server.recordings!, 'stop');
        c.command('FCUnpublish', 0, null, [name]);
        await stopped;
      } finally {
        await closeAll(c);
      }
    };
    try {
      await publish('once', 'record');
      await samePackets(join(recordDir, 'live', 'once.flv'), source);
      await publish('twice', 'append');
      await publish('twice', 'append');
      const [want, got] = await Promise.all([probePackets(source), probePackets(join(recordDir, 'live', 'twice.flv'))]);
      assert.equal(got.length, 2 * want.length);
      const last = Math.max(...tags.map((t) => t.timestamp));
      for (const kind of ['video', 'audio'] as const) {
        const w = packetSummary(want, kind);
        const g = packetSummary(got, kind);
        assert.deepEqual(g.slice(0, w.length), w);
        // The second publish continues 1 ms after the first one's last tag.
        assert.deepEqual(
          g.slice(w.length),
          w.map((p) => ({ ...p, dts: p.dts! + last + 1, pts: p.pts! + last + 1 })),
        );
      }
      const hashes = await framemd5(join(recordDir, 'live', 'twice.flv'));
      const wantHashes = await framemd5(source);
      assert.deepEqual(hashes.video, [...wantHashes.video, ...wantHashes.video]);
      assert.deepEqual(hashes.audio, [...wantHashes.audio, ...wantHashes.audio]);
    } finally {
      await server.close();
    }
  });

  it('ffmpeg plays a whole VOD file and receives every packet of it', async () => {
    const vodDir = join(dir, 'vod');
    await mkdir(join(vodDir, 'vod'), { recursive: true });
    await copyFile(source, join(vodDir, 'vod', 'clip.flv'));
    const server = new Server({ addr: '127.0.0.1:0', vodDir, vodPace: 'fast' });
    await server.listen();
    const out = join(dir, 'vod-out.flv');
    const complete = once(server.vod!, 'complete');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', `rtmp://127.0.0.1:${server.address()!.port}/vod/clip`, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    try {
      await Promise.race([complete, player.exited]);
      // Whether or not ffmpeg stops on Play.Stop by itself, closing from the server side ends it cleanly.
      await server.close();
      const result = await player.exited;
      assert.equal(result.code, 0, result.stderr);
      await samePackets(out, source);
    } finally {
      await server.close();
      await player.kill();
    }
  });

  it('every process started here is gone', () => {
    assert.equal(runningProcesses(), 0);
  });
});
