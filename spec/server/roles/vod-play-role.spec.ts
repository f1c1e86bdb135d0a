/**
 * VodPlayRole: NetStream commands on a stream that plays a file go to its VodPlayer. On a server,
 * one connection plays a file on one stream and a live stream on another: pause and seek reach the
 * role of the stream they arrive on.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RtmpEvent } from '../../../lib/command/events.js';
import { Server, type ServerConnection } from '../../../lib/server/index.js';
import { VodPlayRole } from '../../../lib/server/roles/vod-play-role.js';
import type { VodPlayer } from '../../../lib/server/vod.js';
import { tempDir } from '../../helpers/media.js';
import { closeAll, connectRaw, rawPublisher, type RawClient } from '../../helpers/raw-client.js';
import { startPlay, statusOf, writeSynthetic } from '../record-vod-fixtures.js';

/** A VodPlayer stand-in that notes the calls it gets. */
function fakePlayer(): { player: VodPlayer; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const player = {
    name: 'film',
    receiveAudio: true,
    receiveVideo: true,
    pause: (paused: boolean) => void calls.push(['pause', paused]),
    seek: (ms: number) => void calls.push(['seek', ms]),
    stop: (...args: unknown[]) => (calls.push(['stop', ...args]), Promise.resolve()),
  };
  return { player: player as unknown as VodPlayer, calls };
}

describe('VodPlayRole', () => {
  it('hands pause, seek and receiveAudio/Video to its VodPlayer, ignores media, and close stops the player without a status', () => {
    const { player, calls } = fakePlayer();
    const role = new VodPlayRole(player);
    assert.equal(role.kind, 'vod-play');
    assert.equal(role.name, 'film');
    role.pause(true);
    role.pause(false);
    role.seek(1500);
    role.receiveAudio(false);
    role.receiveVideo(false);
    assert.equal(player.receiveAudio, false);
    assert.equal(player.receiveVideo, false);
    role.media({ kind: 'audio', streamId: 1, timestamp: 0, payload: Buffer.from([0xaf, 1]) });
    role.data({ kind: 'data', streamId: 1, timestamp: 0, name: 'onMetaData', values: [] });
    role.close();
    assert.deepEqual(calls, [['pause', true], ['pause', false], ['seek', 1500], ['stop']]);
  });
});

describe('ServerConnection: pause and seek go to the role of their stream', { timeout: 20_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let server: Server;
  const clients: RawClient[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir('roles-vod'));
    await mkdir(join(dir, 'live'), { recursive: true });
    await writeSynthetic(join(dir, 'live', 'film.flv'), { durationMs: 60_000 });
    server = new Server({ addr: '127.0.0.1:0', vodDir: dir });
    await server.listen();
  });
  after(async () => {
    await closeAll(...clients);
    await server.close();
    await remove();
  });

  /** The next onStatus on `streamId` (media and the other stream's statuses are skipped). */
  async function statusOn(c: RawClient, streamId: number): Promise<{ code: string; description: string }> {
    const event = await c.next((e: RtmpEvent) => e.kind === 'command' && e.name === 'onStatus' && e.streamId === streamId);
    return statusOf(event);
  }

  it('a file pauses its clock and seeks to a position; a live stream pauses its player and answers a seek from the live point', async () => {
    const port = server.address()!.port;
    const { client: publisher } = await rawPublisher(port, 'cam');
    clients.push(publisher);
    const viewer = await connectRaw(port);
    clients.push(viewer);
    await viewer.connect();
    const fileStream = await startPlay(viewer, 'film');
    assert.equal((await statusOn(viewer, fileStream)).code, 'NetStream.Play.Reset');
    assert.equal((await statusOn(viewer, fileStream)).code, 'NetStream.Play.Start');
    const liveStream = await startPlay(viewer, 'cam');
    assert.equal((await statusOn(viewer, liveStream)).code, 'NetStream.Play.Reset');
    assert.equal((await statusOn(viewer, liveStream)).code, 'NetStream.Play.Start');
    const conn = server.connections.find((c: ServerConnection) => c.subscribers.length > 0)!;
    const [film] = server.vod!.activePlayers;
    const [camPlayer] = conn.subscribers;
    assert.equal(conn.state, 'playing');

    viewer.command('pause', 0, null, [true, 0], fileStream);
    assert.deepEqual(await statusOn(viewer, fileStream), { level: 'status', code: 'NetStream.Pause.Notify', description: 'Pausing film.', details: 'film' });
    assert.equal(film!.state, 'paused');
    assert.equal(camPlayer!.paused, false);

    viewer.command('pause', 0, null, [true, 0], liveStream);
    assert.deepEqual(await statusOn(viewer, liveStream), { level: 'status', code: 'NetStream.Pause.Notify', description: 'Pausing cam.', details: 'cam' });
    assert.equal(camPlayer!.paused, true);

    viewer.command('seek', 0, null, [1000], fileStream);
    assert.equal((await statusOn(viewer, fileStream)).description, `Seeking 1000 (stream ID: ${fileStream}).`);
    assert.equal((await statusOn(viewer, fileStream)).code, 'NetStream.Play.Start');
    assert.equal(film!.state, 'paused', 'a seek keeps the pause');

    viewer.command('seek', 0, null, [1000], liveStream);
    assert.equal((await statusOn(viewer, liveStream)).description, 'Seeking cam: a live stream plays on from the live point.');
    assert.equal(camPlayer!.needVideoKeyframe, true);

    // closeStream ends one role: the file closes, the live player stays and the state with it.
    const stopped = new Promise((resolve) => server.vod!.once('stop', resolve));
    viewer.command('closeStream', 0, null, [], fileStream);
    assert.equal(await stopped, film);
    assert.deepEqual(conn.subscribers, [camPlayer]);
    assert.equal(conn.state, 'playing');
  });
});
