/**
 * Issue 11, names: app and stream names have a length limit and no control characters, statuses
 * quote at most a bounded prefix of a name, and registry keys cannot alias across apps. Each attack
 * runs beside a healthy publisher and player (SteadyPair) that must keep every frame.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CommandError } from '../../lib/errors.js';
import { DEFAULT_MAX_NAME_LENGTH, MAX_ECHOED_NAME_LENGTH, StreamRegistry, nameProblem } from '../../lib/server/index.js';
import { echoedName } from '../../lib/server/stream-name.js';
import { SteadyPair, closedOf, isMedia, listening, nextMedia, recordingLogger, releaseAll } from '../faults/support.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { keyframe } from './media-fixtures.js';

afterEach(releaseAll);

/** Bytes the client's socket receives from now on. */
function countBytes(client: RawClient): () => number {
  let bytes = 0;
  client.socket.on('data', (b: Buffer) => {
    bytes += b.length;
  });
  return () => bytes;
}

async function statusAfter(client: RawClient, command: string, name: string): Promise<{ level: string; code: string; description: string; [k: string]: unknown }> {
  const streamId = await client.createStream();
  client.command(command, 0, null, command === 'play' ? [name, -2, -1, true] : [name, 'live'], streamId);
  const status = await client.nextStatus();
  if (status.level === 'error') client.command('deleteStream', 0, null, [streamId]);
  return status;
}

describe('stream names (issue 11)', () => {
  it('nameProblem: length in UTF-8 bytes (default 1024) and control characters', () => {
    assert.equal(DEFAULT_MAX_NAME_LENGTH, 1024);
    assert.equal(nameProblem('a'.repeat(1024)), undefined);
    assert.match(nameProblem('a'.repeat(1025))!, /longer than 1024 bytes/);
    assert.match(nameProblem('é'.repeat(513))!, /longer than 1024 bytes/, '1026 bytes in 513 characters');
    assert.equal(nameProblem('é'.repeat(512)), undefined);
    assert.equal(nameProblem('live/cam-1?token=a b', 64), undefined);
    for (const ch of ['\n', '\r', '\0', '\u001b', '\u007f', '\u0085']) assert.match(nameProblem(`a${ch}b`)!, /control characters/, JSON.stringify(ch));
    assert.equal(echoedName('x'.repeat(MAX_ECHOED_NAME_LENGTH)), 'x'.repeat(MAX_ECHOED_NAME_LENGTH));
    assert.equal(echoedName('x'.repeat(100_000)).length, MAX_ECHOED_NAME_LENGTH + 3);
  });

  it('play with a 100 KB name: NetStream.Play.StreamNotFound and under 2 KB sent back (was 413 KB); a healthy pair keeps flowing', async () => {
    const { port } = await listening();
    const pair = await SteadyPair.open(port);
    pair.startBackground();
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    const received = countBytes(client);
    const status = await statusAfter(client, 'play', 'n'.repeat(100_000));
    assert.equal(status.level, 'error');
    assert.equal(status.code, 'NetStream.Play.StreamNotFound');
    assert.ok(String(status.details).length <= MAX_ECHOED_NAME_LENGTH + 3);
    assert.ok(received() < 2048, `${received()} bytes sent back`);
    // 16 plays with long names (the issue used 7 MB; 1 MB each keeps the test quick): bounded replies.
    for (let i = 0; i < 16; i++) {
      const s = await statusAfter(client, 'play', `${i}`.padEnd(1_000_000, 'z'));
      assert.equal(s.code, 'NetStream.Play.StreamNotFound');
    }
    assert.ok(received() < 16 * 1024, `${received()} bytes sent back for 17 long plays`);
    await pair.stop();
    await pair.exchange(16);
    await closeAll(client);
    await pair.close();
  });

  it('publish with a control character or an over-long name: NetStream.Publish.BadName, nothing published', async () => {
    const { server, port } = await listening();
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    const received = countBytes(client);
    for (const name of ['cam\n[FAKE] INFO x', 'cam\u0000', 'x'.repeat(1025), 'é'.repeat(600)]) {
      const status = await statusAfter(client, 'publish', name);
      assert.equal(status.code, 'NetStream.Publish.BadName', JSON.stringify(name.slice(0, 20)));
      assert.equal(status.level, 'error');
    }
    assert.ok(received() < 4096, `${received()} bytes sent back`);
    assert.deepEqual(server.registry.list(), []);
    // A 1024-byte name is fine.
    const ok = await statusAfter(client, 'publish', 'y'.repeat(1024));
    assert.equal(ok.code, 'NetStream.Publish.Start');
    await closeAll(client);
  });

  it('maxNameLength is settable', async () => {
    const { port } = await listening({ maxNameLength: 16 });
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    assert.equal((await statusAfter(client, 'publish', 'x'.repeat(17))).code, 'NetStream.Publish.BadName');
    assert.equal((await statusAfter(client, 'play', 'x'.repeat(17))).code, 'NetStream.Play.StreamNotFound');
    assert.equal((await statusAfter(client, 'publish', 'x'.repeat(16))).code, 'NetStream.Publish.Start');
    await closeAll(client);
  });

  it('connect with a control character or an over-long app: _error NetConnection.Connect.Rejected and closed; onConnect never runs', async () => {
    let hooks = 0;
    const logger = recordingLogger();
    const { port } = await listening({ onConnect: () => void hooks++, logger });
    const pair = await SteadyPair.open(port);
    for (const commandObject of [
      { app: 'live\n[FAKE] INFO connect #999 user=admin' },
      { app: 'a'.repeat(5 * 1024 * 1024) },
      { app: 'live', tcUrl: `rtmp://h/${'t'.repeat(4096)}` },
    ]) {
      const client = await connectRaw(port);
      const received = countBytes(client);
      const closed = closedOf(client.socket as import('node:net').Socket);
      const err = await client.connect(commandObject).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof CommandError, String(err));
      assert.equal((err.info as { code: string }).code, 'NetConnection.Connect.Rejected');
      await closed;
      assert.ok(received() < 1024, `${received()} bytes sent back`);
    }
    assert.equal(hooks, 2, 'only the steady pair connected');
    // What the server logged (to any logger, not only the CLI's) carries no control character and no long name.
    for (const line of logger.lines) {
      assert.doesNotMatch(line.text, /[\u0000-\u001f]/, line.text.slice(0, 100));
      assert.ok(line.text.length < 1024, `a ${line.text.length}-character log line`);
    }
    await pair.exchange(16);
    await pair.close();
  });

  it('registry keys do not alias across apps: live + x/y is not live/x + y', async () => {
    assert.notEqual(StreamRegistry.key('live', 'x/y'), StreamRegistry.key('live/x', 'y'));
    assert.notEqual(StreamRegistry.key('a%2Fb', 'c'), StreamRegistry.key('a/b', 'c'));
    assert.equal(StreamRegistry.key('live', 'cam'), 'live/cam');
    const { server, port } = await listening();
    const { client: publisher, streamId } = await rawPublisher(port, 'x/y', 'live');
    const { client: sameApp } = await rawPlayer(port, 'x/y', 'live');
    const { client: otherApp } = await rawPlayer(port, 'y', 'live/x');
    assert.equal(server.registry.isPublished('live', 'x/y'), true);
    assert.equal(server.registry.isPublished('live/x', 'y'), false);
    publisher.send({ kind: 'video', streamId, timestamp: 0, payload: keyframe(1, 32) });
    const got = await nextMedia(sameApp);
    assert.equal(got.payload.length, keyframe(1, 32).length);
    // The other app's player waits on its own (empty) stream: a marker published there is the first media it sees.
    const { client: other, streamId: otherId } = await rawPublisher(port, 'y', 'live/x');
    other.send({ kind: 'video', streamId: otherId, timestamp: 0, payload: keyframe(2, 7) });
    const first = await nextMedia(otherApp);
    assert.equal(first.payload.length, keyframe(2, 7).length, 'live/x + y got the media of live + x/y');
    assert.equal(otherApp.received.filter(isMedia).length, 1);
    await closeAll(publisher, sameApp, otherApp, other);
  });
});

