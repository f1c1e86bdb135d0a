/**
 * `rtmp-client --play` ends as the server ends the stream: a scripted server that behaves like
 * nginx-rtmp (the only end signal is Stream EOF) and node-media-server (media on message stream
 * 0). The process writes every frame and exits 0 within a second of the end.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFlvTags } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';
import { standardReplies, startFakeServer, status } from '../client/fake-server.js';
import { cli } from './support.js';

const FRAMES = 20;

describe('rtmp-client --play: the end of the stream', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir('client-cli-playback');
  });
  after(async () => {
    await dir.remove();
  });

  it('--idle-timeout: a server that never says the end (node-media-server 4) still lets the player finish, exit 0', async () => {
    const server = await startFakeServer((c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'play') return false;
        status(c, e.streamId, 'status', 'NetStream.Play.Start');
        for (let i = 0; i < FRAMES; i++) c.conn.send({ kind: 'video', streamId: 0, timestamp: i * 40, payload: Buffer.from([0x27, 1, 0, 0, 0, i]) });
        return true; // and then silence, the connection open
      }),
    );
    const out = join(dir.dir, 'idle.flv');
    try {
      const client = cli('rtmp-client', ['--url', server.url('/live/s'), '--play', '--output', out, '--idle-timeout', '500ms', '--duration', '10s']);
      const result = await client.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /stream ended \(idle\)/);
      assert.equal(readFlvTags(await readFile(out)).filter((t) => t.type === 9).length, FRAMES);
    } finally {
      await server.close();
    }
  });

  for (const mediaStream of ['player', 0] as const) {
    const peer = mediaStream === 0 ? 'media on stream 0 (node-media-server)' : 'media on the player stream (nginx-rtmp)';
    it(`${peer}, ended by Stream EOF alone: every frame written, exit 0 within a second`, async () => {
      let endedAt = 0;
      const server = await startFakeServer((c) =>
        standardReplies(c, (e) => {
          if (e.name !== 'play') return false;
          c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: e.streamId } });
          status(c, e.streamId, 'status', 'NetStream.Play.Start');
          const on = mediaStream === 0 ? 0 : e.streamId;
          for (let i = 0; i < FRAMES; i++) {
            c.conn.send({ kind: 'video', streamId: on, timestamp: i * 40, payload: Buffer.from([i === 0 ? 0x17 : 0x27, 1, 0, 0, 0, i]) });
          }
          c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId: e.streamId } });
          endedAt = performance.now();
          return true;
        }),
      );
      const out = join(dir.dir, `played-${mediaStream}.flv`);
      try {
        // --duration bounds a client that would never notice the end (the test then fails on the reason).
        const client = cli('rtmp-client', ['--url', server.url('/live/s'), '--play', '--output', out, '--duration', '10s']);
        const result = await client.exited;
        const exitedAfter = performance.now() - endedAt;
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /stream ended \(Stream EOF\)/);
        assert.match(result.stderr, /drops 0/);
        assert.ok(endedAt > 0 && exitedAfter < 1000, `exited ${exitedAfter.toFixed(0)} ms after Stream EOF`);
        const tags = readFlvTags(await readFile(out)).filter((t) => t.type === 9);
        assert.deepEqual(
          tags.map((t) => t.data[5]),
          Array.from({ length: FRAMES }, (_, i) => i),
        );
      } finally {
        await server.close();
      }
    });
  }
});
