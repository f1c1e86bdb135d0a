/**
 * Interop 7c (and 7h): our Client and our Server with real ffmpeg on the other end. Our client
 * publishes while an ffmpeg player records; ffmpeg publishes while our client plays. Both must
 * give the source's packets exactly (ffprobe -show_packets and framemd5).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, runningProcesses, assertSamePackets, tcpHandles } from '../helpers/ffmpeg.js';
import { interopMedia } from '../helpers/media.js';
import { collectMedia, publishFlv, writeTags } from '../helpers/client-media.js';

describe('interop 7c: our client ⇄ our server ⇄ ffmpeg', { timeout: 60_000 }, () => {
  const media = interopMedia('client-server-ffmpeg');

  it('our client publishes, an ffmpeg player (connected first) records every packet', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const url = `rtmp://127.0.0.1:${server.address()!.port}/live/ours`;
    const out = join(media.dir, 'ffmpeg-played.flv');
    const client = new Client();
    const played = once(server, 'play');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    try {
      await played;
      await client.connect(url);
      await client.publish();
      await publishFlv(client, media.source);
      const unpublished = once(server, 'unpublish');
      await client.close();
      await unpublished;
      // ffmpeg players do not stop on UnpublishNotify: the server closes them after flushing.
      await server.close();
      const exit = await player.exited;
      assert.equal(exit.code, 0, exit.stderr);
    } finally {
      client.destroy();
      await player.kill();
      await server.close();
    }
    await assertSamePackets(out, media.source);
  });

  it('ffmpeg publishes, our client (playing first) receives every packet', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const url = `rtmp://127.0.0.1:${server.address()!.port}/live/theirs`;
    const received = join(media.dir, 'client-played.flv');
    const client = new Client();
    let publisher: ReturnType<typeof ffmpeg> | undefined;
    try {
      await client.connect(url);
      const played = once(server, 'play');
      const playing = client.play();
      await played;
      const collected = playing.then(() => collectMedia(client));
      const unpublished = once(server, 'unpublish');
      publisher = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
      const exit = await publisher.exited;
      assert.equal(exit.code, 0, exit.stderr);
      await unpublished;
      // Our client keeps reading after UnpublishNotify, like ffmpeg: closing the server ends it.
      await server.close();
      await writeTags(received, await collected);
    } finally {
      client.destroy();
      await publisher?.kill();
      await server.close();
    }
    await assertSamePackets(received, media.source);
  });

  it('7h: no child process or socket is left behind', () => {
    assert.equal(runningProcesses(), 0);
    assert.ok(tcpHandles() <= media.baselineHandles, `TCP handles: ${tcpHandles()} (baseline ${media.baselineHandles})`);
  });
});
