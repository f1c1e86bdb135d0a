/**
 * Timestamps at the edges of the wire format go through the server intact (issue 5, item 2):
 * across 2^24 ms, where the 24-bit header field gives way to the extended timestamp (RTMP 1.0
 * §5.3.1.3, ~4 h 39 m into a stream), and across 2^32 ms, where the 32-bit timestamp wraps
 * (RTMP 1.0 §5.3.1.3: "timestamps ... wrap around", ~49.7 days). The publisher sends exactly those
 * timestamps (messages bigger than a chunk included, so type-3 continuations carry the extended
 * field); a player present from the start and a player joining after the wrap receive exactly
 * the timestamps that were sent, and the FLV recording keeps their spacing. A real ffmpeg session
 * published past 2^24 ms is replayed too.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChunkDecoder, MessageAssembler } from '../../lib/chunk/index.js';
import type { Message } from '../../lib/message/message.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';
import { closeAll, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { aacFrame, interframe, keyframe } from '../server/media-fixtures.js';
import { handshaken, listening, nextMedia, releaseAll } from './support.js';

const EXTENDED = 0xffffff; // the 24-bit field's escape value, RTMP 1.0 §5.3.1.3

/** Timestamps around 2^24 and across the 2^32 wrap, in sending order (monotonic modulo 2^32). */
const timestamps = [
  0,
  EXTENDED - 41,
  EXTENDED - 1,
  EXTENDED, // exactly the escape value: must use the extended field
  EXTENDED + 1, // 2^24
  EXTENDED + 40,
  0x7fffffff,
  0x80000000,
  0xffffffff - 80,
  0xffffffff - 1,
  0xffffffff,
  0, // wrapped
  1,
  40,
  EXTENDED - 1, // and back below the escape value on the far side of the wrap
  EXTENDED + 1,
];

async function receiveMedia(player: RawClient, count: number): Promise<Array<{ kind: string; timestamp: number; tag: number; size: number }>> {
  const got: Array<{ kind: string; timestamp: number; tag: number; size: number }> = [];
  while (got.length < count) {
    const e = await nextMedia(player);
    got.push({ kind: e.kind, timestamp: e.timestamp, tag: e.payload[e.payload.length - 1]!, size: e.payload.length });
  }
  return got;
}

describe('faults: timestamps across 2^24 and the 2^32 wrap', { timeout: 30_000 }, () => {
  afterEach(releaseAll);

  it('players receive exactly the timestamps the publisher sent, big messages and late joiners included', { timeout: 15_000 }, async () => {
    const { server, port } = await listening({ chunkSize: 4096 });
    const { client: pub, streamId } = await rawPublisher(port, 'clock');
    const { client: early } = await rawPlayer(port, 'clock');
    // Video of 3 sizes (inside one 128-byte chunk, a few chunks, beyond the server's 4096) and audio
    // between, each on its own chunk stream, so type 0/1/2/3 headers all meet the extended field.
    const sizes = [20, 600, 9000];
    const sent: Array<{ kind: string; timestamp: number; tag: number; size: number }> = [];
    timestamps.forEach((timestamp, i) => {
      const video = i === 0 || i === 11 ? keyframe(i, sizes[i % 3]!) : interframe(i, sizes[i % 3]!);
      const audio = aacFrame(100 + i, 30);
      pub.send({ kind: 'video', streamId, timestamp, payload: video });
      pub.send({ kind: 'audio', streamId, timestamp, payload: audio });
      sent.push({ kind: 'video', timestamp, tag: i, size: video.length }, { kind: 'audio', timestamp, tag: 100 + i, size: audio.length });
    });
    assert.deepEqual(await receiveMedia(early, sent.length), sent);
    // A late joiner gets the cached GOP, which starts at the keyframe sent at the wrapped timestamp 0.
    const { client: late } = await rawPlayer(port, 'clock');
    const cached = sent.slice(2 * 11);
    assert.deepEqual(await receiveMedia(late, cached.length), cached);
    // And both go on receiving live messages past the wrap.
    pub.send({ kind: 'video', streamId, timestamp: EXTENDED + 80, payload: interframe(77, 600) });
    for (const player of [early, late]) {
      assert.deepEqual(await receiveMedia(player, 1), [{ kind: 'video', timestamp: EXTENDED + 80, tag: 77, size: 605 }]);
    }
    await closeAll(pub, early, late);
    await server.close();
  });

  it('the FLV recording keeps the spacing across 2^24 and the 2^32 wrap (clock rebased to 0)', { timeout: 15_000 }, async () => {
    const { dir, remove } = await tempDir('faults-ts-rec');
    try {
      const { server, port } = await listening({ recordDir: dir, recordAll: true });
      const { client: pub, streamId } = await rawPublisher(port, 'clock');
      const stopped = once(server.recordings!, 'stop');
      timestamps.forEach((timestamp, i) => {
        pub.send({ kind: 'video', streamId, timestamp, payload: i === 0 ? keyframe(i, 600) : interframe(i, 600) });
      });
      await closeAll(pub);
      await stopped;
      await server.close();
      const tags = readFlvTags(await readFile(join(dir, 'live', 'clock.flv'))).filter((tag) => tag.type === 9);
      // The recorder starts the file at 0: each tag sits at (sent - first sent) mod 2^32.
      assert.deepEqual(
        tags.map((tag) => [tag.timestamp, tag.data[tag.data.length - 1]]),
        timestamps.map((ts, i) => [(ts - timestamps[0]!) >>> 0, i]),
      );
    } finally {
      await remove();
    }
  });

  it('a real ffmpeg session published past 2^24 ms reaches a player with every timestamp intact', { timeout: 15_000 }, async () => {
    const capture = readFileSync(fileURLToPath(new URL('../fixtures/ffmpeg-publish/extended-ts.client-to-server.bin', import.meta.url)));
    const chunkStream = capture.subarray(1 + 1536 + 1536); // after C0 C1 C2
    // What the capture carries, decoded offline: audio/video messages with their timestamps, in order.
    const messages: Message[] = [];
    await pipeline(Readable.from([chunkStream]), new ChunkDecoder(), new MessageAssembler(), async (source: AsyncIterable<Message>) => {
      for await (const m of source) if (m.type === 8 || m.type === 9) messages.push({ ...m, data: Buffer.from(m.data) });
    });
    const want = messages.map((m) => `${m.type === 8 ? 'audio' : 'video'}@${m.timestamp}:${m.length}`);
    assert.ok(messages.some((m) => m.timestamp > EXTENDED), 'the capture is past 2^24 ms');

    const { server, port } = await listening();
    const { client: player } = await rawPlayer(port, 'capture');
    // Replay ffmpeg's bytes after our own handshake: connect, createStream, publish 'capture', media.
    const { socket } = await handshaken(port);
    socket.resume(); // our answers are not needed: ffmpeg's requests are already in the bytes
    socket.write(chunkStream);
    const got: string[] = [];
    while (got.length < want.length) {
      const e = await nextMedia(player);
      got.push(`${e.kind}@${e.timestamp}:${e.payload.length}`);
    }
    assert.deepEqual(got, want);
    socket.destroy();
    await closeAll(player);
    await server.close();
  });
});
