/**
 * The client's side of the Enhanced RTMP v2 connect exchange (veovera enhanced-rtmp v2, "Enhancing
 * NetConnection connect Command"): `enhanced` goes out in the connect command object, the server's
 * answer comes back as `client.serverCapabilities`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, buildConnectObject } from '../../lib/client/client.js';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { Server } from '../../lib/server/index.js';
import { standardReplies, startFakeServer } from './fake-server.js';

const isConnect = (e: RtmpEvent): e is CommandEvent => e.kind === 'command' && e.name === 'connect';
const ENHANCED = {
  fourCcList: ['hvc1', 'av01', 'Opus'],
  videoFourCcInfoMap: { hvc1: 3, av01: 1 }, // CanDecode|CanEncode, CanDecode
  audioFourCcInfoMap: { '*': 4 }, // CanForward
  capsEx: 0x06, // Multitrack | ModEx
};

test('buildConnectObject adds the Enhanced fields after the legacy ones; connectFields still win; none without `enhanced`', () => {
  const target = { app: 'live', tcUrl: 'rtmp://h/live' };
  const object = buildConnectObject(target, { enhanced: ENHANCED });
  assert.deepEqual(Object.keys(object).slice(-4), ['fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx']);
  assert.deepEqual(object.fourCcList, ['hvc1', 'av01', 'Opus']);
  assert.equal(buildConnectObject(target, { enhanced: ENHANCED, connectFields: { capsEx: 1 } }).capsEx, 1);
  const legacy = buildConnectObject(target, {});
  for (const key of ['fourCcList', 'videoFourCcInfoMap', 'audioFourCcInfoMap', 'capsEx']) assert.equal(key in legacy, false, key);
});

test('our client and our server: the fields go out in connect, the relay answer is exposed', async () => {
  const server = new Server({ addr: '127.0.0.1:0' });
  await server.listen();
  const client = new Client({ enhanced: ENHANCED });
  try {
    await client.connect(`rtmp://127.0.0.1:${server.address()!.port}/live`);
    assert.deepEqual(server.connections[0]!.connectInfo!.enhanced, ENHANCED);
    assert.deepEqual(client.serverCapabilities, {
      videoFourCcInfoMap: { '*': 4, avc1: 4, hvc1: 4, av01: 4, vp08: 4, vp09: 4 },
      audioFourCcInfoMap: { '*': 4, mp4a: 4, '.mp3': 4, Opus: 4, fLaC: 4, 'ac-3': 4, 'ec-3': 4 },
      capsEx: 6,
    });
  } finally {
    await client.close();
    await server.close();
  }
});

test('a legacy server (no Enhanced fields in its _result) leaves serverCapabilities undefined; the connect still carried ours', async () => {
  const fake = await startFakeServer((c) => standardReplies(c));
  const client = new Client({ enhanced: { capsEx: 2 } });
  try {
    await client.connect(fake.url('/live'));
    const connect = (await (await fake.connection(0)).find(isConnect)) as CommandEvent;
    assert.equal((connect.commandObject as { capsEx?: number }).capsEx, 2);
    assert.equal(client.serverCapabilities, undefined);
  } finally {
    await client.close();
    await fake.close();
  }
});

test('an answer in the information object (as some servers send it) is read too', async () => {
  const fake = await startFakeServer((c) =>
    standardReplies(c, (e) => {
      if (e.name !== 'connect') return false;
      c.conn.reply(e, { fmsVer: 'FMS/3,5,7,7009', capabilities: 31 }, {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        videoFourCcInfoMap: { hvc1: 4 },
        capsEx: 2,
      });
      return true;
    }),
  );
  const client = new Client({ enhanced: { fourCcList: ['*'] } });
  try {
    await client.connect(fake.url('/live'));
    assert.deepEqual(client.serverCapabilities, { videoFourCcInfoMap: { hvc1: 4 }, capsEx: 2 });
  } finally {
    await client.close();
    await fake.close();
  }
});
