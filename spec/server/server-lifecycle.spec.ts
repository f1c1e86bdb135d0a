import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, Transform } from 'node:stream';
import { describe, it } from 'node:test';
import type { Chunk } from '../../lib/chunk/chunk.js';
import type { MediaEvent, RtmpEvent } from '../../lib/command/events.js';
import { isRtmpError, ErrorCode } from '../../lib/errors.js';
import type { Message } from '../../lib/message/message.js';
import { Server, parseAddr, type ServerConnection } from '../../lib/server/index.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { aacFrame, interframe, keyframe } from './media-fixtures.js';

async function listening(config: ConstructorParameters<typeof Server>[0] = {}): Promise<{ server: Server; port: number }> {
  const server = new Server({ addr: '127.0.0.1:0', ...config });
  await server.listen();
  return { server, port: server.address()!.port };
}
const isMedia = (e: RtmpEvent): boolean => e.kind === 'audio' || e.kind === 'video';

describe('Server lifecycle, limits and splicing', { timeout: 30_000 }, () => {
  it('parses listen addresses and rejects bad options', () => {
    assert.deepEqual(parseAddr(':1935'), { host: undefined, port: 1935 });
    assert.deepEqual(parseAddr('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseAddr('[::1]:1936'), { host: '::1', port: 1936 });
    assert.deepEqual(parseAddr(1937), { host: undefined, port: 1937 });
    assert.deepEqual(parseAddr('1938'), { host: undefined, port: 1938 });
    assert.throws(() => parseAddr('host:99999'), (e: unknown) => isRtmpError(e, ErrorCode.INVALID_OPTION));
    assert.throws(() => new Server({ addr: 'x:y' }), (e: unknown) => isRtmpError(e, ErrorCode.INVALID_OPTION));
    assert.throws(() => new Server({ maxConnections: -1 }), /maxConnections/);
  });

  it('rejects listen() on a used port and a second listen()', async () => {
    const { server, port } = await listening();
    await assert.rejects(server.listen(), (e: unknown) => isRtmpError(e, ErrorCode.SERVER_STATE));
    const other = new Server({ addr: `127.0.0.1:${port}` });
    await assert.rejects(other.listen(), /EADDRINUSE/);
    await other.close();
    await server.close();
    assert.equal(server.state, 'closed');
  });

  it('refuses connections beyond maxConnections at accept, leaving existing ones untouched', async () => {
    const { server, port } = await listening({ maxConnections: 2 });
    const a = await connectRaw(port);
    const b = await connectRaw(port);
    await a.connect();
    await b.connect();
    const refused = once(server, 'refused');
    const extra = net.connect(port, '127.0.0.1');
    const extraClosed = once(extra, 'close');
    extra.on('error', () => {});
    await refused;
    await extraClosed;
    assert.equal(extra.bytesRead, 0, 'no handshake bytes were sent to the refused socket');
    // The first two still answer.
    await a.call('_checkbw', null);
    await b.call('_checkbw', null);
    assert.equal(server.connectionCount, 2);
    assert.equal(server.getConnectionCount(), 2);
    assert.equal(server.getConnections().length, 2);
    await closeAll(a, b);
    await server.close();
  });

  it('drops a socket that does not finish the handshake within handshakeTimeout', async () => {
    const { server, port } = await listening({ handshakeTimeout: 100 });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(Buffer.from([3])); // C0 only
    await once(socket, 'close');
    assert.equal(server.connectionCount, 0);
    await server.close();
  });

  it('closes gracefully: players and publishers get their statuses, sockets close, close() resolves', async () => {
    const { server, port } = await listening();
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'bye');
    const { client: waiting } = await rawPlayer(port, 'nobody');
    const { client: player, streamId } = await rawPlayer(port, 'bye');
    pub.send({ kind: 'video', streamId: pubStream, timestamp: 0, payload: keyframe(1) });
    await player.next(isMedia);
    const closes = [pub, waiting, player].map((c) => once(c, 'close'));
    const disconnects = new Promise<void>((resolve) => {
      let n = 0;
      server.on('disconnect', () => ++n === 3 && resolve());
    });
    const closing = server.close({ timeout: 3000 });
    assert.equal(server.close(), closing, 'a second close() returns the same promise');
    assert.equal((await player.nextStatus()).code, 'NetStream.Play.UnpublishNotify');
    const eof = await player.next((e) => e.kind === 'userControl');
    assert.deepEqual((eof as { event: unknown }).event, { event: 'StreamEOF', streamId });
    assert.equal((await pub.nextStatus()).code, 'NetStream.Unpublish.Success');
    assert.equal((await waiting.nextStatus()).code, 'NetStream.Play.Stop');
    await Promise.all(closes);
    await closing;
    await disconnects;
    assert.equal(server.connectionCount, 0);
    assert.equal(server.state, 'closed');
  });

  it('destroys connections still open at the close deadline', async () => {
    const { server, port } = await listening();
    // A half-open peer: never ends its side, so only the deadline can close the connection.
    const client = await connectRaw(port, {});
    await client.connect();
    client.socket.pause();
    (client.socket as net.Socket).allowHalfOpen = true;
    const closed = once(client, 'close');
    await server.close({ timeout: 200 });
    assert.equal(server.connectionCount, 0);
    client.destroy();
    await closed;
  });

  it('splices a publisher-side inbound message filter from the stages option: players get video only', async () => {
    const dropAudio = (): Transform =>
      new Transform({
        objectMode: true,
        highWaterMark: 16,
        transform(m: Message, _e, cb) {
          if (m.type === 8) cb();
          else cb(null, m);
        },
      });
    const { server, port } = await listening({ stages: () => ({ inbound: { messages: dropAudio() } }) });
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'va');
    const { client: player } = await rawPlayer(port, 'va');
    pub.send({ kind: 'video', streamId: pubStream, timestamp: 0, payload: keyframe(1) });
    pub.send({ kind: 'audio', streamId: pubStream, timestamp: 10, payload: aacFrame(2) });
    pub.send({ kind: 'video', streamId: pubStream, timestamp: 40, payload: interframe(3) });
    pub.send({ kind: 'audio', streamId: pubStream, timestamp: 50, payload: aacFrame(4) });
    pub.send({ kind: 'video', streamId: pubStream, timestamp: 80, payload: interframe(5) });
    const got: string[] = [];
    while (got.length < 3) {
      const e = (await player.next(isMedia)) as MediaEvent;
      got.push(`${e.kind}:${e.timestamp}`);
    }
    assert.deepEqual(got, ['video:0', 'video:40', 'video:80']);
    await closeAll(pub, player);
    await server.close();
  });

  it('splices a chunk-boundary tap into a live player connection that counts chunks without changing a byte', async () => {
    const { server, port } = await listening({ chunkSize: 4096 });
    let videoChunks = 0;
    const tap = new Transform({
      objectMode: true,
      highWaterMark: 16,
      transform(chunk: Chunk, _e, cb) {
        if (chunk.messageTypeId === 9) videoChunks++;
        cb(null, chunk);
      },
    });
    server.on('play', (conn: ServerConnection) => conn.splice('outbound', 'chunks', tap));
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'tap');
    const { client: player } = await rawPlayer(port, 'tap');
    const frames = [keyframe(1, 10_000), interframe(2, 10_000), interframe(3, 10_000)];
    frames.forEach((payload, i) => pub.send({ kind: 'video', streamId: pubStream, timestamp: i * 40, payload }));
    for (const sent of frames) {
      const e = (await player.next(isMedia)) as MediaEvent;
      assert.ok(e.payload.equals(sent), 'payload unchanged');
    }
    // 10,005-byte messages at chunk size 4096: 3 chunks each (RTMP 1.0 §5.3.1).
    assert.equal(videoChunks, 9);
    await closeAll(pub, player);
    await server.close();
  });

  it('refuses a stage of the wrong object mode with an error naming the boundary', async () => {
    const { server, port } = await listening();
    const connected = once(server, 'connect') as Promise<[ServerConnection]>;
    const client = await connectRaw(port);
    await client.connect();
    const [conn] = await connected;
    assert.throws(
      () => conn.splice('inbound', 'chunks', new PassThrough()),
      (e: unknown) => isRtmpError(e, ErrorCode.STAGE_MODE_MISMATCH) && /inbound chunks boundary/.test((e as Error).message),
    );
    assert.throws(
      () => conn.splice('outbound', 'bytes', new PassThrough({ objectMode: true })),
      (e: unknown) => isRtmpError(e, ErrorCode.STAGE_MODE_MISMATCH) && /outbound bytes boundary/.test((e as Error).message),
    );
    // The connection is unharmed.
    await client.call('_checkbw', null);
    await closeAll(client);
    await server.close();
  });

  it('serves a slow player without stalling the publisher or the other player, counting its drops', async () => {
    const limit = 256 * 1024;
    const { server, port } = await listening({ limits: { maxPlayerBacklog: limit } });
    const { client: pub, streamId: pubStream } = await rawPublisher(port, 'slow');
    const { client: fast } = await rawPlayer(port, 'slow');
    const played = once(server, 'play') as Promise<[ServerConnection]>;
    const { client: slow } = await rawPlayer(port, 'slow');
    const [slowConn] = await played;
    slow.socket.pause(); // never reads again: the kernel buffers fill, then the server's queue
    const frameCount = 300;
    const frameSize = 32 * 1024;
    let received = 0;
    // Paced by the fast player (ten frames in flight at most), as a live source would be; the slow
    // player never reads, so only its own queue can absorb what it misses.
    for (let i = 0; i < frameCount; i++) {
      const payload = i % 10 === 0 ? keyframe(i, frameSize) : interframe(i, frameSize);
      if (!pub.send({ kind: 'video', streamId: pubStream, timestamp: i * 40, payload })) await pub.drained();
      if (i % 10 === 9) {
        while (received <= i) {
          const e = (await fast.next(isMedia)) as MediaEvent;
          assert.equal(e.payload[e.payload.length - 1], received & 0xff, 'frames arrive in order, none missing');
          received++;
        }
      }
    }
    // The publisher's last frame was handled while the slow player still reads nothing.
    await pub.call('_checkbw', null);
    assert.equal(received, frameCount, 'the fast player got every frame');
    const [stats] = slowConn.subscribers.map((s) => s.stats);
    assert.ok(stats!.droppedMessages > 0, 'the slow player dropped frames');
    assert.equal(stats!.droppedMessages + stats!.sentMessages, frameCount);
    assert.ok(stats!.maxBacklog <= limit + 2 * frameSize + 4096, `backlog stayed bounded (${stats!.maxBacklog})`);
    const fastConn = server.connections.find((c) => c !== slowConn && c.subscribers.length > 0)!;
    assert.equal(fastConn.subscribers[0]!.stats.droppedMessages, 0);
    slow.destroy();
    await closeAll(pub, fast);
    await server.close({ timeout: 500 });
  });
});

export type { RawClient };
