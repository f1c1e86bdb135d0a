/**
 * Relay pull (edge) with real peers (issue 13): ffmpeg publishes to nginx-rtmp (the origin), our
 * server pulls the stream for its players (rtmpdump and ffmpeg); and a chain of our own servers,
 * origin -> edge -> edge, where a late joiner at the last edge starts at a keyframe. Every packet
 * is compared with the source.
 */
import assert from 'node:assert/strict';
import { existsSync, watch } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { Message } from '../../lib/message/message.js';
import { Server, type RelayPull } from '../../lib/server/index.js';
import {
  RTMP_INPUT_PROBE,
  assertSamePackets,
  decodeErrors,
  ffmpeg,
  packetSummary,
  probePackets,
  runningProcesses,
  start,
  tcpHandles,
} from '../helpers/ffmpeg.js';
import { generateFlv, interopMedia } from '../helpers/media.js';
import { startNginx } from '../helpers/nginx-rtmp.js';
import { nextEvent } from '../server/relay/relay-fixtures.js';

/** The edge's upstream for `app/name` once it plays from its origin. */
function upstreamPlaying(edge: Server, name: string): Promise<RelayPull> {
  return new Promise((resolve) => {
    const listener = (status: { name: string; state: string }, relay: RelayPull): void => {
      if (status.name !== name || status.state !== 'playing') return;
      edge.relay!.off('pull', listener);
      resolve(relay);
    };
    edge.relay!.on('pull', listener);
  });
}

/** Resolves when `relay` unpublishes the stream locally (the origin's stream ended). */
function upstreamEnded(relay: RelayPull): Promise<void> {
  return new Promise((resolve) => {
    const listener = (published: boolean): void => {
      if (published) return;
      relay.off('local', listener);
      resolve();
    };
    relay.on('local', listener);
  });
}

/**
 * Resolves once `file` exists: ffmpeg creates its output only after probing its input, so this
 * says an ffmpeg player is past its probe (closing the server earlier fails its open).
 */
function created(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(file), () => check());
    const check = (): void => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve();
    };
    check();
  });
}

function plays(server: Server, count: number): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const listener = (): void => {
      if (++n < count) return;
      server.off('play', listener);
      resolve();
    };
    server.on('play', listener);
  });
}

describe('interop: relay pull (edge)', { timeout: 180_000 }, () => {
  const media = interopMedia('relay-pull');

  it('ffmpeg -> nginx-rtmp (origin) -> our server --pull (edge) -> rtmpdump and ffmpeg: every packet intact, one upstream', async () => {
    const nginx = await startNginx();
    const edge = new Server({ addr: '127.0.0.1:0', relay: { pull: [`rtmp://127.0.0.1:${nginx.port}/live`] } });
    await edge.listen();
    const url = `rtmp://127.0.0.1:${edge.address()!.port}/live/pulled`;
    const ffmpegOut = join(media.dir, 'pulled-ffmpeg.flv');
    const rtmpdumpOut = join(media.dir, 'pulled-rtmpdump.flv');
    const upstream = upstreamPlaying(edge, 'pulled');
    const bothPlay = plays(edge, 2);
    const ffmpegPlayer = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', ffmpegOut]);
    const rtmpdump = start('rtmpdump', ['-q', '-v', '-r', url, '-o', rtmpdumpOut]);
    await bothPlay;
    const relay = await upstream;
    assert.equal(edge.relay!.pullRelays.length, 1, 'one upstream for two players');
    const ended = upstreamEnded(relay);

    const publisher = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${nginx.port}/live/pulled`]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await ended; // nginx-rtmp's Stream EOF reached the edge after the last message
    assert.equal(relay.stats.connects, 1);
    await edge.close();
    const [ffmpegResult] = await Promise.all([ffmpegPlayer.exited, rtmpdump.exited]);
    assert.equal(ffmpegResult.code, 0, ffmpegResult.stderr);
    await nginx.stop();

    await assertSamePackets(ffmpegOut, media.source);
    await assertSamePackets(rtmpdumpOut, media.source);
  });

  it('our origin -> our edge -> our edge: every packet at the last edge, and a late joiner there starts at a keyframe', async () => {
    // 6 s: a late joiner has seconds of media left even when it starts slowly on a busy machine
    // (an ffmpeg player that gets less than its probe needs never finishes opening its input).
    const source = await generateFlv(media.dir, 'chain-source.flv', { seconds: 6, gop: 25 });
    let reachedMidStream!: () => void;
    const midStream = new Promise<void>((resolve) => (reachedMidStream = resolve));
    const origin = new Server({
      addr: '127.0.0.1:0',
      onMessage(_conn, message: Message) {
        if (message.type === 9 && message.timestamp >= 1200) reachedMidStream();
      },
    });
    await origin.listen();
    const edge1 = new Server({ addr: '127.0.0.1:0', relay: { pull: [`rtmp://127.0.0.1:${origin.address()!.port}/live`] } });
    await edge1.listen();
    const edge2 = new Server({ addr: '127.0.0.1:0', relay: { pull: [`rtmp://127.0.0.1:${edge1.address()!.port}/live`] } });
    await edge2.listen();
    const url = `rtmp://127.0.0.1:${edge2.address()!.port}/live/chain`;
    const fullOut = join(media.dir, 'chain-full.flv');
    const lateOut = join(media.dir, 'chain-late.flv');

    // The first player makes edge2 pull from edge1, which pulls from the origin.
    const chained = Promise.all([upstreamPlaying(edge2, 'chain'), upstreamPlaying(edge1, 'chain'), nextEvent(origin, 'play')]);
    const fullPlayer = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', fullOut]);
    const [[lastEdge]] = await Promise.all([chained, nextEvent(edge2, 'play')]);
    const ended = upstreamEnded(lastEdge);

    const publisher = ffmpeg(['-re', '-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${origin.address()!.port}/live/chain`]);
    await midStream;
    const latePlays = nextEvent(edge2, 'play');
    const latePlayer = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', lateOut]);
    await latePlays;
    assert.equal(edge2.relay!.pullRelays.length, 1, 'the late joiner shares the upstream');
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await ended;
    await Promise.all([created(fullOut), created(lateOut)]);
    await edge2.close();
    const [full, late] = await Promise.all([fullPlayer.exited, latePlayer.exited]);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(late.code, 0, late.stderr);
    await Promise.all([edge1.close(), origin.close()]);

    await assertSamePackets(fullOut, source);
    const packets = await probePackets(lateOut);
    const firstVideo = packets.find((p) => p.codecType === 'video');
    assert.equal(firstVideo?.keyframe, true, 'the late joiner starts at a keyframe');
    const sourceVideo = packetSummary(await probePackets(source), 'video');
    const lateVideo = packetSummary(packets, 'video');
    assert.ok(lateVideo.length > 0 && lateVideo.length < sourceVideo.length, `joined mid-stream (${lateVideo.length} of ${sourceVideo.length})`);
    // From its keyframe on, the late joiner has the source's video to the end (ffmpeg's muxer
    // starts the file's clock at its first packet: timestamps are compared from there).
    const fromFirst = (list: typeof lateVideo) => list.map((p) => ({ ...p, dts: p.dts! - list[0]!.dts!, pts: p.pts! - list[0]!.pts! }));
    assert.deepEqual(fromFirst(lateVideo), fromFirst(sourceVideo.slice(sourceVideo.length - lateVideo.length)));
    assert.deepEqual(await decodeErrors(lateOut), []);
  });

  it('every process and socket started by these tests is gone', () => {
    assert.equal(runningProcesses(), 0);
    assert.equal(tcpHandles(), media.baselineHandles);
  });
});
