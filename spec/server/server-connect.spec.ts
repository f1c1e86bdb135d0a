import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import type { Message } from '../../lib/message/message.js';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { closeAll, connectRaw } from '../helpers/raw-client.js';

// Tiny AMF0 writers (AMF0 spec §2): enough to hand-build the expected connect `_result`.
const str = (s: string): Buffer => Buffer.concat([Buffer.from([0x02, s.length >> 8, s.length & 0xff]), Buffer.from(s, 'latin1')]); // 0x02 string, u16 length, bytes
const num = (n: number): Buffer => {
  const b = Buffer.alloc(9);
  b[0] = 0x00; // 0x00 number marker, then an IEEE-754 double, big-endian
  b.writeDoubleBE(n, 1);
  return b;
};
const key = (k: string): Buffer => Buffer.concat([Buffer.from([k.length >> 8, k.length & 0xff]), Buffer.from(k, 'latin1')]); // property name: u16 length, bytes (no marker)
const obj = (...props: Array<[string, Buffer]>): Buffer =>
  Buffer.concat([Buffer.from([0x03]), ...props.flatMap(([k, v]) => [key(k), v]), Buffer.from([0x00, 0x00, 0x09])]); // 0x03 object ... 00 00 09 end

/** An inbound tap at the messages boundary that records every message. */
function messageRecorder(into: Message[]): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: 16,
    transform(m: Message, _e, cb) {
      into.push(m);
      cb(null, m);
    },
  });
}

describe('Server: connect and NetConnection commands', { timeout: 20_000 }, () => {
  let server: Server;
  let port: number;
  const refuseApps = new Set(['private']);

  before(async () => {
    server = new Server({
      addr: '127.0.0.1:0',
      chunkSize: 8192,
      windowAckSize: 3_000_000,
      async onConnect(_conn, info) {
        await Promise.resolve();
        if (refuseApps.has(info.app)) throw new Error('private app');
        if (info.query.token === 'bad') throw Object.assign(new Error('bad token'), { statusCode: 'NetConnection.Connect.InvalidApp' });
      },
    });
    server.registerCommand('add', (_conn, cmd) => (cmd.args[0] as number) + (cmd.args[1] as number));
    server.registerCommand('boom', () => {
      throw new Error('handler failed');
    });
    await server.listen();
    port = server.address()!.port;
  });
  after(() => server.close());

  it('answers connect with Window Ack Size, Set Peer Bandwidth, Set Chunk Size, _result, onBWDone — in that order', async () => {
    const messages: Message[] = [];
    const client = await connectRaw(port, { stages: { inbound: { messages: messageRecorder(messages) } } });
    const controls: unknown[] = [];
    client.on('protocolControl', (c) => controls.push(c));
    const result = await client.connect({ flashVer: 'LNX 9,0,124,2' });
    const onBWDone = await client.next((e) => e.kind === 'command' && e.name === 'onBWDone');
    assert.equal((onBWDone as CommandEvent).transactionId, 0);
    // Message order on the wire: 5 Window Ack Size, 6 Set Peer Bandwidth, 1 Set Chunk Size, 20 _result, 20 onBWDone.
    assert.deepEqual(messages.map((m) => m.type), [5, 6, 1, 20, 20]);
    assert.deepEqual(controls, [
      { type: 5, windowSize: 3_000_000 },
      { type: 6, windowSize: 3_000_000, limitType: 2 }, // dynamic
      { type: 1, chunkSize: 8192 },
    ]);
    // Protocol control travels on chunk stream 2, message stream 0 (RTMP 1.0 §5.4).
    for (const m of messages.slice(0, 3)) assert.deepEqual([m.chunkStreamId, m.messageStreamId], [2, 0]);
    assert.deepEqual(result.commandObject, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 });
    assert.deepEqual(result.args, [
      { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 },
    ]);
    // The _result bytes, AMF0 (type 20) on chunk stream 3, message stream 0.
    const resultMessage = messages.find((m) => m.type === 20 && m.data.includes(Buffer.from('_result')))!;
    assert.equal(resultMessage.chunkStreamId, 3);
    assert.equal(resultMessage.messageStreamId, 0);
    const expected = Buffer.concat([
      str('_result'),
      num(1),
      obj(['fmsVer', str('FMS/3,0,1,123')], ['capabilities', num(31)], ['mode', num(1)]),
      obj(['level', str('status')], ['code', str('NetConnection.Connect.Success')], ['description', str('Connection succeeded.')], ['objectEncoding', num(0)]),
    ]);
    assert.equal(resultMessage.data.toString('hex'), expected.toString('hex'));
    const conn = server.connections.find((c) => c.connected)!;
    assert.equal(conn.state, 'connected');
    assert.equal(conn.app, 'live');
    await closeAll(client);
  });

  it('connects in AMF3 when the client asks for objectEncoding 3, and echoes it', async () => {
    const messages: Message[] = [];
    const client = await connectRaw(port, { stages: { inbound: { messages: messageRecorder(messages) } } });
    client.encoding.objectEncoding = 3; // our side sends type 17 commands too
    const result = await client.connect({ objectEncoding: 3 });
    assert.equal((result.args[0] as { objectEncoding: number }).objectEncoding, 3);
    const resultMessage = messages.find((m) => m.type === 17);
    assert.ok(resultMessage, 'the _result came as an AMF3 command message (type 17)');
    const id = await client.createStream();
    assert.equal(id, 1);
    await closeAll(client);
  });

  it('parses app and tcUrl query strings into conn.query', async () => {
    const connected = once(server, 'connect') as Promise<[ServerConnection]>;
    const client = await connectRaw(port);
    await client.connect({ app: 'live?token=abc&x=1', tcUrl: 'rtmp://127.0.0.1/live?token=abc&x=1&y=2' });
    const [conn] = await connected;
    assert.equal(conn.app, 'live');
    assert.deepEqual({ ...conn.query }, { token: 'abc', x: '1', y: '2' });
    assert.equal(conn.remoteAddress, '127.0.0.1');
    assert.match(conn.id, /^\d+$/);
    await closeAll(client);
  });

  it('refuses connect with _error NetConnection.Connect.Rejected when onConnect rejects, then closes', async () => {
    let connectEvents = 0;
    const onConnect = (): void => {
      connectEvents++;
    };
    server.on('connect', onConnect);
    const client = await connectRaw(port);
    let controls = 0;
    client.on('protocolControl', () => controls++);
    const closed = once(client, 'close');
    await assert.rejects(client.connect({ app: 'private' }), (err: Error & { info?: { code?: string; level?: string; description?: string } }) => {
      assert.equal(err.info?.level, 'error');
      assert.equal(err.info?.code, 'NetConnection.Connect.Rejected');
      assert.equal(err.info?.description, 'private app');
      return true;
    });
    await closed;
    // Nothing but the _error came back: no Window Ack Size, no Set Chunk Size.
    assert.deepEqual(client.received.map(describe1), []);
    assert.equal(controls, 0);
    server.off('connect', onConnect);
    assert.equal(connectEvents, 0);
  });

  it('lets a refusing hook choose the status code', async () => {
    const client = await connectRaw(port);
    await assert.rejects(client.connect({ app: 'live?token=bad' }), (err: Error & { info?: { code?: string } }) => {
      assert.equal(err.info?.code, 'NetConnection.Connect.InvalidApp');
      return true;
    });
    await closeAll(client);
  });

  it('answers pipelined releaseStream, FCPublish, createStream, _checkbw, getStreamLength by transaction id', async () => {
    const client = await connectRaw(port);
    await client.connect();
    const replies = Promise.all([
      client.call('releaseStream', null, ['s']),
      client.call('FCPublish', null, ['s']),
      client.call('createStream', null),
      client.call('_checkbw', null),
      client.call('getStreamLength', null, ['s']),
      client.call('FCSubscribe', null, ['s']),
    ]);
    const [release, fcPublish, create, checkbw, length, subscribe] = await replies;
    for (const r of [release, fcPublish, checkbw, subscribe]) assert.equal(r.name, '_result');
    assert.deepEqual(create.args, [1]);
    assert.deepEqual(length.args, [0]);
    // Transaction ids echo the requests (2..7 after connect's 1).
    assert.deepEqual([release, fcPublish, create, checkbw, length, subscribe].map((r) => r.transactionId), [2, 3, 4, 5, 6, 7]);
    await closeAll(client);
  });

  it('answers an unknown command with _error and a registered one with its handler result', async () => {
    const client = await connectRaw(port);
    await client.connect();
    const sum = await client.call('add', null, [2, 3]);
    assert.deepEqual(sum.args, [5]);
    await assert.rejects(client.call('nope', null), (err: Error & { info?: { code?: string; description?: string } }) => {
      assert.equal(err.info?.code, 'NetConnection.Call.Failed');
      assert.match(err.info?.description ?? '', /nope/);
      return true;
    });
    await assert.rejects(client.call('boom', null), /handler failed/);
    await closeAll(client);
  });

  it('refuses commands before connect', async () => {
    const client = await connectRaw(port);
    await assert.rejects(client.call('createStream', null), (err: Error & { info?: { code?: string } }) => err.info?.code === 'NetConnection.Call.Failed');
    await closeAll(client);
  });

  it('can call the client (RPC server → client) and get its _result', async () => {
    const client = await connectRaw(port);
    const connected = once(server, 'connect') as Promise<[ServerConnection]>;
    await client.connect();
    const [conn] = await connected;
    const answer = conn.call('whoAreYou', null, ['?']);
    const request = (await client.next((e) => e.kind === 'command' && e.name === 'whoAreYou')) as CommandEvent;
    client.reply(request, null, 'a raw client');
    const reply = await answer;
    assert.deepEqual(reply.args, ['a raw client']);
    await closeAll(client);
  });
});

function describe1(e: RtmpEvent): string {
  if (e.kind === 'protocolControl') {
    const c = e.control as { type: number; windowSize?: number; chunkSize?: number; limitType?: number };
    return ['protocolControl', c.type, c.windowSize ?? c.chunkSize, c.limitType].filter((x) => x !== undefined).join(':');
  }
  if (e.kind === 'command') return `command:${e.name}:${e.transactionId}`;
  return e.kind;
}
