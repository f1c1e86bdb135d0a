/**
 * Interop 7d (and 7h): our Client against ffmpeg acting as a one-shot RTMP server (`-listen 1`).
 * Publishing: ffmpeg records what our client sends; playing: ffmpeg serves a file to our client.
 * Both sides are compared with the source packet by packet (ffprobe -show_packets and framemd5).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client, ClientState } from '../../lib/client/client.js';
import { ffmpeg, runningProcesses, assertSamePackets, tcpHandles } from '../helpers/ffmpeg.js';
import { interopMedia } from '../helpers/media.js';
import { collectMedia, connectWhenListening, freePort, publishFlv, writeTags } from '../helpers/client-media.js';

describe('interop 7d: our client with ffmpeg -listen as the server', { timeout: 60_000 }, () => {
  const media = interopMedia('client-ffmpeg');

  it('publishes to `ffmpeg -listen 1 -i`: the recorded file has every packet of the source', async () => {
    const port = await freePort();
    const out = join(media.dir, 'recorded.flv');
    const server = ffmpeg(['-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/x`, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    const client = new Client();
    try {
      await connectWhenListening(client, `rtmp://127.0.0.1:${port}/live/x`);
      assert.equal(await client.publish(), 1);
      assert.equal(client.state, ClientState.Publishing);
      await publishFlv(client, media.source);
      await client.close();
      assert.equal(client.state, ClientState.Disconnected);
      // ffmpeg reports the end of its input as an I/O error but finalises the file.
      await server.exited;
    } finally {
      client.destroy();
      await server.kill();
    }
    await assertSamePackets(out, media.source);
  });

  it('plays from `ffmpeg -i file -f flv -listen 1`: every packet arrives intact, then the read ends', async () => {
    const port = await freePort();
    const server = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', '-listen', '1', `rtmp://127.0.0.1:${port}/live/x`]);
    const client = new Client();
    const statuses: string[] = [];
    client.on('status', (info) => statuses.push(String(info.code)));
    const received = join(media.dir, 'played.flv');
    try {
      await connectWhenListening(client, `rtmp://127.0.0.1:${port}/live/x`);
      assert.equal(await client.play(), 1);
      assert.equal(client.state, ClientState.Subscribing);
      const tags = await collectMedia(client);
      await writeTags(received, tags);
      const exit = await server.exited;
      assert.equal(exit.code, 0, exit.stderr);
    } finally {
      client.destroy();
      await server.kill();
    }
    assert.ok(statuses.includes('NetStream.Play.Start'), statuses.join());
    assert.equal(client.state, ClientState.Disconnected);
    await assertSamePackets(received, media.source);
  });

  it('7h: no child process or socket is left behind', () => {
    assert.equal(runningProcesses(), 0);
    assert.ok(tcpHandles() <= media.baselineHandles, `TCP handles: ${tcpHandles()} (baseline ${media.baselineHandles})`);
  });
});
