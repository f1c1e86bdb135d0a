/**
 * Server `auth` end to end: real ffmpeg publishing with rtmp://user:pass@..., our Client, and a
 * raw client trying every order of commands to get around the challenge.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { nextAuthStep } from '../../lib/client/adobe-auth.js';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { isRtmpError } from '../../lib/errors.js';
import { Server, type ConnectInfo, type ServerConnection } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, killAll, packetSummary, probePackets, runningProcesses } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { closeAll, connectRaw, type RawClient } from '../helpers/raw-client.js';

const USER = 'admin';
const PASS = 'secret';

/** A server requiring admin/secret; counts what got through. */
async function authServer(extra: Partial<ConstructorParameters<typeof Server>[0]> = {}): Promise<{
  server: Server;
  port: number;
  connects: ConnectInfo[];
  publishes: string[];
}> {
  const server = new Server({ addr: '127.0.0.1:0', auth: { username: USER, password: PASS }, ...extra });
  const connects: ConnectInfo[] = [];
  const publishes: string[] = [];
  server.on('connect', (_c, info) => connects.push(info));
  server.on('publish', (_c, name) => publishes.push(name));
  await server.listen();
  return { server, port: server.address()!.port, connects, publishes };
}

/** An authenticated player of live/`name` (our client); resolves once Play.Start arrived. */
async function player(port: number, name: string): Promise<Client> {
  const client = new Client({ username: USER, password: PASS });
  await client.connect(`rtmp://127.0.0.1:${port}/live`);
  await client.play(name);
  return client;
}

/** Next audio/video event a client receives. */
async function nextMedia(client: Client): Promise<RtmpEvent | null> {
  for (;;) {
    const event = await client.readEvent();
    if (!event || event.kind === 'audio' || event.kind === 'video') return event;
  }
}

const errorInfo = (err: unknown): { code?: string; description?: string } => (err as { info?: { code?: string; description?: string } }).info ?? {};

describe('auth: ffmpeg against a server that requires authentication', { timeout: 90_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;

  before(async () => {
    ({ dir, remove } = await tempDir('auth-ffmpeg'));
    source = await generateFlv(dir, 'source.flv', { seconds: 2, gop: 25 });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('ffmpeg publishes with rtmp://admin:secret@host/live/x (Adobe, three connects) and an authenticated ffmpeg player gets every packet', async () => {
    const { server, port, connects, publishes } = await authServer();
    const out = join(dir, 'relay.flv');
    const played = once(server, 'play');
    const playerProc = ffmpeg([...RTMP_INPUT_PROBE, '-i', `rtmp://${USER}:${PASS}@127.0.0.1:${port}/live/x`, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await played;
    const unpublished = once(server, 'unpublish');
    const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://${USER}:${PASS}@127.0.0.1:${port}/live/x`]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    await unpublished;
    await server.close();
    const playedResult = await playerProc.exited;
    assert.equal(playedResult.code, 0, playedResult.stderr);
    assert.deepEqual(publishes, ['x']);
    assert.deepEqual(connects.map((c) => c.username), [USER, USER]);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.ok(want.length > 50);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
  });

  for (const [label, userinfo, message] of [
    ['a wrong password', `${USER}:wrong@`, /Incorrect username\/password/],
    ['no credentials', '', /No credentials set/],
  ] as const) {
    it(`ffmpeg with ${label} is refused: non-zero exit, nothing published, a waiting player gets nothing`, async () => {
      const { server, port, connects, publishes } = await authServer();
      const watcher = await player(port, 'x');
      const refusals: string[] = [];
      const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://${userinfo}127.0.0.1:${port}/live/x`]);
      const result = await publisher.exited;
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      refusals.push(...server.registry.isPublished('live', 'x') ? ['published'] : []);
      assert.deepEqual(refusals, []);
      assert.deepEqual(publishes, []);
      assert.equal(connects.length, 1, 'only our player connected');
      // The first media the player sees comes from the legitimate publisher that follows.
      const legit = new Client({ username: USER, password: PASS });
      await legit.connect(`rtmp://127.0.0.1:${port}/live`);
      await legit.publish('x');
      const marker = Buffer.from([0xaf, 0x01, 0x4d, 0x41, 0x52, 0x4b]);
      await legit.writeAudio(marker, 0);
      const first = await nextMedia(watcher);
      assert.deepEqual(first && 'payload' in first ? Buffer.from(first.payload) : null, marker);
      await Promise.all([legit.close(), watcher.close()]);
      await server.close();
    });
  }

  it('ffmpeg authenticates with llnw when the server asks for it', async () => {
    const { server, port, connects, publishes } = await authServer({ auth: { username: USER, password: PASS, methods: ['llnw'] } });
    const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://${USER}:${PASS}@127.0.0.1:${port}/live/x`]);
    const result = await publisher.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(publishes, ['x']);
    assert.deepEqual(connects.map((c) => c.username), [USER]);
    await server.close();
    const wrong = await authServer({ auth: { username: USER, password: PASS, methods: ['llnw'] } });
    const refused = await ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://${USER}:nope@127.0.0.1:${wrong.port}/live/x`]).exited;
    assert.notEqual(refused.code, 0);
    assert.deepEqual(wrong.publishes, []);
    await wrong.server.close();
  });

  it('leaves no process behind', () => {
    assert.equal(runningProcesses(), 0);
  });
});

describe('auth: our client against our server', { timeout: 30_000 }, () => {
  let ctx: Awaited<ReturnType<typeof authServer>>;
  before(async () => {
    ctx = await authServer({
      // The hooks still decide the rest: a token in the query, checked after authentication.
      onConnect(_conn, info) {
        if (info.query.token === 'revoked') throw new Error('token revoked');
      },
    });
  });
  after(() => ctx.server.close());

  it('authenticates with config username/password and with URL user info', async () => {
    const a = new Client({ username: USER, password: PASS });
    await a.connect(`rtmp://127.0.0.1:${ctx.port}/live`);
    assert.equal(a.state, 'connected');
    const b = new Client();
    await b.connect(`rtmp://${USER}:${PASS}@127.0.0.1:${ctx.port}/live/x`);
    await b.publish();
    assert.equal(b.state, 'publishing');
    const connected = ctx.server.connections.filter((c) => c.connected);
    assert.deepEqual(connected.map((c) => c.connectInfo?.username), [USER, USER]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a wrong password or none is ERR_CONNECT_REJECTED', async () => {
    const wrong = new Client({ username: USER, password: 'wrong' });
    await assert.rejects(wrong.connect(`rtmp://127.0.0.1:${ctx.port}/live`), (err) => {
      assert.ok(isRtmpError(err, 'ERR_CONNECT_REJECTED'));
      assert.match(errorInfo(err).description ?? '', /reason=authfailed/);
      return true;
    });
    const none = new Client();
    await assert.rejects(none.connect(`rtmp://127.0.0.1:${ctx.port}/live`), (err) => {
      assert.ok(isRtmpError(err, 'ERR_CONNECT_REJECTED'));
      assert.match(errorInfo(err).description ?? '', /code=403 need auth; authmod=adobe/);
      return true;
    });
  });

  it('llnw: our client answers a server that asks for it (and fails with a wrong password)', async () => {
    const llnw = await authServer({ auth: { username: USER, password: PASS, methods: ['llnw'] } });
    try {
      const client = new Client();
      await client.connect(`rtmp://${USER}:${PASS}@127.0.0.1:${llnw.port}/live/inst`);
      assert.deepEqual(llnw.connects.map((c) => [c.username, c.app]), [[USER, 'live']]);
      await client.close();
      const wrong = new Client({ username: USER, password: 'nope' });
      await assert.rejects(wrong.connect(`rtmp://127.0.0.1:${llnw.port}/live`), (err) => /reason=authfailed/.test(errorInfo(err).description ?? ''));
    } finally {
      await llnw.server.close();
    }
  });

  it('after authentication onConnect still decides (a revoked token is refused with its message)', async () => {
    const client = new Client({ username: USER, password: PASS });
    await assert.rejects(client.connect(`rtmp://127.0.0.1:${ctx.port}/live?token=revoked`), (err) => {
      assert.equal(errorInfo(err).description, 'token revoked');
      return true;
    });
    const ok = new Client({ username: USER, password: PASS });
    await ok.connect(`rtmp://127.0.0.1:${ctx.port}/live?token=fine`);
    await ok.close();
  });
});

describe('auth: command-order attacks with a raw client', { timeout: 30_000 }, () => {
  let ctx: Awaited<ReturnType<typeof authServer>>;
  const clients: RawClient[] = [];
  before(async () => {
    ctx = await authServer();
  });
  after(async () => {
    await closeAll(...clients);
    await ctx.server.close();
  });

  const raw = async (): Promise<RawClient> => {
    const c = await connectRaw(ctx.port);
    clients.push(c);
    return c;
  };
  const statuses = (c: RawClient): string[] =>
    c.received.filter((e): e is CommandEvent => e.kind === 'command' && e.name === 'onStatus').map((e) => (e.args[0] as { code: string }).code);

  it('createStream, publish, play and media without connect are refused and reach no one', async () => {
    const watcher = await player(ctx.port, 'stolen');
    const c = await raw();
    await assert.rejects(c.call('createStream', null), (err) => errorInfo(err).description === 'connect first');
    c.command('publish', 0, null, ['stolen', 'live'], 1);
    c.command('play', 0, null, ['stolen', -2], 1);
    c.send({ kind: 'audio', streamId: 1, timestamp: 0, payload: Buffer.from([0xaf, 0x01, 0x00]) });
    c.send({ kind: 'video', streamId: 1, timestamp: 0, payload: Buffer.from([0x17, 0x01, 0, 0, 0, 0]) });
    // A call after them: its answer means everything before it was handled.
    await assert.rejects(c.call('FCPublish', null, ['stolen']));
    assert.deepEqual(statuses(c), []);
    assert.equal(ctx.server.registry.isPublished('live', 'stolen'), false);
    assert.deepEqual(ctx.publishes, []);
    const watcherConn = ctx.server.connections.find((s) => s.subscribers.length > 0)!;
    assert.equal(watcherConn.subscribers[0]!.stats.sentMessages, 0);
    await watcher.close();
  });

  it('commands pipelined behind a refused connect are refused, and the connection closes', async () => {
    const c = await raw();
    const closed = once(c, 'close');
    const connect = c.connect({ app: 'live', tcUrl: `rtmp://127.0.0.1:${ctx.port}/live` });
    const created = c.call('createStream', null);
    c.command('publish', 0, null, ['piped', 'live'], 1);
    await assert.rejects(connect, (err) => /need auth/.test(errorInfo(err).description ?? ''));
    await assert.rejects(created);
    await closed;
    assert.deepEqual(statuses(c), []);
    assert.deepEqual(ctx.publishes, []);
  });

  it('a forged response, an unknown opaque and a replayed response are refused', async () => {
    const forged = await raw();
    await assert.rejects(
      forged.connect({ app: 'live?authmod=adobe&user=admin&challenge=00000000&response=AAAAAAAAAAAAAAAAAAAAAA==&opaque=deadbeef' }),
      (err) => /reason=authfailed/.test(errorInfo(err).description ?? ''),
    );
    // A real challenge, answered correctly once (accepted), then replayed (refused).
    const step2 = await raw();
    let description = '';
    await assert.rejects(step2.connect({ app: 'live?authmod=adobe&user=admin' }), (err) => {
      description = errorInfo(err).description ?? '';
      return /reason=needauth/.test(description);
    });
    const step = nextAuthStep(description, { username: USER, password: PASS }, false);
    assert.equal(step?.kind, 'retry');
    const params = step!.kind === 'retry' ? step!.params : '';
    const before = ctx.connects.length;
    const good = await raw();
    await good.connect({ app: `live?${params}`, tcUrl: `rtmp://127.0.0.1:${ctx.port}/live?${params}` });
    const replay = await raw();
    await assert.rejects(replay.connect({ app: `live?${params}` }), (err) => /reason=authfailed/.test(errorInfo(err).description ?? ''));
    assert.equal(ctx.connects.length, before + 1, 'only the first use of the response connected');
  });

  it('a second connect on a refused connection is ignored', async () => {
    const c = await raw();
    const closed = once(c, 'close');
    const first = c.connect({ app: 'live' });
    const second = c.call('connect', { app: 'live?authmod=adobe&user=admin' });
    await assert.rejects(first);
    // No answer at all (not even a challenge): the connection closed with the call pending.
    await assert.rejects(second, (err) => isRtmpError(err, 'ERR_SESSION_CLOSED'));
    await closed;
  });

  it('an authenticated connection publishes normally', async () => {
    const conn = once(ctx.server, 'connect') as Promise<[ServerConnection, ConnectInfo]>;
    const client = new Client({ username: USER, password: PASS });
    await client.connect(`rtmp://127.0.0.1:${ctx.port}/live`);
    const [, info] = await conn;
    assert.equal(info.username, USER);
    assert.equal(info.app, 'live');
    await client.publish('ok');
    assert.equal(ctx.server.registry.isPublished('live', 'ok'), true);
    await client.close();
  });
});
