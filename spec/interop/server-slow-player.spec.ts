/**
 * Interop 7e: one player that never reads beside a normal ffmpeg player. The normal player gets
 * every packet, the publisher (real-time ffmpeg) finishes while the stuck player still reads
 * nothing, and the server's queue for the stuck player stays bounded.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, framemd5, killAll, packetSummary, probePackets, runningProcesses } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { rawPlayer } from '../helpers/raw-client.js';

describe('interop: a player that never reads', { timeout: 60_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;

  before(async () => {
    ({ dir, remove } = await tempDir('server-slow'));
    // Lossless frames: megabytes per second, more than the kernel's socket buffers absorb.
    source = await generateFlv(dir, 'big.flv', { seconds: 3, width: 480, height: 270, qp: 0, gop: 25, noise: true });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('7e: the normal player gets every packet, the publisher is not slowed, memory stays bounded', async () => {
    const limit = 512 * 1024;
    const server = new Server({ addr: '127.0.0.1:0', limits: { maxPlayerBacklog: limit } });
    await server.listen();
    const port = server.address()!.port;
    const url = `rtmp://127.0.0.1:${port}/live/big`;
    const out = join(dir, 'normal.flv');

    const stuckPlayed = once(server, 'play') as Promise<[ServerConnection]>;
    const { client: stuck } = await rawPlayer(port, 'big');
    const [stuckConn] = await stuckPlayed;
    stuck.socket.pause(); // never reads another byte

    const played = once(server, 'play');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await played;
    const publisher = ffmpeg(['-re', '-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    // The publisher finished while the stuck player has still read nothing since play.
    const stats = stuckConn.subscribers[0]!.stats;
    assert.ok(stats.droppedMessages > 0, 'the stuck player lost frames');
    const biggest = Math.max(...(await probePackets(source)).map((p) => p.size));
    assert.ok(stats.maxBacklog <= limit + 2 * biggest + 65536, `its queue stayed bounded: ${stats.maxBacklog} bytes`);
    assert.ok(stuckConn.outboundBacklog <= limit + 2 * biggest + 65536);

    stuck.destroy();
    await server.close();
    const result = await player.exited;
    assert.equal(result.code, 0, result.stderr);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
    assert.deepEqual(await framemd5(out), await framemd5(source));
    assert.equal(runningProcesses(), 0);
    assert.equal(server.connectionCount, 0);
  });
});
