/**
 * Relay pull (edge) between our own servers (issue 13): one upstream per stream however many
 * players; the upstream stops idleTimeout after the last player left (not before, and not when a
 * player comes back in time); an origin that drops is reconnected to while players remain.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Server, type RelayPull, type RelayPullStatus } from '../../../lib/server/index.js';
import { labels, listening, nextEvent, player, publisher, send, syntheticStream } from './relay-fixtures.js';

function pullState(server: Server, state: RelayPullStatus['state'], count = 1): Promise<RelayPull> {
  let n = 0;
  return new Promise((resolve) => {
    const listener = (s: RelayPullStatus, relay: RelayPull): void => {
      if (s.state !== state || ++n < count) return;
      server.relay!.off('pull', listener);
      resolve(relay);
    };
    server.relay!.on('pull', listener);
  });
}

function countPlays(server: Server): { count: number } {
  const counter = { count: 0 };
  server.on('play', () => counter.count++);
  return counter;
}

describe('relay pull', { timeout: 60_000 }, () => {
  it('three players, one upstream: each gets every message in order', async () => {
    const origin = await listening();
    const originPlays = countPlays(origin.server);
    const edge = await listening({ relay: { pull: [origin.url] } });
    const upstream = pullState(edge.server, 'playing');
    const players = [await player(edge.url, 'cam')];
    await upstream;
    players.push(await player(edge.url, 'cam'), await player(edge.url, 'cam'));
    assert.equal(edge.server.relay!.pullRelays.length, 1);
    const stream = syntheticStream(50);
    const source = await publisher(origin.url, 'cam');
    await send(source, stream);
    await Promise.all(players.map((p) => p.received(stream.length)));
    for (const p of players) assert.deepEqual(labels(p.media), labels(stream));
    assert.equal(originPlays.count, 1, 'the origin served one play');
    const [relay] = edge.server.relay!.pullRelays;
    assert.equal(relay!.stats.receivedMessages, stream.length);
    // The origin's stream ends: the edge's players hear it.
    const told = players.map((p) => p.status('NetStream.Play.UnpublishNotify'));
    await source.close();
    await Promise.all(told);
    for (const p of players) await p.client.close();
    await Promise.all([edge.server.close(), origin.server.close()]);
  });

  it('the upstream stops idleTimeout after the last player left, and stays when a player comes back in time', async () => {
    const idleTimeout = 300;
    const origin = await listening();
    const edge = await listening({ relay: { pull: [origin.url], idleTimeout } });
    const first = pullState(edge.server, 'playing');
    const a = await player(edge.url, 'idle');
    const relay = await first;
    // Leave and come back at once: the countdown is cancelled.
    await a.client.close();
    const b = await player(edge.url, 'idle');
    await new Promise((resolve) => setTimeout(resolve, idleTimeout * 2)); // the claim: nothing happens for 2 x idleTimeout
    assert.equal(relay.state, 'playing');
    assert.equal(relay.stats.connects, 1);
    // The last player leaves: the upstream goes after idleTimeout.
    const upstreamGone = nextEvent(origin.server, 'disconnect');
    // The origin may see the upstream go before the edge has marked its relay stopped.
    const stopped = pullState(edge.server, 'stopped');
    const left = Date.now();
    await b.client.close();
    await upstreamGone;
    await stopped;
    const elapsed = Date.now() - left;
    assert.ok(elapsed >= idleTimeout - 20 && elapsed < idleTimeout + 2000, `stopped ${elapsed} ms after the last player left`);
    assert.equal(relay.state, 'stopped');
    assert.equal(edge.server.relay!.pullRelays.length, 0);
    // A new player starts a new upstream.
    const again = pullState(edge.server, 'playing');
    const c = await player(edge.url, 'idle');
    assert.notEqual(await again, relay);
    await c.client.close();
    await Promise.all([edge.server.close(), origin.server.close()]);
  });

  it('an origin that drops is reconnected to while players remain; later media arrives', async () => {
    const origin = await listening();
    const edge = await listening({ relay: { pull: [origin.url], backoff: { initialDelay: 20, maxDelay: 40 } } });
    const upstream = pullState(edge.server, 'playing');
    const watcher = await player(edge.url, 'cam');
    const relay = await upstream;
    const source = await publisher(origin.url, 'cam');
    const before = syntheticStream(20);
    await send(source, before);
    await watcher.received(before.length);
    // The origin drops the edge's connection (not the publisher's).
    const reconnected = pullState(edge.server, 'playing');
    const unpublished = watcher.status('NetStream.Play.UnpublishNotify');
    const upstreamConn = origin.server.connections.find((c) => c.subscribers.length > 0)!;
    upstreamConn.destroy();
    await unpublished;
    assert.equal(await reconnected, relay);
    assert.deepEqual([relay.stats.connects, relay.stats.disconnects], [2, 1]);
    // After the reconnect: the origin's decoder configurations and cached GOP (frames 10..19, from
    // the keyframe at 400 ms; the configurations go out at that time too), then the live media.
    const after = syntheticStream(20, 20);
    await send(source, after);
    const expected = [...before, ...before.slice(0, 2).map((m) => ({ ...m, timestamp: 400 })), ...before.slice(2 + 2 * 10), ...after];
    await watcher.received(expected.length);
    assert.deepEqual(labels(watcher.media), labels(expected));
    await source.close();
    await watcher.client.close();
    await Promise.all([edge.server.close(), origin.server.close()]);
  });
});
