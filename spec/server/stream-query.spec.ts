/**
 * Stream-name queries (`key?token=abc`): the hooks and events get the clean name and
 * `info.query`; the stream is registered under the clean name; connect-time queries stay on
 * `conn.query`. Checked with our Client and with a real ffmpeg publisher.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { parseStreamRequest, type StreamRequestInfo } from '../../lib/server/stream-query.js';
import { ffmpeg } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';

describe('parseStreamRequest', () => {
  it('splits the name from its query into a plain object', () => {
    assert.deepEqual(parseStreamRequest('key?token=abc'), { name: 'key', info: { query: { token: 'abc' }, requestedName: 'key?token=abc' } });
    assert.deepEqual(parseStreamRequest('key'), { name: 'key', info: { query: {}, requestedName: 'key' } });
    assert.deepEqual(parseStreamRequest('a?x=1&y=%20z&x=2&flag').info.query, { x: '2', y: ' z', flag: '' });
    assert.deepEqual(parseStreamRequest('?t=1'), { name: '', info: { query: { t: '1' }, requestedName: '?t=1' } });
    assert.equal(Object.getPrototypeOf(parseStreamRequest('k?a=1').info.query), Object.prototype);
  });

  it('a __proto__ key is an own property, not the prototype', () => {
    const { query } = parseStreamRequest('k?__proto__=x&constructor=y').info;
    assert.equal(Object.getPrototypeOf(query), Object.prototype);
    assert.deepEqual(Object.keys(query), ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(query, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});

describe('stream-name queries reach the hooks and events', () => {
  let server: Server;
  let port: number;
  const hookCalls: Array<[string, string, StreamRequestInfo]> = [];
  const eventCalls: Array<[string, string, StreamRequestInfo]> = [];
  const connectQueries: Array<Record<string, string>> = [];

  before(async () => {
    server = new Server({
      addr: '127.0.0.1:0',
      onConnect: (conn) => void connectQueries.push({ ...conn.query }),
      onPublish: (_conn: ServerConnection, name, _type, info) => {
        hookCalls.push(['publish', name, info]);
        if (info.query.token !== 'abc') throw new Error('bad token');
      },
      onPlay: (_conn, name, info) => void hookCalls.push(['play', name, info]),
    });
    server.on('publish', (_conn, name, _type, info) => eventCalls.push(['publish', name, info]));
    server.on('play', (_conn, name, info) => eventCalls.push(['play', name, info]));
    await server.listen();
    port = server.address()!.port;
  });
  after(() => server.close());

  it('our Client: publish key?token=abc and play key?viewer=7 meet on "key"', async () => {
    hookCalls.length = 0;
    eventCalls.length = 0;
    connectQueries.length = 0;
    const publisher = new Client();
    const player = new Client();
    try {
      await publisher.connect(`rtmp://127.0.0.1:${port}/live?app=1`);
      assert.deepEqual(connectQueries, [{ app: '1' }], 'connect-time queries stay on conn.query');
      await publisher.publish('key?token=abc');
      await player.connect(`rtmp://127.0.0.1:${port}/live/key?viewer=7`);
      await player.play();
      await publisher.writeVideo(Buffer.from([0x17, 1, 0, 0, 0, 42]), 0);
      let got: Buffer | undefined;
      for await (const e of player.events()) {
        if (e.kind === 'video') {
          got = Buffer.from(e.payload);
          break;
        }
      }
      assert.deepEqual(got, Buffer.from([0x17, 1, 0, 0, 0, 42]), 'the player of "key" gets what "key?token=abc" publishes');
      const expected: Array<[string, string, StreamRequestInfo]> = [
        ['publish', 'key', { query: { token: 'abc' }, requestedName: 'key?token=abc' }],
        ['play', 'key', { query: { viewer: '7' }, requestedName: 'key?viewer=7' }],
      ];
      assert.deepEqual(hookCalls, expected);
      assert.deepEqual(eventCalls, expected);
      assert.ok(server.registry.isPublished('live', 'key'));
      assert.deepEqual(connectQueries.at(-1), {}, "the stream's query is not the connection's");
      // The hook decides on the query: a wrong token is refused.
      const intruder = new Client();
      await intruder.connect(`rtmp://127.0.0.1:${port}/live`);
      await assert.rejects(intruder.publish('other?token=nope'), { code: 'ERR_PUBLISH_REJECTED' });
      await intruder.close();
    } finally {
      await publisher.close();
      await player.close();
    }
  });

  it('ffmpeg publishing to rtmp://host/live/key?token=abc', { timeout: 60_000 }, async () => {
    hookCalls.length = 0;
    eventCalls.length = 0;
    const dir = await tempDir('stream-query');
    try {
      const source = await generateFlv(dir.dir, 'q.flv', { seconds: 1 });
      const published = once(server, 'publish');
      const unpublished = once(server, 'unpublish');
      const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/ffkey?token=abc`]);
      const [, name, type, info] = (await published) as [ServerConnection, string, string, StreamRequestInfo];
      assert.deepEqual([name, type, info], ['ffkey', 'live', { query: { token: 'abc' }, requestedName: 'ffkey?token=abc' }]);
      assert.deepEqual(hookCalls, [['publish', 'ffkey', { query: { token: 'abc' }, requestedName: 'ffkey?token=abc' }]]);
      const [, unpublishedName] = await unpublished;
      assert.equal(unpublishedName, 'ffkey');
      const exit = await publisher.exited;
      assert.equal(exit.code, 0, exit.stderr);
    } finally {
      await dir.remove();
    }
  });
});
