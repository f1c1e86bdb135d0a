/**
 * Faults (issue 5, item 2): peers that vanish mid-handshake, mid-chunk and mid-message, a
 * publisher killed mid-stream, handshakes that stall, and maxConnections. After each fault the
 * server is still up, a publisher/player pair on it has kept streaming every frame in order, and
 * what the dead peer left half-received is gone (connection table, socket table, registry, and
 * the ServerConnection object itself is garbage-collectable).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { OutboundChunkState, serializeMessage } from '../../lib/chunk/index.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import type { Server, ServerConnection } from '../../lib/server/index.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';
import { interframe, keyframe } from '../server/media-fixtures.js';
import { SteadyPair, closedOf, collected, nextMedia, listening, recordingLogger, releaseAll, tcpConnect, tcpHandles, waitFor } from './support.js';

/** Sockets the server holds, handshaking ones included (white-box: no public accessor counts them). */
function openSockets(server: Server): number {
  return (server as unknown as { sockets: Set<unknown> }).sockets.size;
}

/** Bytes of one video message on chunk stream 20 at the default inbound chunk size 128 (RTMP 1.0 §5.4.1). */
function videoMessageBytes(streamId: number, size: number, timestamp = 0): Buffer {
  const payload = interframe(7, size - 5);
  return serializeMessage(createMessage(20, streamId, MessageType.Video, payload, timestamp), new OutboundChunkState(), 128);
}

/** Waits for the server's 'disconnect' of `id`; returns the error it closed with. */
function disconnectOf(server: Server, id: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const onDisconnect = (conn: ServerConnection, err: Error | undefined): void => {
      if (conn.id !== id) return;
      server.off('disconnect', onDisconnect);
      resolve(err);
    };
    server.on('disconnect', onDisconnect);
  });
}

/**
 * A raw publisher and, weakly, the server's connection for it (a strong local in the test's async
 * frame would keep the connection alive until the test ends).
 */
async function publisherAndItsConnection(
  server: Server,
  port: number,
  name: string,
): Promise<{ client: RawClient; streamId: number; id: string; ref: WeakRef<ServerConnection> }> {
  let found: { id: string; ref: WeakRef<ServerConnection> } | undefined;
  const onPublish = (conn: ServerConnection): void => {
    found = { id: conn.id, ref: new WeakRef(conn) };
  };
  server.on('publish', onPublish);
  const { client, streamId } = await rawPublisher(port, name);
  server.off('publish', onPublish);
  return { client, streamId, ...found! };
}

const baselineHandles = tcpHandles();

describe('faults: peers that vanish', { timeout: 40_000 }, () => {
  afterEach(releaseAll);
  after(async () => {
    // libuv releases a closed listener's handle some turns after its 'close': poll, bounded.
    await waitFor(() => tcpHandles() === baselineHandles, 'TCP handles back to the baseline', 2000).catch(() => {});
    assert.equal(tcpHandles(), baselineHandles, `every socket and listener these tests opened is closed: ${process.getActiveResourcesInfo().join()}`);
  });

  it('a peer that disconnects mid-handshake at every stage leaves no socket behind and takes no slot', { timeout: 15_000 }, async () => {
    const logger = recordingLogger();
    // Room for the steady pair and exactly one more socket: a leaked handshake socket would get
    // every later one refused.
    const { server, port } = await listening({ maxConnections: 3, logger });
    const refused: unknown[] = [];
    server.on('refused', (addr) => refused.push(addr));
    const steady = await SteadyPair.open(port);
    const c0c1 = Buffer.alloc(1537);
    c0c1[0] = 3; // C0: version 3, then C1 (time 0, zero version: the simple scheme)
    const stages: Array<{ what: string; send(socket: net.Socket): Promise<void> }> = [
      { what: 'nothing sent', send: async () => {} },
      { what: 'C0 only', send: async (s) => void s.write(c0c1.subarray(0, 1)) },
      { what: 'C0 and half of C1', send: async (s) => void s.write(c0c1.subarray(0, 700)) },
      {
        what: 'C0 C1, S0 S1 S2 read, half of C2',
        send: async (s) => {
          s.write(c0c1);
          await new Promise<void>((resolve) => {
            let got = 0;
            const onData = (b: Buffer): void => {
              got += b.length;
              if (got < 3073) return; // S0 + S1 + S2
              s.off('data', onData);
              resolve();
            };
            s.on('data', onData);
          });
          s.write(Buffer.alloc(800));
        },
      },
    ];
    for (const abrupt of [false, true]) {
      for (const stage of stages) {
        const socket = await tcpConnect(port);
        await stage.send(socket);
        const closed = closedOf(socket);
        if (abrupt) socket.resetAndDestroy();
        else socket.end();
        await closed;
        await waitFor(() => openSockets(server) === 2, `the server to free the socket (${stage.what}, abrupt=${abrupt})`);
        await steady.exchange();
      }
    }
    assert.deepEqual(refused, [], 'no socket was refused: every aborted handshake gave its slot back');
    assert.equal(server.connectionCount, 2);
    const handshakeFailures = logger.lines.filter((l) => /handshake with .* failed: ERR_HANDSHAKE_CLOSED/.test(l.text));
    assert.equal(handshakeFailures.length, 8, 'each aborted handshake is logged with its code');
    await steady.close();
    await server.close();
  });

  for (const cut of ['mid-header', 'mid-chunk', 'mid-message'] as const) {
    for (const how of ['end', 'reset'] as const) {
      it(`a publisher that disconnects ${cut} (${how}) is freed and the others stream on`, { timeout: 15_000 }, async () => {
        const logger = recordingLogger();
        const { server, port } = await listening({ logger });
        const steady = await SteadyPair.open(port);
        const { client, streamId, id, ref } = await publisherAndItsConnection(server, port, 'victim');
        const gone = disconnectOf(server, id);
        // A 1000-byte message is 8 chunks at size 128: header 12, then 127 one-byte continuation headers.
        const bytes = videoMessageBytes(streamId, 1000);
        const cutAt = { 'mid-header': 5, 'mid-chunk': 12 + 60, 'mid-message': 12 + 128 + 1 + 128 + 1 + 30 }[cut];
        // Straight onto the socket: the client's own pipeline is idle and never sees these bytes.
        client.socket.write(bytes.subarray(0, cutAt));
        await steady.exchange();
        const socket = client.socket as net.Socket;
        if (how === 'reset') socket.resetAndDestroy();
        else socket.end();
        const err = await gone;
        client.destroy();
        if (how === 'end') {
          // A clean end inside a chunk is a truncated chunk stream (the header/chunk/message never completed).
          assert.ok(isRtmpError(err, ErrorCode.CHUNK_TRUNCATED), `closed with ${String((err as { code?: string })?.code ?? err)}`);
          assert.ok(logger.lines.some((l) => l.level === 'warn' && l.text.startsWith(`connection ${id} `) && l.text.includes(ErrorCode.CHUNK_TRUNCATED)));
        } else if (err) {
          assert.equal((err as { code?: string }).code, 'ECONNRESET', String(err));
        }
        assert.equal(server.connectionCount, 2);
        assert.equal(server.registry.get('live', 'victim'), undefined, 'the stream is unpublished');
        assert.deepEqual(server.registry.list().map((s) => s.key), ['steady/steady']);
        await steady.exchange();
        assert.ok(await collected([ref]), 'the dead connection (and its half-received chunks) can be collected');
        await steady.close();
        await server.close();
      });
    }
  }

  it('a publisher killed mid-stream: players get UnpublishNotify and Stream EOF, the name is free at once', { timeout: 15_000 }, async () => {
    const { server, port } = await listening();
    const steady = await SteadyPair.open(port);
    const { client: first, streamId: firstStream } = await rawPublisher(port, 'show');
    const players: Array<{ client: RawClient; streamId: number }> = [];
    for (let i = 0; i < 3; i++) players.push(await rawPlayer(port, 'show'));
    const frames = 30;
    for (let i = 0; i < frames; i++) {
      first.send({ kind: 'video', streamId: firstStream, timestamp: i * 40, payload: i % 10 === 0 ? keyframe(i) : interframe(i) });
    }
    for (const { client } of players) {
      for (let i = 0; i < frames; i++) assert.equal((await nextMedia(client)).timestamp, i * 40);
    }
    // Half a message on the wire, then the process "dies": a TCP reset, no goodbye.
    first.socket.write(videoMessageBytes(firstStream, 1000, frames * 40).subarray(0, 300));
    const unpublished = once(server, 'unpublish');
    (first.socket as net.Socket).resetAndDestroy();
    await unpublished;
    for (const { client, streamId } of players) {
      const status = await client.next((e) => e.kind !== 'userControl' || (e.event as { event: string }).event !== 'StreamBegin');
      assert.equal(status.kind, 'command', 'nothing of the half-sent message reached the player');
      assert.equal(((status as { args: Array<{ code: string }> }).args[0]!).code, 'NetStream.Play.UnpublishNotify');
      const eof = await client.next((e) => e.kind === 'userControl');
      assert.deepEqual((eof as { event: unknown }).event, { event: 'StreamEOF', streamId });
    }
    assert.equal(server.registry.get('live', 'show')?.publisher, undefined);
    // Published again at once by a new publisher: the waiting players resume with its media.
    const { client: second, streamId: secondStream } = await rawPublisher(port, 'show');
    for (const { client } of players) assert.equal((await client.nextStatus()).code, 'NetStream.Play.PublishNotify');
    second.send({ kind: 'video', streamId: secondStream, timestamp: 5000, payload: keyframe(99) });
    for (const { client } of players) {
      const media = await nextMedia(client);
      assert.deepEqual([media.timestamp, media.payload[media.payload.length - 1]], [5000, 99]);
    }
    // Players can be closed, politely or not.
    const [a, b, c] = players.map((p) => p.client);
    (c!.socket as net.Socket).resetAndDestroy();
    await closeAll(a, b, c);
    await steady.exchange();
    await waitFor(() => server.registry.get('live', 'show')?.players.size === 0, 'the players to leave the registry');
    await closeAll(second);
    await waitFor(() => server.registry.get('live', 'show') === undefined, 'the stream to leave the registry');
    assert.equal(server.connectionCount, 2);
    await steady.close();
    await server.close();
    assert.equal(server.connectionCount, 0);
  });

  it('handshakes that stall are closed at handshakeTimeout, logged with ERR_HANDSHAKE_TIMEOUT', { timeout: 15_000 }, async () => {
    const logger = recordingLogger();
    const handshakeTimeout = 300;
    const { server, port } = await listening({ handshakeTimeout, logger });
    const steady = await SteadyPair.open(port);
    const c0c1 = Buffer.alloc(1537);
    c0c1[0] = 3;
    const stalls: Array<(s: net.Socket) => void> = [
      () => {}, // silent
      (s) => s.write(c0c1.subarray(0, 1)), // C0 only
      (s) => s.write(c0c1), // C0 C1, never C2
    ];
    const results = await Promise.all(
      stalls.map(async (stall) => {
        const socket = await tcpConnect(port);
        const started = Date.now();
        socket.resume(); // read (and drop) S0 S1 S2, or 'close' would wait for someone to read them
        stall(socket);
        await closedOf(socket);
        return Date.now() - started;
      }),
    );
    await steady.exchange();
    for (const elapsed of results) {
      assert.ok(elapsed >= handshakeTimeout - 20, `closed after ${elapsed} ms, not before the timeout`);
      assert.ok(elapsed < handshakeTimeout + 2000, `closed after ${elapsed} ms, soon after the timeout`);
    }
    assert.equal(logger.lines.filter((l) => l.text.includes(ErrorCode.HANDSHAKE_TIMEOUT)).length, stalls.length);
    await waitFor(() => openSockets(server) === 2, 'stalled sockets to be freed');
    assert.equal(server.connectionCount, 2);
    await steady.close();
    await server.close();
  });

  it('maxConnections reached: new sockets are refused, existing ones stream on untouched', { timeout: 15_000 }, async () => {
    const { server, port } = await listening({ maxConnections: 4 });
    const steady = await SteadyPair.open(port);
    const idle = [await connectRaw(port), await connectRaw(port)];
    for (const c of idle) await c.connect();
    steady.startBackground();
    let refusedCount = 0;
    server.on('refused', () => refusedCount++);
    for (let i = 0; i < 10; i++) {
      const socket = await tcpConnect(port);
      socket.write(Buffer.from([3]));
      await closedOf(socket);
      assert.equal(socket.bytesRead, 0, 'a refused socket gets no handshake bytes');
    }
    await waitFor(() => refusedCount === 10, 'ten refusals');
    await steady.stop();
    assert.ok(steady.received > 0);
    assert.equal(server.connectionCount, 4);
    for (const c of idle) await c.call('_checkbw', null);
    // A freed slot is usable again.
    await closeAll(idle[0]);
    await waitFor(() => openSockets(server) === 3, 'the closed connection to free its slot');
    const { client: late } = await rawPlayer(port, 'steady', 'steady');
    await steady.exchange();
    const frame = await nextMedia(late);
    assert.ok(frame.timestamp >= 0);
    assert.equal(refusedCount, 10);
    await closeAll(late, idle[1]);
    await steady.close();
    await server.close();
  });
});
