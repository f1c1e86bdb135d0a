import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { ecmaArray, isEcmaArray } from '../../lib/amf/index.js';
import type { CommandEvent, DataEvent, MediaEvent, RtmpEvent } from '../../lib/command/events.js';
import { Server } from '../../lib/server/index.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { aacFrame, aacSequenceHeader, avcSequenceHeader, interframe, keyframe } from './media-fixtures.js';

function video(client: RawClient, streamId: number, timestamp: number, payload: Buffer): void {
  client.send({ kind: 'video', streamId, timestamp, payload });
}
function audio(client: RawClient, streamId: number, timestamp: number, payload: Buffer): void {
  client.send({ kind: 'audio', streamId, timestamp, payload });
}
/** A round trip on the publisher's connection: the server handled everything sent before it. */
async function flushed(client: RawClient): Promise<void> {
  await client.call('_checkbw', null);
}
/** Reads events until `count` of them match `keep`. */
async function collect(client: RawClient, count: number, keep: (e: RtmpEvent) => boolean = () => true): Promise<RtmpEvent[]> {
  const out: RtmpEvent[] = [];
  while (out.length < count) out.push(await client.next(keep));
  return out;
}
const isMedia = (e: RtmpEvent): boolean => e.kind === 'audio' || e.kind === 'video' || (e.kind === 'data' && e.name === 'onMetaData');
function label(e: RtmpEvent): string {
  switch (e.kind) {
    case 'command':
      return e.name === 'onStatus' ? `status:${(e.args[0] as { code: string }).code}` : `command:${e.name}`;
    case 'data':
      return `data:${e.name}`;
    case 'userControl':
      return `uc:${e.event.event}:${(e.event as { streamId?: number }).streamId}`;
    case 'audio':
    case 'video':
      return `${e.kind}:${e.timestamp}:${e.payload[0]!.toString(16)}${e.payload[1]!.toString(16)}:${e.payload[e.payload.length - 1]}`;
    default:
      return e.kind;
  }
}

describe('Server: publish, play and the stream registry', { timeout: 20_000 }, () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = new Server({
      addr: '127.0.0.1:0',
      onPublish(_conn, name) {
        if (name === 'denied') throw new Error('not allowed');
      },
      async onPlay(_conn, name) {
        await Promise.resolve();
        if (name === 'secret') throw new Error('no access');
      },
    });
    await server.listen();
    port = server.address()!.port;
  });
  after(() => server.close());

  it('sends Publish.Start, then the late joiner gets StreamBegin, Reset, Start, |RtmpSampleAccess, metadata, headers and the GOP from its keyframe', async () => {
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'late');
    pub.send({ kind: 'data', streamId: pubStream, timestamp: 0, name: '@setDataFrame', values: ['onMetaData', ecmaArray({ width: 160, height: 120 })] });
    video(pub, pubStream, 0, avcSequenceHeader);
    audio(pub, pubStream, 0, aacSequenceHeader);
    video(pub, pubStream, 0, keyframe(1));
    audio(pub, pubStream, 10, aacFrame(2));
    video(pub, pubStream, 40, interframe(3));
    video(pub, pubStream, 80, keyframe(4));
    audio(pub, pubStream, 90, aacFrame(5));
    video(pub, pubStream, 120, interframe(6));
    await flushed(pub);

    const player = await connectRaw(port);
    await player.connect();
    // Two streams first, so the player's stream id (2) differs from the publisher's (1).
    await player.createStream();
    const streamId = await player.createStream();
    assert.equal(streamId, 2);
    player.command('play', 0, null, ['late', -2, -1, true], streamId);
    const events = await collect(player, 10, (e) => e.kind !== 'command' || e.name === 'onStatus');
    assert.deepEqual(events.map(label), [
      'uc:StreamBegin:2',
      'status:NetStream.Play.Reset',
      'status:NetStream.Play.Start',
      'data:|RtmpSampleAccess',
      'data:onMetaData',
      'video:80:170:0', // AVC sequence header at the GOP's first timestamp
      'audio:80:af0:16',
      'video:80:171:4', // the GOP starts at its keyframe
      'audio:90:af1:5',
      'video:120:271:6',
    ]);
    // Every media message and status went out on the player's stream id.
    for (const e of events) if (e.kind !== 'userControl') assert.equal(e.streamId, 2, label(e));
    const start = events[2] as CommandEvent;
    assert.deepEqual(start.args[0], { level: 'status', code: 'NetStream.Play.Start', description: 'Started playing late.', details: 'late' });
    const sampleAccess = events[3] as DataEvent;
    assert.deepEqual(sampleAccess.values, [true, true]);
    const meta = events[4] as DataEvent;
    assert.equal(meta.values.length, 1, '@setDataFrame is stripped');
    assert.ok(isEcmaArray(meta.values[0]), 'metadata stays an ECMA array');
    assert.deepEqual({ ...(meta.values[0] as object) }, { width: 160, height: 120 });
    await closeAll(pub, player);
  });

  it('lets a player wait for the publisher, then delivers the stream from its first message', async () => {
    const { client: player, streamId } = await rawPlayer(port, 'early');
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'early');
    video(pub, pubStream, 0, avcSequenceHeader);
    video(pub, pubStream, 0, keyframe(1));
    video(pub, pubStream, 40, interframe(2));
    // rawPlayer read up to Play.Start (Stream Begin came before it).
    const events = await collect(player, 4, (e) => e.kind !== 'command' || e.name === 'onStatus');
    assert.deepEqual(events.map(label), [
      'data:|RtmpSampleAccess',
      `uc:StreamBegin:${streamId}`,
      'status:NetStream.Play.PublishNotify',
      'video:0:170:0',
    ]);
    const media = await collect(player, 2, isMedia);
    assert.deepEqual(media.map(label), ['video:0:171:1', 'video:40:271:2']);
    await closeAll(pub, player);
  });

  it('refuses a second publisher of a name with Publish.BadName and leaves the first untouched', async () => {
    const { client: first, streamId: firstStream } = await rawPublisher(port, 'dup');
    const { client: player } = await rawPlayer(port, 'dup');
    const second = await connectRaw(port);
    await second.connect();
    const id = await second.createStream();
    let publishEvents = 0;
    const count = (): void => {
      publishEvents++;
    };
    server.on('publish', count);
    second.command('publish', 0, null, ['dup', 'live'], id);
    const status = await second.nextStatus();
    assert.equal(status.level, 'error');
    assert.equal(status.code, 'NetStream.Publish.BadName');
    server.off('publish', count);
    assert.equal(publishEvents, 0);
    // The first publisher still reaches its player.
    video(first, firstStream, 0, keyframe(9));
    const [frame] = await collect(player, 1, isMedia);
    assert.equal(label(frame!), 'video:0:171:9');
    await closeAll(first, second, player);
  });

  it('refuses publish and play when the hooks throw, with nothing started first', async () => {
    const pub = await connectRaw(port);
    await pub.connect();
    const id = await pub.createStream();
    pub.command('publish', 0, null, ['denied', 'live'], id);
    const status = await pub.nextStatus();
    assert.deepEqual([status.level, status.code, status.description], ['error', 'NetStream.Publish.Denied', 'not allowed']);
    assert.equal(server.registry.isPublished('live', 'denied'), false);

    const player = await connectRaw(port);
    await player.connect();
    const playId = await player.createStream();
    player.command('play', 0, null, ['secret'], playId);
    const playStatus = await player.nextStatus();
    assert.deepEqual([playStatus.level, playStatus.code], ['error', 'NetStream.Play.Failed']);
    // No Stream Begin, Reset or Start came before the refusal.
    assert.deepEqual(player.received.filter((e) => e.kind === 'userControl' || e.kind === 'data').map(label), []);
    assert.equal(server.registry.get('live', 'secret'), undefined);
    await closeAll(pub, player);
  });

  it('gives players Play.UnpublishNotify and Stream EOF when the publisher deletes its stream', async () => {
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'gone');
    const { client: player, streamId } = await rawPlayer(port, 'gone');
    const unpublished = once(server, 'unpublish');
    pub.command('FCUnpublish', 5, null, ['gone']);
    pub.command('deleteStream', 0, null, [pubStream]);
    const events = await collect(player, 2, (e) => e.kind === 'userControl' || (e.kind === 'command' && e.name === 'onStatus'));
    assert.deepEqual(events.map(label), ['status:NetStream.Play.UnpublishNotify', `uc:StreamEOF:${streamId}`]);
    const [, name] = await unpublished;
    assert.equal(name, 'gone');
    assert.equal(server.registry.isPublished('live', 'gone'), false);
    await closeAll(pub, player);
  });

  it('unpublishes when the publisher disconnects', async () => {
    const { client: pub } = await rawPublisher(port, 'drop');
    const { client: player } = await rawPlayer(port, 'drop');
    pub.destroy();
    const status = await player.nextStatus();
    assert.equal(status.code, 'NetStream.Play.UnpublishNotify');
    await closeAll(player);
  });

  it('honours receiveVideo(false), pause/unpause (resuming at a keyframe) and answers seek on live', async () => {
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'ctl');
    const { client: player, streamId } = await rawPlayer(port, 'ctl');
    player.command('receiveVideo', 0, null, [false], streamId);
    await flushed(player);
    video(pub, pubStream, 0, keyframe(1));
    audio(pub, pubStream, 10, aacFrame(2));
    video(pub, pubStream, 20, interframe(3));
    audio(pub, pubStream, 30, aacFrame(4));
    assert.deepEqual((await collect(player, 2, isMedia)).map(label), ['audio:10:af1:2', 'audio:30:af1:4']);

    player.command('receiveVideo', 0, null, [true], streamId);
    player.command('pause', 0, null, [true, 30], streamId);
    const paused = await collect(player, 2, (e) => e.kind === 'userControl' || (e.kind === 'command' && e.name === 'onStatus'));
    assert.deepEqual(paused.map(label), [`uc:StreamEOF:${streamId}`, 'status:NetStream.Pause.Notify']);
    audio(pub, pubStream, 40, aacFrame(5)); // dropped: paused
    await flushed(pub);
    player.command('pause', 0, null, [false, 30], streamId);
    const resumed = await collect(player, 2, (e) => e.kind === 'userControl' || (e.kind === 'command' && e.name === 'onStatus'));
    assert.deepEqual(resumed.map(label), [`uc:StreamBegin:${streamId}`, 'status:NetStream.Unpause.Notify']);
    // Seek first and wait for its answer: the publisher's frames travel on another connection, so
    // sending them before would race the seek.
    player.command('seek', 0, null, [0], streamId);
    assert.equal((await player.nextStatus()).code, 'NetStream.Seek.Notify');
    video(pub, pubStream, 50, interframe(6)); // not decodable without its keyframe: skipped
    video(pub, pubStream, 60, keyframe(7));
    assert.deepEqual((await collect(player, 1, isMedia)).map(label), ['video:60:171:7']);
    await closeAll(pub, player);
  });

  it('reports publish, play and unpublish as server events and tracks connection state', async () => {
    const published = once(server, 'publish');
    const { client: pub } = await rawPublisher(port, 'ev');
    const [conn, name, type] = await published;
    assert.deepEqual([name, type], ['ev', 'live']);
    assert.equal(conn.state, 'publishing');
    assert.deepEqual(conn.publishedStreams, ['ev']);
    const played = once(server, 'play');
    const { client: player } = await rawPlayer(port, 'ev');
    const [playerConn] = await played;
    assert.equal(playerConn.state, 'playing');
    assert.equal(playerConn.subscribers.length, 1);
    const disconnected = once(server, 'disconnect');
    await closeAll(player);
    assert.equal((await disconnected)[0], playerConn);
    await closeAll(pub);
  });
});

// Silence unused-type lint for MediaEvent in some TS configs.
export type { MediaEvent };
