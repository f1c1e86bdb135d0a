/**
 * LivePublishRole: a publisher's media goes to the registry's players and to the recording, a tap
 * on the same messages; closing it ends the recording before the players hear of the unpublish.
 * On a server, a message stream holds one role: a second publish or a play on it is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DataEvent, MediaEvent, RtmpEvent } from '../../../lib/command/events.js';
import { Server, type ServerConnection } from '../../../lib/server/index.js';
import { LivePublishRole, type PublishTap } from '../../../lib/server/roles/live-publish-role.js';
import { StreamRegistry } from '../../../lib/server/stream-registry.js';
import { Subscriber, type SubscriberTarget } from '../../../lib/server/subscriber.js';
import { readFlvTags } from '../../helpers/flv-tags.js';
import { tempDir } from '../../helpers/media.js';
import { closeAll, connectRaw, rawPlayer, type RawClient } from '../../helpers/raw-client.js';
import { avcSequenceHeader, keyframe } from '../media-fixtures.js';
import { publishTags, statusOf, syntheticTags } from '../record-vod-fixtures.js';

/** Notes what it is sent in a log shared with the tap, so their order shows. */
class LoggingTarget implements SubscriberTarget {
  readonly outboundBacklog = 0;
  readonly closed = false;
  constructor(private readonly log: string[]) {}
  send(event: RtmpEvent): boolean {
    if (event.kind === 'command') this.log.push(`player:${statusOf(event).code}`);
    else if (event.kind === 'audio' || event.kind === 'video') this.log.push(`player:${event.kind}:${event.timestamp}`);
    return true;
  }
}

/** A recording stand-in: keeps what it is fed and notes it in the shared log. */
function loggingTap(log: string[]): PublishTap & { seen: Array<MediaEvent | DataEvent> } {
  const seen: Array<MediaEvent | DataEvent> = [];
  return {
    seen,
    media(event) {
      seen.push(event);
      log.push(`tap:${event.kind}:${event.timestamp}`);
    },
    data(event) {
      seen.push(event);
      log.push(`tap:data:${event.name}`);
    },
    close() {
      log.push('tap:close');
      return Promise.resolve();
    },
  };
}

function publishing(): { log: string[]; registry: StreamRegistry; tap: ReturnType<typeof loggingTap>; role: LivePublishRole } {
  const log: string[] = [];
  const registry = new StreamRegistry({ gopCache: false });
  const live = registry.publish('live', 'cam', { target: new LoggingTarget([]), streamId: 1, type: 'live' })!;
  registry.subscribe('live', 'cam', new Subscriber(new LoggingTarget(log), 1, StreamRegistry.key('live', 'cam'), 1 << 20));
  const tap = loggingTap(log);
  const role = new LivePublishRole(live, registry, tap, () => log.push('ended'));
  return { log, registry, tap, role };
}

describe('LivePublishRole', () => {
  it('feeds each media and data message to the players and to the recording tap', () => {
    const { log, tap, role } = publishing();
    assert.equal(role.kind, 'live-publish');
    assert.equal(role.name, 'cam');
    const header: MediaEvent = { kind: 'video', streamId: 1, timestamp: 0, payload: avcSequenceHeader };
    const frame: MediaEvent = { kind: 'video', streamId: 1, timestamp: 40, payload: keyframe(1) };
    const metadata: DataEvent = { kind: 'data', streamId: 1, timestamp: 0, name: 'onCuePoint', values: [] };
    role.media(header);
    role.media(frame);
    role.data(metadata);
    assert.deepEqual(log, ['player:video:0', 'tap:video:0', 'player:video:40', 'tap:video:40', 'tap:data:onCuePoint']);
    assert.deepEqual(tap.seen, [header, frame, metadata]);
  });

  it('has nothing to receive, pause or seek', () => {
    const { log, role } = publishing();
    role.receiveAudio(false);
    role.receiveVideo(false);
    role.pause(true);
    role.seek(1000);
    role.media({ kind: 'video', streamId: 1, timestamp: 80, payload: keyframe(2) });
    assert.deepEqual(log, ['player:video:80', 'tap:video:80']);
  });

  it('close: the recording closes, the players hear Play.UnpublishNotify, then the end is told', () => {
    const { log, registry, role } = publishing();
    role.close();
    assert.deepEqual(log, ['tap:close', 'player:NetStream.Play.UnpublishNotify', 'ended']);
    assert.equal(registry.isPublished('live', 'cam'), false);
  });
});

describe('ServerConnection: one role per message stream', { timeout: 20_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let server: Server;
  const clients: RawClient[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir('roles-publish'));
    await mkdir(join(dir, 'rec'));
    server = new Server({ addr: '127.0.0.1:0', recordDir: join(dir, 'rec') });
    await server.listen();
  });
  after(async () => {
    await closeAll(...clients);
    await server.close();
    await remove();
  });

  async function client(): Promise<RawClient> {
    const c = await connectRaw(server.address()!.port);
    clients.push(c);
    await c.connect();
    return c;
  }
  const connectionOf = (predicate: (c: ServerConnection) => boolean): ServerConnection => server.connections.find(predicate)!;

  it('a publish on a stream that plays is refused, and so is a second publish or a play on a stream that publishes', async () => {
    const { client: viewer, streamId: playStream } = await rawPlayer(server.address()!.port, 'nobody-yet');
    clients.push(viewer);
    viewer.command('publish', 0, null, ['other', 'live'], playStream);
    assert.deepEqual(statusOf(await viewer.next((e) => e.kind === 'command' && e.name === 'onStatus')), {
      level: 'error',
      code: 'NetStream.Publish.BadName',
      description: `stream ${playStream} is already playing`,
      details: 'other',
    });
    const viewerConn = connectionOf((c) => c.subscribers.length === 1);
    assert.equal(viewerConn.state, 'playing');
    assert.deepEqual(viewerConn.publishedStreams, []);

    const pub = await client();
    const pubStream = await pub.createStream();
    pub.command('publish', 0, null, ['first', 'live'], pubStream);
    assert.equal((await pub.nextStatus()).code, 'NetStream.Publish.Start');
    pub.command('publish', 0, null, ['second', 'live'], pubStream);
    assert.equal((await pub.nextStatus()).description, `stream ${pubStream} is already publishing`);
    pub.command('play', 0, null, ['nobody-yet', -2, -1, true], pubStream);
    const refused = await pub.nextStatus();
    assert.deepEqual([refused.code, refused.description], ['NetStream.Play.Failed', `stream ${pubStream} is publishing`]);
    const pubConn = connectionOf((c) => c.publishedStreams.length > 0);
    assert.deepEqual(pubConn.publishedStreams, ['first']);
    assert.deepEqual(pubConn.subscribers, []);
    assert.equal(pubConn.state, 'publishing');
  });

  it('a recorded publish feeds its file; FCUnpublish ends the role, the recording and the publishing state', async () => {
    const pub = await client();
    const streamId = await pub.createStream();
    pub.command('publish', 0, null, ['tapped', 'record'], streamId);
    assert.equal((await pub.nextStatus()).code, 'NetStream.Publish.Start');
    assert.equal((await pub.nextStatus()).code, 'NetStream.Record.Start');
    const tags = syntheticTags({ durationMs: 500, metadataDuration: null });
    publishTags(pub, streamId, tags);
    await pub.call('_checkbw', null); // a round trip: the server has taken every tag
    const conn = connectionOf((c) => c.publishedStreams.includes('tapped'));
    assert.equal(conn.state, 'publishing');
    const stopped = new Promise((resolve) => server.recordings!.once('stop', resolve));
    const reply = await pub.call('FCUnpublish', null, ['tapped']);
    assert.equal(reply.name, '_result');
    assert.equal((await pub.nextStatus()).code, 'NetStream.Record.Stop');
    await stopped;
    assert.deepEqual(conn.publishedStreams, []);
    assert.equal(conn.state, 'connected');
    const written = readFlvTags(await readFile(join(dir, 'rec', 'live', 'tapped.flv')));
    assert.deepEqual(
      written.map((t) => [t.type, t.timestamp, t.data.toString('hex')]),
      tags.map((t) => [t.type, t.timestamp, t.data.toString('hex')]),
    );
  });
});
