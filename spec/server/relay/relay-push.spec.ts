/**
 * Relay push between our own servers (issue 13): every message reaches the destination in order;
 * a destination that never answers costs only the relay's own drops; an unreachable one is retried
 * with growing delays and reported; rules and the pushTo hook choose the destinations.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../lib/errors.js';
import { Server, type RelayPushStatus } from '../../../lib/server/index.js';
import { freePort } from '../../helpers/client-media.js';
import { run } from '../../helpers/ffmpeg.js';
import { tempDir } from '../../helpers/media.js';
import { labels, listening, nextEvent, player, publisher, send, syntheticStream } from './relay-fixtures.js';

function pushStates(server: Server): RelayPushStatus[] {
  const states: RelayPushStatus[] = [];
  server.relay!.on('push', (s) => states.push(s));
  return states;
}

function pushState(server: Server, state: RelayPushStatus['state'], count = 1): Promise<void> {
  let n = 0;
  return new Promise((resolve) => {
    const listener = (s: RelayPushStatus): void => {
      if (s.state !== state || ++n < count) return;
      server.relay!.off('push', listener);
      resolve();
    };
    server.relay!.on('push', listener);
  });
}

describe('relay push', { timeout: 120_000 }, () => {
  it('republishes every message, in order, under the same name; counters and state events follow', async () => {
    const dest = await listening();
    const origin = await listening({ relay: { push: [dest.url] } });
    const watcher = await player(dest.url, 'cam');
    const states = pushStates(origin.server);
    const stream = syntheticStream(60);
    const source = await publisher(origin.url, 'cam');
    await send(source, stream);
    await watcher.received(stream.length);
    const [relay] = origin.server.relay!.pushRelays;
    assert.equal(relay!.remoteName, 'cam');
    const stopped = pushState(origin.server, 'stopped');
    await source.close();
    await stopped;
    assert.deepEqual(labels(watcher.media), labels(stream));
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'publishing', 'stopped']);
    assert.equal(states[0]!.url, dest.url);
    assert.deepEqual(
      { connects: relay!.stats.connects, failures: relay!.stats.failures, sent: relay!.stats.sentMessages, dropped: relay!.stats.droppedMessages },
      { connects: 1, failures: 0, sent: stream.length, dropped: 0 },
    );
    await watcher.client.close();
    await Promise.all([origin.server.close(), dest.server.close()]);
  });

  it("a destination that never answers: the relay drops to its backlog bound, local players get everything", async () => {
    // Accepts TCP and never says a word: the relay stays connecting with its queue full.
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((s) => sockets.add(s.on('error', () => {})));
    blackHole.listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    const holeUrl = `rtmp://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}/live`;
    const origin = await listening({ relay: { push: [holeUrl], maxBacklog: 4096 } });
    const local = await player(origin.url, 'big');
    const stream = syntheticStream(100, 0, 1000);
    const source = await publisher(origin.url, 'big');
    await send(source, stream);
    await local.received(stream.length);
    assert.deepEqual(labels(local.media), labels(stream));
    const [relay] = origin.server.relay!.pushRelays;
    assert.equal(relay!.state, 'connecting');
    const stats = relay!.subscriberStats!;
    assert.ok(stats.droppedMessages > 0 && stats.overflows > 0, `the relay dropped (${JSON.stringify(stats)})`);
    assert.ok(stats.sentMessages * 1000 < 3 * 4096 + 64 * 1024, `its queue stayed near its bound (${stats.sentMessages} messages)`);
    const started = Date.now();
    await local.client.close();
    await source.close();
    await origin.server.close();
    assert.ok(Date.now() - started < 5000, 'closing the server abandons the connect');
    for (const s of sockets) s.destroy();
    blackHole.close();
  });

  it('a publisher that is done before the destination answers: the relay still delivers everything, then ends the publish', async () => {
    let admit!: () => void;
    const admitted = new Promise<void>((resolve) => (admit = resolve));
    let relayConnecting!: () => void;
    const connecting = new Promise<void>((resolve) => (relayConnecting = resolve));
    // The destination holds the relay's connect until the source has published and left.
    const dest = await listening({
      async onConnect(_conn, info) {
        if (info.commandObject.flashVer === 'relay-test') {
          relayConnecting();
          await admitted;
        }
      },
    });
    const origin = await listening({ relay: { push: [dest.url], client: { flashVer: 'relay-test' } } });
    const watcher = await player(dest.url, 'early');
    const stream = syntheticStream(40);
    const source = await publisher(origin.url, 'early');
    await send(source, stream);
    await connecting;
    await source.close();
    const [relay] = origin.server.relay!.pushRelays;
    assert.equal(relay!.state, 'connecting');
    const stopped = pushState(origin.server, 'stopped');
    admit();
    await stopped;
    await watcher.received(stream.length);
    assert.deepEqual(labels(watcher.media), labels(stream));
    await watcher.client.close();
    await Promise.all([origin.server.close(), dest.server.close()]);
  });

  it('a destination that stops reading mid-stream: local players get everything, the relay drops and resumes at a keyframe', async () => {
    const dest = await listening();
    // A proxy in front of the destination whose relay-to-destination direction can be paused.
    const pipes: Array<{ pause(): void; resume(): void }> = [];
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(dest.server.address()!.port, '127.0.0.1');
      pipes.push({
        pause: () => {
          inbound.unpipe(outbound);
          inbound.pause();
        },
        resume: () => void inbound.pipe(outbound),
      });
      inbound.pipe(outbound);
      outbound.pipe(inbound);
      const end = (): void => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end).on('close', end);
      outbound.on('error', end).on('close', end);
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const proxyUrl = `rtmp://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/live`;
    // Local players may queue the whole burst (they must not drop on a busy machine); the relay 64 KiB.
    const origin = await listening({ limits: { maxPlayerBacklog: 64 << 20 }, relay: { push: [proxyUrl], maxBacklog: 64 * 1024 } });
    const watcher = await player(dest.url, 'slow');
    const local = await player(origin.url, 'slow');
    const publishing = pushState(origin.server, 'publishing');
    const source = await publisher(origin.url, 'slow');
    await publishing;
    const head = syntheticStream(10);
    await send(source, head);
    await watcher.received(head.length);
    // The destination side stops reading; about 10 MB go by.
    pipes[0]!.pause();
    const body = syntheticStream(600, 10, 16_000);
    await send(source, body);
    await local.received(head.length + body.length);
    assert.deepEqual(labels(local.media), labels([...head, ...body]), 'local players are not touched');
    const [relay] = origin.server.relay!.pushRelays;
    const dropped = relay!.subscriberStats!.droppedMessages;
    assert.ok(dropped > 0, 'the relay dropped');
    pipes[0]!.resume();
    // Everything the relay wrote reaches the destination; then its backlog is empty again.
    await watcher.received(relay!.subscriberStats!.sentMessages);
    const tail = syntheticStream(10, 610);
    await send(source, tail);
    const all = labels([...head, ...body, ...tail]);
    await watcher.received(relay!.subscriberStats!.sentMessages);
    await watcher.received(all.length - dropped);
    const got = labels(watcher.media);
    assert.equal(got.length + dropped, all.length, 'every message is either delivered or counted as dropped');
    let j = 0;
    let resumedAt: string | undefined;
    for (const label of got) {
      const at = all.indexOf(label, j);
      assert.ok(at >= j, `in order: ${label}`);
      if (at > j && resumedAt === undefined) resumedAt = label;
      j = at + 1;
    }
    assert.match(resumedAt ?? '', /^video@\d+:17/, `after the drop the relay resumed at a keyframe (${resumedAt})`);
    await source.close();
    await Promise.all([watcher.client.close(), local.client.close()]);
    await Promise.all([origin.server.close(), dest.server.close()]);
    proxy.close();
  });

  it('pushes over rtmps:// with the relay client TLS settings (a self-signed destination it trusts)', async () => {
    const dir = await tempDir('relay-rtmps');
    try {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir.dir, 'key.pem'), '-out', join(dir.dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
      const [key, cert] = await Promise.all([readFile(join(dir.dir, 'key.pem')), readFile(join(dir.dir, 'cert.pem'))]);
      const dest = await listening({ tls: { key, cert, addr: '127.0.0.1:0' } });
      const secureUrl = `rtmps://localhost:${dest.server.tlsAddress()!.port}/live`;
      const origin = await listening({ relay: { push: [secureUrl], client: { tls: { ca: cert } } } });
      const watcher = await player(dest.url, 'tls');
      const stream = syntheticStream(20);
      const source = await publisher(origin.url, 'tls');
      await send(source, stream);
      await watcher.received(stream.length);
      assert.deepEqual(labels(watcher.media), labels(stream));
      assert.ok(dest.server.connections.some((c) => c.secure && c.publishedStreams.includes('tls')), 'the relay came in on the TLS listener');
      await source.close();
      await watcher.client.close();
      await Promise.all([origin.server.close(), dest.server.close()]);
    } finally {
      await dir.remove();
    }
  });

  it('an unreachable destination is retried with growing delays and reported', async () => {
    const port = await freePort();
    const origin = await listening({
      relay: { push: [`rtmp://127.0.0.1:${port}/live`], backoff: { initialDelay: 20, factor: 2, maxDelay: 80, jitter: 0 } },
    });
    const states = pushStates(origin.server);
    const fourthRetry = pushState(origin.server, 'retrying', 4);
    const source = await publisher(origin.url, 'x');
    await fourthRetry;
    const retries = states.filter((s) => s.state === 'retrying');
    assert.deepEqual(retries.map((s) => s.retryIn), [20, 40, 80, 80]);
    assert.ok(retries.every((s) => (s.error as { code?: string }).code === ErrorCode.SESSION_CLOSED), retries.map((s) => s.error?.message).join('; '));
    const [relay] = origin.server.relay!.pushRelays;
    assert.ok(relay!.stats.failures >= 4);
    assert.equal(relay!.stats.connects, 0);
    const stopped = pushState(origin.server, 'stopped');
    await source.close();
    await stopped;
    assert.equal(origin.server.relay!.pushRelays.length, 0);
    await origin.server.close();
  });

  it('rules (apps, match) and the pushTo hook choose the destinations; a URL with a name sets the remote name', async () => {
    const dest = await listening();
    const seen: string[] = [];
    const origin = await listening({
      relay: {
        push: [
          { url: `${dest.url}`, apps: ['live'] },
          { url: `${dest.url}/fixed-key`, match: /\/keep$/ },
        ],
        pushTo: ({ app, name }) => {
          seen.push(`${app}/${name}`);
          return name === 'hooked' ? [`${dest.url}/from-hook`] : undefined;
        },
      },
    });
    const base = `rtmp://127.0.0.1:${origin.server.address()!.port}`;
    const names = async (url: string, name: string): Promise<string[]> => {
      const published = nextEvent(origin.server, 'publish');
      const client = await publisher(url, name);
      await published;
      const remote = origin.server.relay!.pushRelays.map((r) => r.remoteName).sort();
      const stopped = remote.length > 0 ? pushState(origin.server, 'stopped', remote.length) : Promise.resolve();
      await client.close();
      await stopped;
      return remote;
    };
    assert.deepEqual(await names(`${base}/live`, 'keep'), ['fixed-key', 'keep']);
    assert.deepEqual(await names(`${base}/live`, 'other'), ['other']);
    assert.deepEqual(await names(`${base}/studio`, 'keep'), ['fixed-key']);
    assert.deepEqual(await names(`${base}/studio`, 'hooked'), ['from-hook']);
    assert.deepEqual(seen, ['live/keep', 'live/other', 'studio/keep', 'studio/hooked']);
    await Promise.all([origin.server.close(), dest.server.close()]);
  });

  it('a bad destination fails when the server is made, with a typed error', () => {
    assert.throws(() => new Server({ relay: { push: ['http://example.com/live'] } }), { code: ErrorCode.INVALID_URL });
    assert.throws(() => new Server({ relay: { push: [{ url: 'rtmp://h/live' }], backoff: { factor: 0.5 } } }), { code: ErrorCode.INVALID_OPTION });
    assert.throws(() => new Server({ relay: { pull: ['rtmp://h/live'], idleTimeout: -1 } }), { code: ErrorCode.INVALID_OPTION });
  });
});
