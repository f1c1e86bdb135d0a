/**
 * Node conventions across Server, ServerConnection and Client: one close({ timeout, signal }),
 * every `signal` rejects with `signal.reason` (AbortError / TimeoutError as Node core does), and
 * client.call() takes a timeout and a signal.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { connectRaw } from '../helpers/raw-client.js';
import { standardReplies, startFakeServer, type FakeServer } from '../client/fake-server.js';

/** A server that answers connect and createStream but never publish, play or `slow`. */
function silentServer(): Promise<FakeServer> {
  return startFakeServer((c) => standardReplies(c, (e) => e.name === 'publish' || e.name === 'play' || e.name === 'slow'));
}

describe('signals reject with signal.reason', () => {
  it('connect, publish, play and call: AbortError from abort(), TimeoutError from AbortSignal.timeout(), the given reason as is', async () => {
    const server = await silentServer();
    const client = new Client({ commandTimeout: 0 });
    try {
      await assert.rejects(client.connect(server.url('/live'), { signal: AbortSignal.abort() }), { name: 'AbortError' });
      await client.connect(server.url('/live'));
      await assert.rejects(client.publish('p', 'live', { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
      const controller = new AbortController();
      const playing = client.play('s', { signal: controller.signal });
      const reason = new Error('viewer left');
      setImmediate(() => controller.abort(reason));
      await assert.rejects(playing, (err) => err === reason);
      await assert.rejects(client.call('slow', [], { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
      await assert.rejects(client.call('slow', [], { signal: AbortSignal.abort() }), { name: 'AbortError' });
      // Still usable after all that.
      assert.equal((await client.call('createStream')).name, '_result');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a connect aborted mid-way (after the socket opened) rejects with the reason and leaves nothing open', async () => {
    let seen!: () => void;
    const connectSeen = new Promise<void>((resolve) => (seen = resolve));
    const server = await startFakeServer(async (c) => {
      await c.nextCommand('connect');
      seen();
    });
    const client = new Client();
    try {
      const controller = new AbortController();
      const connecting = client.connect(server.url('/live'), { signal: controller.signal });
      await connectSeen;
      controller.abort();
      await assert.rejects(connecting, { name: 'AbortError' });
      assert.equal(client.connection?.closed, true);
    } finally {
      await server.close();
    }
  });
});

describe('client.call(name, args, { timeout, signal })', () => {
  it('times out with ERR_COMMAND_TIMEOUT after options.timeout; args must be an array', async () => {
    const server = await silentServer();
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const started = performance.now();
      await assert.rejects(client.call('slow', ['x'], { timeout: 100 }), (err) => isRtmpError(err, ErrorCode.COMMAND_TIMEOUT));
      const took = performance.now() - started;
      assert.ok(took >= 90 && took < 2000, `timed out after ${took.toFixed(0)} ms`);
      await assert.rejects(client.call('slow', 'x' as unknown as unknown[]), (err) => isRtmpError(err, ErrorCode.INVALID_OPTION));
      const c = await server.connection(0);
      const sent = await c.nextCommand('slow');
      assert.deepEqual(sent.args, ['x']);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('close({ timeout, signal }) on Client, ServerConnection and Server', () => {
  /** A server with one connection whose peer never ends its side: only a deadline or abort closes it. */
  async function halfOpenPeer(): Promise<{ server: Server; conn: ServerConnection; peer: { destroy(): void } }> {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const connected = once(server, 'connect') as Promise<[ServerConnection]>;
    const peer = await connectRaw(server.address()!.port, {});
    await peer.connect();
    const socket = peer.socket as net.Socket;
    socket.allowHalfOpen = true;
    socket.pause();
    const [conn] = await connected;
    return { server, conn, peer };
  }

  it('ServerConnection: the timeout destroys a peer that never closes and resolves', async () => {
    const { server, conn, peer } = await halfOpenPeer();
    try {
      const started = performance.now();
      await conn.close({ timeout: 150 });
      assert.ok(performance.now() - started >= 140, 'waited for the deadline');
      assert.equal(conn.closed, true);
    } finally {
      peer.destroy();
      await server.close();
    }
  });

  it('ServerConnection and Server: aborting destroys at once and rejects with signal.reason', async () => {
    const first = await halfOpenPeer();
    try {
      const controller = new AbortController();
      const closed = once(first.conn, 'close');
      const closing = first.conn.close({ timeout: 0, signal: controller.signal });
      controller.abort();
      await assert.rejects(closing, { name: 'AbortError' });
      await closed;
    } finally {
      first.peer.destroy();
      await first.server.close();
    }
    const second = await halfOpenPeer();
    try {
      const reason = new Error('shutdown now');
      const controller = new AbortController();
      const disconnected = new Promise((resolve) => second.server.once('disconnect', resolve));
      const closing = second.server.close({ timeout: 0, signal: controller.signal });
      assert.equal(second.server.close(), closing, 'a later close() returns the first promise');
      setImmediate(() => controller.abort(reason));
      await assert.rejects(closing, (err) => err === reason);
      await disconnected;
      assert.equal(second.server.connectionCount, 0);
    } finally {
      second.peer.destroy();
    }
  });

  it('Client: an aborted signal destroys the connection and rejects; a bad option rejects loudly', async () => {
    const server = await silentServer();
    const client = new Client();
    try {
      await client.connect(server.url('/live'));
      const closed = once(client, 'close');
      await assert.rejects(client.close({ signal: AbortSignal.abort() }), { name: 'AbortError' });
      await closed;
      assert.equal(client.connection?.closed, true);
      await assert.rejects(client.close(5000 as never), (err) => isRtmpError(err, ErrorCode.INVALID_OPTION));
      await assert.rejects(new Server().close(-1 as never), (err) => isRtmpError(err, ErrorCode.INVALID_OPTION));
    } finally {
      await server.close();
    }
  });
});
