/**
 * VOD (issue 4, item 4): files in vodDir played at their pace, seek, pause, the end statuses,
 * getStreamLength, live precedence and refusals, driven with a bare RTMP client.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DataEvent, MediaEvent, RtmpEvent } from '../../lib/command/events.js';
import { Server, type ServerConfig } from '../../lib/server/index.js';
import { VodPlayer } from '../../lib/server/vod.js';
import { writeFlv } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';
import { closeAll, connectRaw, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { isMediaEvent, isStatus, label, publishTags, startPlay, statusOf, syntheticTags, tagEvent, writeSynthetic } from './record-vod-fixtures.js';

describe('VOD: play files from vodDir', { timeout: 30_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  const servers: Server[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir('vod'));
    await mkdir(join(dir, 'vod'), { recursive: true });
    await writeSynthetic(join(dir, 'vod', 'short.flv'), { durationMs: 3000 });
    await writeSynthetic(join(dir, 'vod', 'long.flv'), { durationMs: 60_000 });
    await writeSynthetic(join(dir, 'vod', 'nometa.flv'), { durationMs: 2500, metadataDuration: null });
    await writeSynthetic(join(dir, 'vod', 'paced.flv'), { durationMs: 2000 });
    await writeFile(join(dir, 'vod', 'notflv.flv'), 'this is not an FLV file at all');
    await writeFile(join(dir, 'secret.flv'), writeFlv(syntheticTags({ durationMs: 500 })));
  });
  after(async () => {
    await closeAll(...clients);
    await Promise.all(servers.map((s) => s.close()));
    await remove();
  });

  async function server(config: ServerConfig = {}): Promise<Server> {
    const s = new Server({ addr: '127.0.0.1:0', vodDir: dir, vodPace: 'fast', ...config });
    await s.listen();
    servers.push(s);
    return s;
  }
  async function client(s: Server, app = 'vod'): Promise<RawClient> {
    const c = await connectRaw(s.address()!.port);
    clients.push(c);
    await c.connect({ app });
    return c;
  }
  /** Reads events until one matches `until` (inclusive). */
  async function readUntil(c: RawClient, until: (e: RtmpEvent) => boolean): Promise<RtmpEvent[]> {
    const out: RtmpEvent[] = [];
    for (;;) {
      const e = await c.next();
      out.push(e);
      if (until(e)) return out;
    }
  }
  const relevant = (e: RtmpEvent): boolean =>
    !(e.kind === 'userControl' && e.event.event !== 'StreamBegin' && e.event.event !== 'StreamEOF') &&
    e.kind !== 'protocolControl' &&
    !(e.kind === 'command' && e.name !== 'onStatus'); // connect's _result and onBWDone

  it('plays a whole file: opening statuses, every tag in order, then Play.Complete, Stream EOF, Play.Stop', async () => {
    const s = await server();
    const c = await client(s);
    const streamId = await startPlay(c, 'short');
    const events = (await readUntil(c, isStatus('NetStream.Play.Stop'))).filter(relevant);
    const tags = syntheticTags({ durationMs: 3000 });
    const want = [
      'uc:StreamBegin',
      'status:NetStream.Play.Reset',
      'status:NetStream.Play.Start',
      'data:|RtmpSampleAccess',
      ...tags.map((t) => label(tagEvent(t, streamId))),
      'playStatus:NetStream.Play.Complete',
      'uc:StreamEOF',
      'status:NetStream.Play.Stop',
    ];
    assert.deepEqual(events.map(label), want);
    // Payloads byte for byte, all on the player's message stream.
    const media = events.filter(isMediaEvent) as MediaEvent[];
    const wantMedia = tags.filter((t) => t.type !== 18);
    assert.equal(media.length, wantMedia.length);
    media.forEach((m, i) => {
      assert.deepEqual(m.payload, wantMedia[i]!.data);
      assert.equal(m.streamId, streamId);
    });
    const complete = events.find((e) => e.kind === 'data' && e.name === 'onPlayStatus') as DataEvent;
    assert.equal(complete.streamId, streamId);
    assert.deepEqual({ ...(complete.values[0] as object), description: undefined }, {
      level: 'status',
      code: 'NetStream.Play.Complete',
      description: undefined,
      details: 'short',
      duration: 3,
      bytes: wantMedia.reduce((n, t) => n + t.data.length, 0) + tags[0]!.data.length,
    });
  });

  it('accepts FMS spellings (flv: prefix, .flv suffix) and play start >= 0 begins at the keyframe at or before it', async () => {
    const s = await server();
    const c = await client(s);
    for (const name of ['flv:short', 'short.flv']) {
      const id = await startPlay(c, name);
      const events = await readUntil(c, (e) => isStatus('NetStream.Play.Stop')(e) && e.streamId === id);
      assert.equal(events.filter((e) => isMediaEvent(e) && e.streamId === id).length, 62, name);
    }
    const id = await startPlay(c, 'short', 2500);
    const events = await readUntil(c, (e) => isStatus('NetStream.Play.Stop')(e) && e.streamId === id);
    const media = events.filter((e) => isMediaEvent(e) && e.streamId === id) as MediaEvent[];
    // Headers re-sent at the keyframe's time, then the keyframe at 2000 ms and what follows.
    assert.deepEqual(media.slice(0, 3).map(label), ['video:2000:17', 'audio:2000:af', 'video:2000:17']);
    assert.equal(media[0]!.payload[1], 0, 'the AVC sequence header comes first');
    assert.equal(media[2]!.payload[1], 1, 'then the keyframe');
    assert.ok(events.some((e) => e.kind === 'data' && e.name === 'onMetaData' && e.timestamp === 2000));
    assert.equal(media.length, 2 + 20);
  });

  it('seek: Seek.Notify then Play.Start, then metadata, sequence headers and media from the keyframe at or before the target', async () => {
    const s = await server({ vodPace: 'realtime' });
    const c = await client(s);
    const streamId = await startPlay(c, 'long');
    await c.next(isMediaEvent);
    c.command('seek', 0, null, [25_500], streamId);
    await c.next(isStatus('NetStream.Seek.Notify'));
    const next = await c.next((e) => e.kind === 'command' || isMediaEvent(e) || (e.kind === 'data' && e.name === 'onMetaData'));
    assert.equal(label(next), 'status:NetStream.Play.Start', 'Play.Start follows Seek.Notify before any media');
    const after = [];
    for (let i = 0; i < 6; i++) after.push(await c.next((e) => isMediaEvent(e) || (e.kind === 'data' && e.name === 'onMetaData')));
    assert.deepEqual(after.map(label), ['data:onMetaData', 'video:25000:17', 'audio:25000:af', 'video:25000:17', 'audio:25050:af', 'video:25100:27']);
    assert.equal((after[3] as MediaEvent).payload[1], 1, 'the first frame after the headers is the keyframe at 25 s');
    assert.equal((after[3] as MediaEvent).payload[5], 250 & 0xff, 'frame 250');
    // Seeking before the first keyframe starts at the first one; negative and NaN targets too.
    c.command('seek', 0, null, [-5], streamId);
    await c.next(isStatus('NetStream.Seek.Notify'));
    const first = await c.next((e) => e.kind === 'video' && e.payload[1] === 1);
    assert.equal(label(first), 'video:0:17');
  });

  it('pause stops media and the clock; unpause resumes where it stopped', async () => {
    const s = await server({ vodPace: 'realtime', vodLead: 0 });
    const c = await client(s);
    const streamId = await startPlay(c, 'long');
    const before = (await c.next((e) => isMediaEvent(e) && e.timestamp >= 300)) as MediaEvent;
    c.command('pause', 0, null, [true, before.timestamp], streamId);
    const notify = await c.next(isStatus('NetStream.Pause.Notify'));
    const pausedAt = c.received.indexOf(notify);
    const lastBeforePause = (c.received.slice(0, pausedAt).filter(isMediaEvent).at(-1) as MediaEvent).timestamp;
    // Another player of the same file is the clock: once it has played 1.5 s, so has wall time.
    const other = await client(s);
    await startPlay(other, 'long');
    await other.next((e) => isMediaEvent(e) && e.timestamp >= 1500);
    await c.call('_checkbw', null); // a round trip: anything sent before it has arrived
    assert.equal(c.received.slice(pausedAt).filter(isMediaEvent).length, 0, 'no media while paused');
    c.command('pause', 0, null, [false, lastBeforePause], streamId);
    await c.next(isStatus('NetStream.Unpause.Notify'));
    const resumed = (await c.next(isMediaEvent)) as MediaEvent;
    // The clock stood still: playback goes on from the next tag, not 1.5 s later.
    assert.ok(resumed.timestamp - lastBeforePause <= 100, `resumed at ${resumed.timestamp} after ${lastBeforePause}`);
    assert.ok(c.received.slice(pausedAt).some(isStatus('NetStream.Unpause.Notify')));
  });

  it('real-time pace: a 2 s file takes at least its duration minus the lead', async () => {
    const s = await server({ vodPace: 'realtime', vodLead: 500 });
    const c = await client(s);
    await startPlay(c, 'paced');
    await c.next(isStatus('NetStream.Play.Start'));
    const started = performance.now();
    await c.next((e) => e.kind === 'data' && e.name === 'onPlayStatus');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 1900 - 500 - 20, `took ${elapsed.toFixed(0)} ms`);
  });

  it('getStreamLength: onMetaData duration, else the timestamp span; 0 for live and unknown names', async () => {
    const s = await server();
    const c = await client(s);
    const length = async (name: string): Promise<unknown> => (await c.call('getStreamLength', null, [name])).args[0];
    assert.equal(await length('short'), 3);
    assert.equal(await length('flv:long'), 60);
    assert.equal(await length('nometa'), 2.45); // last tag at 2450 ms
    assert.equal(await length('missing'), 0);
    assert.equal(await length('notflv'), 0);
    const { client: pub } = await rawPublisher(s.address()!.port, 'short', 'vod');
    clients.push(pub);
    assert.equal(await length('short'), 0, 'a live stream of the name wins');
  });

  it('a live stream takes precedence over a file of the same name', async () => {
    const s = await server();
    const { client: pub, streamId: pubId } = await rawPublisher(s.address()!.port, 'short', 'vod');
    clients.push(pub);
    publishTags(pub, pubId, syntheticTags({ durationMs: 200 }));
    await pub.call('_checkbw', null);
    const c = await client(s);
    await startPlay(c, 'short');
    await c.next(isStatus('NetStream.Play.Start'));
    pub.send({ kind: 'video', streamId: pubId, timestamp: 999, payload: Buffer.from([0x27, 1, 0, 0, 0, 0xee]) });
    const live = (await c.next((e) => isMediaEvent(e) && e.timestamp === 999)) as MediaEvent;
    assert.equal(live.payload[5], 0xee);
    assert.equal(s.vod!.activePlayers.length, 0);
  });

  it('refuses unsafe names (Play.StreamNotFound) and files that are not FLV (Play.Failed); unknown names wait for a publisher', async () => {
    const s = await server();
    const c = await client(s);
    for (const name of ['../secret', '..', 'a\\b', '/etc/passwd', 'x'.repeat(256), 'a//b', 'nul\u0000']) {
      await startPlay(c, name);
      const status = statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus'));
      assert.deepEqual([status.code, status.level], ['NetStream.Play.StreamNotFound', 'error'], JSON.stringify(name));
    }
    await startPlay(c, 'notflv');
    const failed = statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus'));
    assert.deepEqual([failed.code, failed.level], ['NetStream.Play.Failed', 'error']);
    // App names are checked too: '../' as an app cannot reach dir/secret.flv.
    const up = await client(s, 'vod/..');
    await startPlay(up, 'secret');
    assert.equal(statusOf(await up.next((e) => e.kind === 'command' && e.name === 'onStatus')).code, 'NetStream.Play.StreamNotFound');
    await startPlay(c, 'nothing-here');
    assert.equal(statusOf(await c.next(isStatus('NetStream.Play.Start'))).code, 'NetStream.Play.Start');
    assert.equal(s.vod!.activePlayers.length, 0);
  });

  it('plays a file with a damaged tail up to the damage, then completes', async () => {
    const tags = syntheticTags({ durationMs: 1000 });
    const bytes = writeFlv(tags);
    await writeFile(join(dir, 'vod', 'damaged.flv'), bytes.subarray(0, bytes.length - 10));
    const s = await server();
    const c = await client(s);
    await startPlay(c, 'damaged');
    const events = await readUntil(c, isStatus('NetStream.Play.Stop'));
    assert.equal(events.filter(isMediaEvent).length, tags.length - 2, 'all tags but the metadata and the cut one');
  });

  it('closeStream, a new play and server.close stop players and close their files', async () => {
    const s = await server({ vodPace: 'realtime' });
    const c = await client(s);
    const a = await startPlay(c, 'long');
    await c.next((e) => isMediaEvent(e) && e.streamId === a);
    assert.equal(s.vod!.activePlayers.length, 1);
    const stopped = once(s.vod!, 'stop');
    c.command('closeStream', 0, null, [], a);
    const [player] = (await stopped) as [VodPlayer];
    assert.equal(player.state, 'stopped');
    const b = await startPlay(c, 'long');
    await c.next((e) => isMediaEvent(e) && e.streamId === b);
    const replaced = once(s.vod!, 'stop');
    c.command('play', 0, null, ['short', -2, -1, true], b);
    await replaced;
    await c.next((e) => isMediaEvent(e) && e.streamId === b);
    await startPlay(c, 'long');
    await c.next(isStatus('NetStream.Play.Start'));
    const closing = s.close();
    const stop = await c.next(isStatus('NetStream.Play.Stop'));
    assert.equal(statusOf(stop).level, 'status');
    await closing;
    assert.equal(s.vod!.activePlayers.length, 0);
  });

  it('receiveVideo(false) leaves video out of a VOD stream, audio goes on', async () => {
    const s = await server({ vodPace: 'realtime', vodLead: 0 });
    const c = await client(s);
    const id = await startPlay(c, 'long');
    await c.next((e) => e.kind === 'video' && e.timestamp >= 200);
    c.command('receiveVideo', 0, null, [false], id);
    await c.call('_checkbw', null); // the server handled receiveVideo before answering
    const from = c.received.length;
    const t0 = (c.received.filter(isMediaEvent).at(-1) as MediaEvent).timestamp;
    await c.next((e) => e.kind === 'audio' && e.timestamp >= t0 + 500);
    const later = c.received.slice(from);
    assert.equal(later.filter((e) => e.kind === 'video').length, 0);
    assert.ok(later.filter((e) => e.kind === 'audio').length >= 5);
  });
});
