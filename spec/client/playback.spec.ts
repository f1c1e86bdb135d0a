/**
 * The end of playback, as each common server signals it, seen through every way of reading a
 * Client: readEvent()/events(), `for await` over messages, and a `Readable` in a pipeline().
 * Fake servers script what nginx-rtmp (Stream EOF only, media on the player's stream) and
 * node-media-server (media on message stream 0) send; our own Server covers the rest.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { Client, ClientState } from '../../lib/client/client.js';
import type { PlaybackEnd } from '../../lib/client/playback.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { MessageType } from '../../lib/message/message-type.js';
import { Server } from '../../lib/server/index.js';
import { standardReplies, startFakeServer, status, type FakeConnection, type FakeServer } from './fake-server.js';

type Ending = 'StreamEOF' | 'NetStream.Play.UnpublishNotify' | 'NetStream.Play.Stop' | 'NetStream.Play.Complete';
const ENDINGS: Ending[] = ['StreamEOF', 'NetStream.Play.UnpublishNotify', 'NetStream.Play.Stop', 'NetStream.Play.Complete'];

const video = (i: number): Buffer => Buffer.from([i === 0 ? 0x17 : 0x27, 1, 0, 0, 0, i]);

/** Sends what a server sends when a played stream ends, the way one real server does it. */
function sendEnding(c: FakeConnection, streamId: number, ending: Ending): void {
  if (ending === 'StreamEOF') {
    c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId } });
  } else if (ending === 'NetStream.Play.Complete') {
    // FMS and our VOD: onPlayStatus, a data message.
    c.conn.send({ kind: 'data', streamId, timestamp: 0, name: 'onPlayStatus', values: [{ level: 'status', code: ending }] });
  } else status(c, streamId, 'status', ending);
}

interface Scripted {
  /** Message stream the media goes out on: the player's (nginx-rtmp) or 0 (node-media-server). */
  mediaStream: 'player' | 0;
  frames: number;
  /** None: the stream goes on. */
  ending?: Ending;
}

/**
 * A server that answers play with Play.Start, sends `frames` videos, then the ending; afterwards
 * it records whether the client released the stream (deleteStream) while keeping the connection.
 */
async function scriptedServer(script: Scripted): Promise<FakeServer> {
  return startFakeServer((c) =>
    standardReplies(c, (e) => {
      if (e.name !== 'play') return false;
      c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: e.streamId } });
      status(c, e.streamId, 'status', 'NetStream.Play.Start');
      const on = script.mediaStream === 0 ? 0 : e.streamId;
      c.conn.send({ kind: 'data', streamId: on, timestamp: 0, name: 'onMetaData', values: [{ width: 16 }] });
      for (let i = 0; i < script.frames; i++) c.conn.send({ kind: 'video', streamId: on, timestamp: i * 40, payload: video(i) });
      if (!script.ending) return true;
      sendEnding(c, e.streamId, script.ending);
      // What some servers still send afterwards: never read as part of the stream.
      if (script.ending !== 'StreamEOF') c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId: e.streamId } });
      c.conn.send({ kind: 'video', streamId: on, timestamp: 9999, payload: video(99) });
      return true;
    }),
  );
}

const readers = {
  async readEvent(client: Client): Promise<RtmpEvent[]> {
    const out: RtmpEvent[] = [];
    for (let e = await client.readEvent(); e; e = await client.readEvent()) out.push(e);
    return out;
  },
  async events(client: Client): Promise<RtmpEvent[]> {
    const out: RtmpEvent[] = [];
    for await (const e of client.events()) out.push(e);
    return out;
  },
  async 'for await (messages)'(client: Client): Promise<Array<{ type: number; streamId: number; data: Buffer }>> {
    const out: Array<{ type: number; streamId: number; data: Buffer }> = [];
    for await (const m of client) out.push({ type: m.type, streamId: m.messageStreamId, data: Buffer.from(m.data) });
    return out;
  },
  async 'Readable.from in pipeline()'(client: Client): Promise<Array<{ type: number; streamId: number; data: Buffer }>> {
    const out: Array<{ type: number; streamId: number; data: Buffer }> = [];
    await pipeline(
      Readable.from(client),
      new Writable({
        objectMode: true,
        write(m: { type: number; messageStreamId: number; data: Buffer }, _enc, done) {
          out.push({ type: m.type, streamId: m.messageStreamId, data: Buffer.from(m.data) });
          done();
        },
      }),
    );
    return out;
  },
};

describe('playback ends the same way everywhere', () => {
  for (const ending of ENDINGS) {
    for (const [readerName, read] of Object.entries(readers)) {
      it(`${ending} ends ${readerName}; the client releases the stream and stays connected`, async () => {
        const server = await scriptedServer({ mediaStream: 'player', frames: 3, ending });
        const client = new Client();
        try {
          await client.connect(server.url('/live'));
          const ends: PlaybackEnd[] = [];
          client.on('playEnd', (end) => ends.push(end));
          const id = await client.play('s');
          const items = (await read(client)) as Array<RtmpEvent | { type: number; streamId: number; data: Buffer }>;
          const videos = items.filter((x) => ('kind' in x ? x.kind === 'video' : x.type === MessageType.Video));
          assert.equal(videos.length, 3, 'every frame before the end, none after it');
          assert.deepEqual(ends, [{ reason: ending, streamId: id }]);
          assert.deepEqual(client.playbackEnd, { reason: ending, streamId: id });
          assert.equal(client.state, ClientState.Connected);
          assert.equal(client.playStreamId, undefined);
          const c = await server.connection(0);
          const deleted = await c.nextCommand('deleteStream');
          assert.deepEqual(deleted.args, [id]);
          // Reads stay ended; the connection is still usable: playing again works.
          assert.equal(await client.readEvent(), null);
          assert.equal(c.conn.closed, false);
          assert.equal(await client.play('again'), 2);
          assert.equal((await readers.events(client)).filter((e) => e.kind === 'video').length, 3);
        } finally {
          await client.close();
          await server.close();
        }
      });
    }
  }

  it('media on message stream 0 (node-media-server) is the played stream: nothing is dropped', async () => {
    const server = await scriptedServer({ mediaStream: 0, frames: 5, ending: 'NetStream.Play.UnpublishNotify' });
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const id = await client.play('s');
      const events = await readers.events(client);
      const media = events.filter((e) => e.kind === 'video' || e.kind === 'data');
      assert.deepEqual(
        media.map((e) => [e.kind, e.streamId]),
        [['data', id], ...Array.from({ length: 5 }, () => ['video', id])],
      );
      assert.deepEqual(
        events.flatMap((e) => (e.kind === 'video' ? [e.payload[5]] : [])),
        [0, 1, 2, 3, 4],
      );
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('nginx-rtmp style: Stream EOF alone ends a pipeline of Readable.from(client)', async () => {
    const server = await scriptedServer({ mediaStream: 'player', frames: 4, ending: 'StreamEOF' });
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      await client.play('s');
      const started = performance.now();
      const items = await readers['Readable.from in pipeline()'](client);
      assert.equal(items.filter((m) => m.type === MessageType.Video).length, 4);
      assert.ok(performance.now() - started < 1000, 'ends at once, not at a timeout');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('an aborted pipeline stops the played stream (deleteStream) and keeps the connection', async () => {
    let playId = 0;
    const server = await startFakeServer((c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'play') return false;
        playId = e.streamId;
        status(c, e.streamId, 'status', 'NetStream.Play.Start');
        c.conn.send({ kind: 'video', streamId: e.streamId, timestamp: 0, payload: video(0) });
        return true;
      }),
    );
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      await client.play('s');
      const abort = new AbortController();
      const sink = new Writable({
        objectMode: true,
        write(_m, _enc, done) {
          abort.abort(); // the first message arrived: the user gives up
          done();
        },
      });
      await assert.rejects(pipeline(Readable.from(client), sink, { signal: abort.signal }), { name: 'AbortError' });
      const c = await server.connection(0);
      const deleted = await c.nextCommand('deleteStream');
      assert.deepEqual(deleted.args, [playId]);
      assert.deepEqual(client.playbackEnd, { reason: 'stopped', streamId: playId });
      assert.equal(client.state, ClientState.Connected);
      assert.equal(c.conn.closed, false);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a pipeline aborted while no data flows stops the stream at once (the pending read ends)', async () => {
    const server = await scriptedServer({ mediaStream: 'player', frames: 0 });
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const id = await client.play('s');
      const abort = new AbortController();
      const sink = new Writable({ objectMode: true, write: (_m, _enc, done) => done() });
      const piping = pipeline(Readable.from(client), sink, { signal: abort.signal });
      const ended = new Promise<PlaybackEnd>((resolve) => client.once('playEnd', resolve));
      setImmediate(() => abort.abort());
      await assert.rejects(piping, { name: 'AbortError' });
      assert.deepEqual(await ended, { reason: 'stopped', streamId: id });
      const deleted = await (await server.connection(0)).nextCommand('deleteStream');
      assert.deepEqual(deleted.args, [id]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('idleTimeout: a server that never says the end (node-media-server 4) ends playback with reason idle', async () => {
    const server = await scriptedServer({ mediaStream: 0, frames: 3 });
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const id = await client.play('s', { idleTimeout: 300 });
      const started = performance.now();
      const events = await readers.events(client);
      const took = performance.now() - started;
      assert.equal(events.filter((e) => e.kind === 'video').length, 3);
      assert.deepEqual(client.playbackEnd, { reason: 'idle', streamId: id });
      assert.ok(took >= 250 && took < 3000, `ended after ${took.toFixed(0)} ms`);
      const deleted = await (await server.connection(0)).nextCommand('deleteStream');
      assert.deepEqual(deleted.args, [id]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a break out of events() stops the stream the same way', async () => {
    const server = await scriptedServer({ mediaStream: 'player', frames: 3 });
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const id = await client.play('s');
      for await (const e of client.events()) if (e.kind === 'video') break;
      assert.deepEqual(client.playbackEnd, { reason: 'stopped', streamId: id });
      const deleted = await (await server.connection(0)).nextCommand('deleteStream');
      assert.deepEqual(deleted.args, [id]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('Stream EOF before Pause.Notify is the pause, not the end', async () => {
    const server = await startFakeServer((c) =>
      standardReplies(c, (e) => {
        if (e.name === 'play') {
          status(c, e.streamId, 'status', 'NetStream.Play.Start');
          return true;
        }
        if (e.name === 'pause') {
          const paused = e.args[0] === true;
          c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: paused ? 'StreamEOF' : 'StreamBegin', streamId: e.streamId } });
          status(c, e.streamId, 'status', paused ? 'NetStream.Pause.Notify' : 'NetStream.Unpause.Notify');
          if (!paused) {
            c.conn.send({ kind: 'video', streamId: e.streamId, timestamp: 0, payload: video(0) });
            sendEnding(c, e.streamId, 'StreamEOF');
          }
          return true;
        }
        return false;
      }),
    );
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      await client.play('s');
      await client.pause(true);
      assert.equal(client.playbackEnd, undefined);
      await client.pause(false);
      const events = await readers.events(client);
      assert.deepEqual(
        events.filter((e) => e.kind === 'userControl').map((e) => (e as { event: { event: string } }).event.event),
        ['StreamEOF', 'StreamBegin', 'StreamEOF'],
        "the pause's EOF is read and reading goes on; the final EOF is read last",
      );
      assert.equal(events.filter((e) => e.kind === 'video').length, 1);
      assert.equal((client.playbackEnd as PlaybackEnd | undefined)?.reason, 'StreamEOF');
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('playback from our Server', () => {
  async function publishFrames(port: number, name: string, frames: number): Promise<void> {
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish(name);
    for (let i = 0; i < frames; i++) await publisher.writeVideo(video(i), i * 40);
    await publisher.close();
  }

  it('the publisher stopping ends the player (UnpublishNotify): for await finishes', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const player = new Client();
    try {
      await player.connect(`rtmp://127.0.0.1:${port}/live`);
      await player.play('cam');
      const reading = readers['for await (messages)'](player);
      await publishFrames(port, 'cam', 3);
      const messages = await reading;
      assert.equal(messages.filter((m) => m.type === MessageType.Video).length, 3);
      assert.equal(player.playbackEnd?.reason, 'NetStream.Play.UnpublishNotify');
      // The server released the player: commands are handled in order, so once a later call is
      // answered, the deleteStream sent at the end has been handled.
      await assert.rejects(player.call('ping'), { code: 'ERR_COMMAND_FAILED' });
      assert.deepEqual(server.connections.flatMap((conn) => conn.subscribers), []);
    } finally {
      await player.close();
      await server.close();
    }
  });

  it('waitForPublisher: the player survives a publisher restart; Play.Stop at server close ends it', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const player = new Client();
    try {
      await player.connect(`rtmp://127.0.0.1:${port}/live`);
      await player.play('cam', { waitForPublisher: true });
      const statuses: string[] = [];
      player.on('status', (info) => statuses.push(String(info.code)));
      const videos: number[] = [];
      const reading = (async () => {
        for await (const e of player.events()) {
          if (e.kind !== 'video') continue;
          videos.push(e.payload[5]!);
          if (videos.length === 5) void server.close();
        }
      })();
      const unpublished = new Promise<void>((resolve) =>
        player.on('status', (info) => info.code === 'NetStream.Play.UnpublishNotify' && resolve()),
      );
      await publishFrames(port, 'cam', 2);
      await unpublished;
      await publishFrames(port, 'cam', 3);
      await reading;
      assert.deepEqual(videos, [0, 1, 0, 1, 2], 'both publishers were played');
      assert.ok(statuses.includes('NetStream.Play.PublishNotify'), statuses.join());
      assert.notEqual(player.playbackEnd?.reason, 'NetStream.Play.UnpublishNotify');
    } finally {
      await player.close();
      await server.close();
    }
  });
});
