/**
 * Relay push with nginx-rtmp as the destination (issue 13): ffmpeg publishes into our server,
 * which republishes to nginx-rtmp; players on nginx receive the source packet by packet. A
 * destination that restarts mid-stream is reconnected to, and the media after the restart arrives
 * intact from a keyframe on.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import type { Message } from '../../lib/message/message.js';
import { isAudioSequenceHeader } from '../../lib/message/audio.js';
import { isKeyframe, isVideoSequenceHeader } from '../../lib/message/video.js';
import { Server, type RelayPushStatus } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, assertSamePackets, ffmpeg, runningProcesses, tcpHandles } from '../helpers/ffmpeg.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { interopMedia } from '../helpers/media.js';
import { startNginx } from '../helpers/nginx-rtmp.js';
import { startTcpTap } from '../helpers/tcp-tap.js';

/** Resolves with the first push status that satisfies `test`. */
function pushStatus(server: Server, test: (s: RelayPushStatus) => boolean): Promise<RelayPushStatus> {
  return new Promise((resolve) => {
    const listener = (status: RelayPushStatus): void => {
      if (!test(status)) return;
      server.relay!.off('push', listener);
      resolve(status);
    };
    server.relay!.on('push', listener);
  });
}

describe('interop: relay push to nginx-rtmp', { timeout: 150_000 }, () => {
  const media = interopMedia('relay-push');

  it('ffmpeg -> our server --push -> nginx-rtmp -> ffmpeg player: every packet intact', async () => {
    const nginx = await startNginx();
    const server = new Server({ addr: '127.0.0.1:0', relay: { push: [`rtmp://127.0.0.1:${nginx.port}/live`] } });
    await server.listen();
    // The player is on nginx before anything is published (nginx-rtmp keeps no GOP for late joiners).
    const tap = await startTcpTap(nginx.port);
    const out = join(media.dir, 'pushed.flv');
    const playing = tap.seen('NetStream.Play.Start');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', `rtmp://127.0.0.1:${tap.port}/live/pushed`, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await playing;

    const stopped = pushStatus(server, (s) => s.state === 'stopped');
    const publisher = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.address()!.port}/live/pushed`]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await stopped;
    const [relay] = server.relay!.pushRelays;
    assert.equal(relay, undefined, 'the relay is gone once the publisher left');
    // nginx-rtmp tells its players only Stream EOF, which ffmpeg ignores: stopping nginx ends the player.
    await server.close();
    await nginx.stop();
    await player.exited;
    await tap.close();
    await assertSamePackets(out, media.source);
  });

  it('a destination that restarts mid-stream: the relay reconnects and the later media arrives intact from a keyframe', async () => {
    let nginx = await startNginx();
    const port = nginx.port;
    let reachedMidStream!: () => void;
    const midStream = new Promise<void>((resolve) => (reachedMidStream = resolve));
    const server = new Server({
      addr: '127.0.0.1:0',
      relay: { push: [`rtmp://127.0.0.1:${port}/live`], backoff: { initialDelay: 50, maxDelay: 200 } },
      onMessage(_conn, message: Message) {
        if (message.type === 9 && message.timestamp >= 1000) reachedMidStream();
      },
    });
    await server.listen();
    const states: string[] = [];
    server.relay!.on('push', (s) => states.push(s.state));
    const firstPublish = pushStatus(server, (s) => s.state === 'publishing');
    const publisher = ffmpeg(['-re', '-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.address()!.port}/live/restart`]);
    await firstPublish;
    await midStream;
    const retrying = pushStatus(server, (s) => s.state === 'retrying');
    await nginx.stop();
    const failed = await retrying;
    assert.ok(failed.error, 'the retry says why');
    const republished = pushStatus(server, (s) => s.state === 'publishing');
    nginx = await startNginx({ port });
    // A player on the restarted nginx (our Client, reading until nginx's Stream EOF). It may join
    // before or after the relay is back: what counts is every message from its first keyframe on.
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('restart');
    const received: Array<{ kind: 'audio' | 'video'; timestamp: number; payload: Buffer }> = [];
    const collected = (async () => {
      for (;;) {
        const event: RtmpEvent | null = await player.readEvent();
        if (!event) return;
        if (event.kind === 'userControl' && event.event.event === 'StreamEOF' && received.length > 0) return;
        if (event.kind === 'audio' || event.kind === 'video') received.push({ kind: event.kind, timestamp: event.timestamp, payload: Buffer.from(event.payload) });
      }
    })();
    await republished;
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await collected;
    await player.close();
    const relay = server.relay!.pushRelays[0];
    await server.close();
    await nginx.stop();

    assert.equal(relay, undefined);
    assert.ok(states.indexOf('retrying') > states.indexOf('publishing'));
    assert.equal(states.lastIndexOf('publishing') > states.indexOf('retrying'), true, `states: ${states.join(' ')}`);
    // From the first keyframe the player got, every message of the source to its end, in order.
    const frames = received.filter((m) => !(m.kind === 'video' ? isVideoSequenceHeader(m.payload) : isAudioSequenceHeader(m.payload)));
    const first = frames.findIndex((m) => m.kind === 'video' && isKeyframe(m.payload));
    assert.ok(first >= 0, 'a keyframe arrived after the restart');
    const tail = frames.slice(first);
    assert.ok(tail[0]!.timestamp >= 1000, `the media after the restart (from ${tail[0]!.timestamp} ms)`);
    const source = readFlvTags(await readFile(media.source))
      .filter((t) => t.type === 8 || t.type === 9)
      .map((t) => ({ kind: t.type === 8 ? ('audio' as const) : ('video' as const), timestamp: t.timestamp, payload: t.data }))
      .filter((m) => !(m.kind === 'video' ? isVideoSequenceHeader(m.payload) : isAudioSequenceHeader(m.payload)));
    const start = source.findIndex((m) => m.kind === 'video' && m.timestamp === tail[0]!.timestamp);
    assert.ok(start > 0);
    assert.equal(tail.length, source.length - start, 'every message from the keyframe to the end');
    for (let i = 0; i < tail.length; i++) {
      const got = tail[i]!;
      const want = source[start + i]!;
      assert.deepEqual([got.kind, got.timestamp], [want.kind, want.timestamp], `message ${i}`);
      assert.ok(got.payload.equals(want.payload), `payload of message ${i} (${got.kind} at ${got.timestamp})`);
    }
  });

  it('every process and socket started by these tests is gone', () => {
    assert.equal(runningProcesses(), 0);
    assert.equal(tcpHandles(), media.baselineHandles);
  });
});
