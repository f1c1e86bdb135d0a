/**
 * Interop with real ffmpeg (issue 3, 7a, 7b, 7h): ffmpeg publishes into our server and ffmpeg
 * players read from it; what they receive is compared with the source packet by packet.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Message } from '../../lib/message/message.js';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, decodeErrors, assertSamePackets, ffmpeg, packetSummary, probePackets, probeStreams, runningProcesses, tcpHandles } from '../helpers/ffmpeg.js';
import { interopMedia } from '../helpers/media.js';

describe('interop: ffmpeg publishes into our server, ffmpeg plays', { timeout: 60_000 }, () => {
  const media = interopMedia('server-ffmpeg');

  it('7a: a player connected first receives every packet intact (ffprobe packets and framemd5 identical)', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const url = `rtmp://127.0.0.1:${server.address()!.port}/live/relay`;
    const out = join(media.dir, 'relay.flv');
    const played = once(server, 'play');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await played;
    const unpublished = once(server, 'unpublish');
    const publisher = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await unpublished;
    // ffmpeg players do not stop on UnpublishNotify: the server closes them (after flushing).
    await server.close();
    const played2 = await player.exited;
    assert.equal(played2.code, 0, played2.stderr);

    await assertSamePackets(out, media.source);
  });

  it('7b: a player that joins mid-stream gets a decodable stream starting at a keyframe', async () => {
    // The publisher runs in real time (-re); the late player starts once 1.2 s of video went by.
    let midStream!: () => void;
    const reachedMidStream = new Promise<void>((resolve) => (midStream = resolve));
    const server = new Server({
      addr: '127.0.0.1:0',
      onMessage(_conn, message: Message) {
        if (message.type === 9 && message.timestamp >= 1200) midStream();
      },
    });
    await server.listen();
    const url = `rtmp://127.0.0.1:${server.address()!.port}/live/late`;
    const out = join(media.dir, 'late.flv');
    const publisher = ffmpeg(['-re', '-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
    await reachedMidStream;
    const played = once(server, 'play');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await played;
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await server.close();
    const result = await player.exited;
    assert.equal(result.code, 0, result.stderr);

    const streams = await probeStreams(out);
    const video = streams.find((s) => s.codecType === 'video');
    const audio = streams.find((s) => s.codecType === 'audio');
    assert.deepEqual([video?.codecName, video?.width, video?.height], ['h264', 160, 120]);
    assert.deepEqual([audio?.codecName, audio?.sampleRate], ['aac', 44100]);
    const packets = await probePackets(out);
    const firstVideo = packets.find((p) => p.codecType === 'video');
    assert.equal(firstVideo?.keyframe, true, 'the first video packet is a keyframe');
    const sourceVideo = packetSummary(await probePackets(media.source), 'video').length;
    const gotVideo = packetSummary(packets, 'video').length;
    assert.ok(gotVideo < sourceVideo && gotVideo > 0, `joined mid-stream (${gotVideo} of ${sourceVideo} video packets)`);
    assert.deepEqual(await decodeErrors(out), []);
  });

  it('7h: every process and socket started by these tests is gone', async () => {
    assert.equal(runningProcesses(), 0);
    assert.equal(tcpHandles(), media.baselineHandles);
  });
});
