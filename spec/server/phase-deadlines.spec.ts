/**
 * Issue 11, deadlines: after the handshake a connect must be accepted within connectTimeout, and a
 * connected client must publish or play within idleTimeout; bytes trickling in extend neither.
 * The attack: sockets trickling a byte every few seconds after the handshake, never a
 * connect, kept maxConnections full and a real ffmpeg was refused.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { ErrorCode } from '../../lib/errors.js';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, Server } from '../../lib/server/index.js';
import { SteadyPair, closedOf, handshaken, listening, releaseAll, tcpConnect } from '../faults/support.js';
import { ffmpeg, killAll } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { closeAll, connectRaw } from '../helpers/raw-client.js';

afterEach(releaseAll);

/** Writes one byte every `everyMs` until the socket closes. */
function trickle(socket: net.Socket, everyMs: number): void {
  // A partial chunk header: csid 3, fmt 0, then nothing more, byte after byte of a message that never ends.
  const bytes = Buffer.from([0x03, 0, 0, 0, 0, 0x10, 0, 0x14, 0, 0, 0, 0]);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1));
    i++;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('phase deadlines (issue 11)', () => {
  let dir: { dir: string; remove(): Promise<void> };
  let source: string;
  before(async () => {
    dir = await tempDir('deadlines-');
    source = await generateFlv(dir.dir, 'source.flv', { seconds: 1, gop: 25 });
  });
  after(async () => {
    await killAll();
    await dir.remove();
  });

  it('defaults: connectTimeout 10 s, idleTimeout 30 s; both settable, negative refused', () => {
    assert.ok(DEFAULT_CONNECT_TIMEOUT <= 10_000);
    assert.equal(DEFAULT_IDLE_TIMEOUT, 30_000);
    const s = new Server();
    assert.equal(s.settings.connectTimeout, DEFAULT_CONNECT_TIMEOUT);
    assert.equal(s.settings.idleTimeout, DEFAULT_IDLE_TIMEOUT);
    assert.equal(new Server({ connectTimeout: 5, idleTimeout: 0 }).settings.connectTimeout, 5);
    assert.throws(() => new Server({ connectTimeout: -1 }), { code: ErrorCode.INVALID_OPTION });
    assert.throws(() => new Server({ idleTimeout: Number.NaN }), { code: ErrorCode.INVALID_OPTION });
  });

  it('a socket trickling its C0/C1 is closed at handshakeTimeout, however the bytes keep coming', async () => {
    const handshakeTimeout = 500;
    const { server, port } = await listening({ handshakeTimeout });
    const started = Date.now();
    const socket = await tcpConnect(port);
    socket.write(Buffer.from([3]));
    trickle(socket, 50);
    await closedOf(socket);
    const took = Date.now() - started;
    assert.ok(took >= handshakeTimeout - 20 && took < handshakeTimeout + 1500, `closed after ${took} ms`);
    assert.equal(server.connectionCount, 0);
  });

  it('sockets trickling bytes after the handshake are closed at connectTimeout (ERR_CONNECT_TIMEOUT); a healthy pair keeps flowing', async () => {
    const connectTimeout = 600;
    const { server, port } = await listening({ connectTimeout });
    const pair = await SteadyPair.open(port);
    pair.startBackground();
    const errors: string[] = [];
    server.on('disconnect', (_conn, err) => errors.push((err as { code?: string } | undefined)?.code ?? 'none'));
    const started = Date.now();
    const sockets = await Promise.all(Array.from({ length: 6 }, () => handshaken(port).then((h) => h.socket)));
    for (const s of sockets) trickle(s, 50);
    await Promise.all(sockets.map(closedOf));
    const took = Date.now() - started;
    // A client may see its socket close before the server has reported that disconnect.
    while (errors.length < 6) await new Promise((resolve) => server.once('disconnect', resolve));
    assert.ok(took >= connectTimeout - 50 && took < connectTimeout + 1500, `closed after ${took} ms`);
    assert.deepEqual(errors, Array(6).fill(ErrorCode.CONNECT_TIMEOUT));
    await pair.stop();
    await pair.exchange(16);
    assert.equal(server.connectionCount, 2);
    await pair.close();
  });

  it('a connected client that never publishes or plays is closed at idleTimeout (ERR_SESSION_IDLE_TIMEOUT), again after it stops', async () => {
    const idleTimeout = 500;
    const { server, port } = await listening({ idleTimeout });
    const codes: string[] = [];
    server.on('disconnect', (_conn, err) => codes.push((err as { code?: string } | undefined)?.code ?? 'none'));
    const idle = await connectRaw(port);
    await idle.connect({ app: 'live' });
    const started = Date.now();
    // Calls that do not start anything do not count as activity.
    const streamId = await idle.createStream();
    idle.command('releaseStream', 3, null, ['x']);
    await closedOf(idle.socket as net.Socket);
    const took = Date.now() - started;
    assert.ok(took >= idleTimeout - 50 && took < idleTimeout + 1500, `closed after ${took} ms`);
    assert.ok(streamId > 0);
    // A player is not idle while it plays; once it stops, the deadline runs again.
    const player = await connectRaw(port);
    await player.connect({ app: 'live' });
    const id = await player.createStream();
    player.command('play', 0, null, ['nobody', -2, -1, true], id);
    await player.nextStatus();
    const playing = Date.now();
    await new Promise<void>((resolve) => setTimeout(resolve, idleTimeout * 2)); // the claim is "still open after 2x idleTimeout"
    assert.equal(player.closed, false, 'a player waiting for its publisher was closed');
    player.command('closeStream', 0, null, [], id);
    await closedOf(player.socket as net.Socket);
    // The client may see its socket close before the server has reported the disconnect.
    while (codes.length < 2) await new Promise((resolve) => server.once('disconnect', resolve));
    assert.ok(Date.now() - playing >= idleTimeout * 2);
    assert.deepEqual(codes, [ErrorCode.SESSION_IDLE_TIMEOUT, ErrorCode.SESSION_IDLE_TIMEOUT]);
  });

  it('default config: maxConnections=20 full of tricklers refuses a real ffmpeg, which gets in once connectTimeout (10 s) closed them', async (t) => {
    const { server, port } = await listening({ maxConnections: 20 });
    const refused: unknown[] = [];
    server.on('refused', (a) => refused.push(a));
    const started = Date.now();
    const sockets = await Promise.all(Array.from({ length: 20 }, () => handshaken(port).then((h) => h.socket)));
    for (const s of sockets) trickle(s, 1000);
    const early = ffmpeg(['-i', source, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/early`]);
    const earlyResult = await early.exited;
    assert.notEqual(earlyResult.code, 0, 'ffmpeg got in while the server was full');
    assert.ok(refused.length >= 1);
    await Promise.all(sockets.map(closedOf));
    const took = Date.now() - started;
    assert.ok(took < DEFAULT_CONNECT_TIMEOUT + 2000, `tricklers held their slots for ${took} ms`);
    t.diagnostic(`20 tricklers (a byte a second) held maxConnections=20 for ${took} ms (default connectTimeout ${DEFAULT_CONNECT_TIMEOUT} ms)`);
    // Not events.once: the tricklers' ERR_CONNECT_TIMEOUT may still be reported as 'error' meanwhile.
    const published = new Promise<string>((resolve) => server.once('publish', (_conn: unknown, name: string) => resolve(name)));
    const late = ffmpeg(['-i', source, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/late`]);
    const name = await published;
    assert.equal(name, 'late');
    const result = await late.exited;
    assert.equal(result.code, 0, result.stderr);
  });

  it('idleTimeout 0 and connectTimeout 0 disable the deadlines', async () => {
    const { port } = await listening({ idleTimeout: 0, connectTimeout: 0 });
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    await new Promise<void>((resolve) => setTimeout(resolve, 300));
    assert.equal(client.closed, false);
    await closeAll(client);
  });
});
