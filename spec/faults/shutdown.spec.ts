/**
 * `server.close()` under load (issue 5, item 2): 100 players (90 watching a live stream that is
 * publishing while the server closes, 10 waiting for a stream nobody publishes) and the publisher.
 * close() resolves before its deadline, and every player was told before its connection closed:
 * live players get Play.UnpublishNotify then Stream EOF on their own message stream, waiting players
 * Play.Stop then Stream EOF, the publisher Unpublish.Success.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, it } from 'node:test';
import type { CommandEvent, RtmpEvent, UserControlEventMessage } from '../../lib/command/events.js';
import { rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { interframe, keyframe } from '../server/media-fixtures.js';
import { listening, nextMedia, releaseAll } from './support.js';

/** Status codes and stream events a client got, in order, as short strings. */
function told(events: RtmpEvent[], streamId: number): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind === 'command' && e.name === 'onStatus') out.push(((e as CommandEvent).args[0] as { code: string }).code);
    if (e.kind === 'userControl') {
      const ev = (e as UserControlEventMessage).event as { event: string; streamId?: number };
      if (ev.event === 'StreamEOF') out.push(ev.streamId === streamId ? 'StreamEOF' : `StreamEOF(${ev.streamId})`);
    }
  }
  return out;
}

describe('faults: server.close() with 100 players', { timeout: 40_000 }, () => {
  afterEach(releaseAll);

  it('finishes within its deadline and every player is told before its socket closes', { timeout: 30_000 }, async () => {
    const { server, port } = await listening({ maxConnections: 200 });
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'live-show');
    const players: Array<{ client: RawClient; streamId: number; live: boolean }> = [];
    // Ten at a time (connecting is round trips, not work).
    for (let batch = 0; batch < 10; batch++) {
      const joined = await Promise.all(Array.from({ length: 10 }, (_, j) => rawPlayer(port, j !== 9 ? 'live-show' : 'nobody')));
      joined.forEach((p, j) => players.push({ ...p, live: j !== 9 }));
    }
    // Media flows to everyone live before the close.
    pub.send({ kind: 'video', streamId: pubStream, timestamp: 0, payload: keyframe(1, 2000) });
    for (const p of players) if (p.live) await nextMedia(p.client);
    // What each player had received when its connection closed.
    const atClose = players.map((p) => once(p.client, 'close').then(() => told(p.client.received, p.streamId)));
    const publisherTold = once(pub, 'close').then(() => told(pub.received, pubStream));
    // The publisher is still sending while the server closes.
    for (let i = 1; i <= 20; i++) pub.send({ kind: 'video', streamId: pubStream, timestamp: i * 40, payload: interframe(i, 2000) });
    const deadline = 5000;
    const started = Date.now();
    await server.close({ timeout: deadline });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < deadline, `close() took ${elapsed} ms (deadline ${deadline} ms): every connection closed gracefully`);
    assert.equal(server.connectionCount, 0);
    assert.equal(server.state, 'closed');
    assert.deepEqual(server.registry.list(), []);
    const results = await Promise.all(atClose);
    results.forEach((statuses, i) => {
      const want = players[i]!.live
        ? ['NetStream.Play.Reset', 'NetStream.Play.Start', 'NetStream.Play.UnpublishNotify', 'StreamEOF']
        : ['NetStream.Play.Reset', 'NetStream.Play.Start', 'NetStream.Play.Stop', 'StreamEOF'];
      assert.deepEqual(statuses, want, `player ${i}`);
    });
    assert.deepEqual(await publisherTold, ['NetStream.Publish.Start', 'NetStream.Unpublish.Success']);
  });
});
