/**
 * A peer that sends a burst and closes at once loses nothing: the chunk decoder parses a bounded
 * amount per event-loop turn (issue 11, fairness), so when the socket closes part of the burst may
 * still wait in the inbound stages; the connection lets them finish before it reports 'close'.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { DEFAULT_CHUNKS_PER_TURN } from '../../lib/chunk/index.js';
import { Server } from '../../lib/server/index.js';

test("a publisher's last burst before it closes reaches the player whole and in order", async () => {
  const server = new Server({ addr: '127.0.0.1:0' });
  await server.listen();
  const url = `rtmp://127.0.0.1:${server.address()!.port}/live`;
  const player = new Client();
  const publisher = new Client();
  try {
    await player.connect(url);
    await publisher.connect(url);
    await publisher.publish('burst');
    await player.play('burst');
    // Ten times the decoder's per-turn bound in chunks (128-byte chunks: 3 each), 3 MB in all:
    // under the player's backlog limit, so a missing message can only be one the server dropped.
    const count = 10 * DEFAULT_CHUNKS_PER_TURN;
    const audio = Buffer.alloc(300, 0x21);
    audio[0] = 0xaf;
    audio[1] = 0x01;
    const received: number[] = [];
    const reading = (async () => {
      for await (const event of player.events()) if (event.kind === 'audio') received.push(event.timestamp);
    })();
    for (let i = 0; i < count; i++) void publisher.writeAudio(audio, i);
    await publisher.close(); // flushes, then FIN: the server reads the tail and the end together
    await reading; // playback ends at UnpublishNotify, which follows the last message
    assert.equal(received.length, count, `${count - received.length} messages lost`);
    assert.ok(received.every((t, i) => t === i), 'in order');
  } finally {
    await player.close();
    await publisher.close();
    await server.close();
  }
});
