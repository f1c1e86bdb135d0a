import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough, Transform } from 'node:stream';
import { Client, ClientState, buildConnectObject } from '../../lib/client/client.js';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { CommandError, ErrorCode, isRtmpError } from '../../lib/errors.js';
import { MessageType } from '../../lib/message/message-type.js';
import { amf0 } from '../../lib/amf/index.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { acceptConnect, standardReplies, startFakeServer, status, type FakeConnection, type Script } from './fake-server.js';

async function withServer(script: Script, fn: (server: Awaited<ReturnType<typeof startFakeServer>>) => Promise<void>): Promise<void> {
  const server = await startFakeServer(script);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const commandsOf = (messages: Message[]): Message[] =>
  messages.filter((m) => m.type === MessageType.CommandAMF0 || m.type === MessageType.CommandAMF3);
const isCommand = (e: RtmpEvent, name: string): e is CommandEvent => e.kind === 'command' && e.name === name;
const closedOf = (c: FakeConnection): Promise<unknown> => (c.conn.closed ? Promise.resolve() : once(c.conn, 'close'));
const rejectsWith = (code: string) => (err: unknown) => isRtmpError(err) && err.code === code;

test('connect sends the connect command like Flash/ffmpeg, then our Set Chunk Size; state walks handshaking → connected', async () => {
  await withServer(
    (c) => standardReplies(c, undefined, { onBWDone: true }),
    async (server) => {
      const client = new Client({ flashVer: 'FMLE/3.0 (compatible; test)' });
      const states: string[] = [];
      client.on('state', (s: string) => states.push(s));
      await client.connect(server.url('/live/inst/key?t=1'));
      assert.deepEqual(states, ['handshaking', 'connecting', 'connected']);
      assert.equal(client.state, ClientState.Connected);
      const c = await server.connection(0);
      const connect = c.events.find((e) => isCommand(e, 'connect')) as CommandEvent;
      assert.equal(connect.transactionId, 1);
      assert.equal(connect.streamId, 0);
      assert.deepEqual(connect.commandObject, {
        app: 'live/inst',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; test)',
        tcUrl: `rtmp://127.0.0.1:${server.port}/live/inst`,
        fpad: false,
        capabilities: 15,
        audioCodecs: 4071,
        videoCodecs: 252,
        videoFunction: 1,
      });
      assert.equal(c.received[0]!.type, MessageType.CommandAMF0, 'connect is the first message, in AMF0');
      // onBWDone is answered with _checkbw; Set Peer Bandwidth with Window Ack Size; then Set Chunk Size 4096.
      const checkbw = await c.nextCommand('_checkbw');
      assert.ok(checkbw.transactionId > 1, "checkbw.transactionId > 1");
      const types = c.received.map((m) => m.type);
      assert.ok(types.includes(MessageType.WindowAcknowledgementSize), "types.includes(MessageType.WindowAcknowledgementSize)");
      const scs = c.received.find((m) => m.type === MessageType.SetChunkSize)!;
      assert.equal(scs.data.readUInt32BE(0), 4096);
      await client.close();
      assert.equal(client.state, ClientState.Disconnected);
    },
  );
});

test('buildConnectObject: objectEncoding only when 3, extra fields merged', () => {
  const target = { app: 'a', tcUrl: 'rtmp://h/a' };
  assert.equal('objectEncoding' in buildConnectObject(target, {}), false);
  assert.equal(buildConnectObject(target, { objectEncoding: 3 }).objectEncoding, 3);
  assert.equal(buildConnectObject(target, { connectFields: { supportsGoAway: true } }).supportsGoAway, true);
  assert.match(String(buildConnectObject(target, {}).flashVer), /^FMLE\/3\.0 \(compatible; /);
});

test('windowAckSize and chunkSize options are announced after connect', async () => {
  await withServer(
    (c) => standardReplies(c),
    async (server) => {
      const client = new Client({ windowAckSize: 1_000_000, chunkSize: 60000 });
      await client.connect(server.url('/live'));
      // A call makes sure everything sent before it has arrived.
      const c = await server.connection(0);
      await client.close();
      await closedOf(c);
      const was = c.received.filter((m) => m.type === MessageType.WindowAcknowledgementSize).map((m) => m.data.readUInt32BE(0));
      assert.ok(was.includes(1_000_000), "was.includes(1_000_000)");
      assert.equal(c.received.find((m) => m.type === MessageType.SetChunkSize)!.data.readUInt32BE(0), 60000);
    },
  );
});

test('a refused connect rejects with CONNECT_REJECTED carrying the server info; state error', async () => {
  await withServer(
    async (c) => {
      const connect = await c.nextCommand('connect');
      c.conn.reply(connect, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'go away' }, true);
    },
    async (server) => {
      const client = new Client();
      await assert.rejects(client.connect(server.url('/live')), (err: unknown) => {
        assert.ok(err instanceof CommandError, "err instanceof CommandError");
        assert.equal(err.code, ErrorCode.CONNECT_REJECTED);
        assert.match(err.message, /go away/);
        assert.deepEqual(err.info, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'go away' });
        return true;
      });
      assert.equal(client.state, ClientState.Error);
    },
  );
});

test('connectTimeout: a server that never answers connect → CONNECT_TIMEOUT', async () => {
  await withServer(
    async (c) => {
      await c.nextCommand('connect'); // and never answer
    },
    async (server) => {
      const client = new Client({ connectTimeout: 150 });
      await assert.rejects(client.connect(server.url('/live')), rejectsWith(ErrorCode.CONNECT_TIMEOUT));
      assert.equal(client.state, ClientState.Error);
      assert.equal(client.connection?.closed, true);
    },
  );
});

test('AbortSignal: aborting connect rejects with signal.reason and closes; an aborted signal never connects', async () => {
  let seen!: (c: FakeConnection) => void;
  const gotConnect = new Promise<FakeConnection>((r) => (seen = r));
  await withServer(
    async (c) => {
      await c.nextCommand('connect');
      seen(c);
    },
    async (server) => {
      const client = new Client();
      const controller = new AbortController();
      const pending = client.connect(server.url('/live'), { signal: controller.signal });
      const c = await gotConnect;
      const reason = new Error('user gave up');
      controller.abort(reason);
      await assert.rejects(pending, (err: unknown) => err === reason);
      assert.equal(client.state, ClientState.Disconnected);
      await closedOf(c);
      await assert.rejects(client.connect(server.url('/live'), { signal: AbortSignal.abort() }), { name: 'AbortError' });
      assert.equal(server.connections.length, 1);
    },
  );
});

test('bad URL, nothing listening, and calls before connect fail with clear errors', async () => {
  const client = new Client();
  await assert.rejects(client.connect('http://h/live'), rejectsWith(ErrorCode.INVALID_URL));
  await assert.rejects(client.connect('rtmp://127.0.0.1:1/live'), rejectsWith(ErrorCode.SESSION_CLOSED));
  assert.equal(client.state, ClientState.Error);
  await assert.rejects(client.publish('x'), rejectsWith(ErrorCode.SESSION_STATE));
  await assert.rejects(client.call('x'), rejectsWith(ErrorCode.SESSION_STATE));
  await assert.rejects(client.writeMessage(createMessage(4, 1, MessageType.Audio, Buffer.alloc(1))), rejectsWith(ErrorCode.SESSION_STATE));
  assert.equal(await client.readMessage(), null);
  assert.throws(() => new Client({ objectEncoding: 1 as 0 }), rejectsWith(ErrorCode.INVALID_OPTION));
  await client.close();
  assert.equal(client.state, ClientState.Disconnected);
});

test('publish: releaseStream, FCPublish, createStream pipelined, publish on the new stream; media on it; close says goodbye', async () => {
  await withServer(
    (c) => standardReplies(c),
    async (server) => {
      const client = new Client({ streamName: 'fallback' });
      await client.connect(server.url('/live/key'));
      const streamId = await client.publish(undefined, 'record');
      assert.equal(streamId, 1);
      assert.equal(client.state, ClientState.Publishing);
      assert.equal(client.publishStreamId, 1);
      await client.writeMetadata({ width: 320, height: 240 });
      await client.writeVideo(Buffer.from([0x17, 0, 0, 0, 0, 1, 2]), 0);
      await client.writeAudio(Buffer.from([0xaf, 1, 9]), 23);
      await client.writeMessage(createMessage(4, 0, MessageType.Audio, Buffer.from([0xaf, 1, 8]), 46));
      await client.writeMessage(createMessage(3, 0, MessageType.CommandAMF0, amf0.encode('abc', 0, null)));
      const c = await server.connection(0);
      await client.close();
      await closedOf(c);
      const names = c.events.filter((e): e is CommandEvent => e.kind === 'command').map((e) => [e.name, e.streamId, e.args]);
      assert.deepEqual(names.slice(1, 5), [
        ['releaseStream', 0, ['key']],
        ['FCPublish', 0, ['key']],
        ['createStream', 0, []],
        ['publish', 1, ['key', 'record']],
      ]);
      const publish = c.events.find((e) => isCommand(e, 'publish')) as CommandEvent;
      assert.equal(publish.transactionId, 0);
      const media = c.events.filter((e) => e.kind !== 'command' && e.kind !== 'protocolControl' && e.kind !== 'userControl');
      assert.deepEqual(
        media.map((e) => [e.kind, e.streamId, e.timestamp]),
        [['data', 1, 0], ['video', 1, 0], ['audio', 1, 23], ['audio', 1, 46]],
      );
      const meta = media[0] as Extract<RtmpEvent, { kind: 'data' }>;
      assert.equal(meta.name, '@setDataFrame');
      assert.deepEqual(meta.values, ['onMetaData', { width: 320, height: 240 }]);
      const metaMessage = c.received.find((m) => m.type === MessageType.DataAMF0)!;
      assert.ok(metaMessage.data.includes(Buffer.from([0x08])), 'metadata travels as an ECMA array');
      // A raw command message passes as given, on stream 0.
      assert.ok(c.events.some((e) => isCommand(e, 'abc') && e.streamId === 0), "c.events.some((e) => isCommand(e, 'abc') && e.streamId === 0)");
      // Goodbye: FCUnpublish then deleteStream(1).
      const tail = names.slice(-2);
      assert.deepEqual(tail, [['FCUnpublish', 0, ['key']], ['deleteStream', 0, [1]]]);
      assert.equal(client.state, ClientState.Disconnected);
    },
  );
});

test('publish refused by an error status (BadName) → PUBLISH_REJECTED; the client stays connected', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'publish') return false;
        status(c, e.streamId, 'error', 'NetStream.Publish.BadName', 'key is already published');
        return true;
      }),
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live'));
      await assert.rejects(client.publish('key'), (err: unknown) => {
        assert.ok(err instanceof CommandError && err.code === ErrorCode.PUBLISH_REJECTED, "err instanceof CommandError && err.code === ErrorCode.PUBLISH_REJECTED");
        assert.match(err.message, /BadName/);
        assert.equal((err.info as { code: string }).code, 'NetStream.Publish.BadName');
        return true;
      });
      assert.equal(client.state, ClientState.Connected);
      await assert.rejects(client.writeAudio(Buffer.alloc(2), 0), rejectsWith(ErrorCode.SESSION_STATE));
      await client.close();
    },
  );
});

test('publish refused by _error (transaction 0), and play refused with Play.StreamNotFound → PLAY_REJECTED', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name === 'publish') {
          c.conn.send({ kind: 'command', streamId: e.streamId, timestamp: 0, name: '_error', transactionId: 0, commandObject: null, args: [{ level: 'error', code: 'NetStream.Publish.Denied' }] });
          return true;
        }
        if (e.name === 'play') {
          status(c, e.streamId, 'error', 'NetStream.Play.StreamNotFound', 'no such stream');
          return true;
        }
        return false;
      }),
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live'));
      await assert.rejects(client.publish('key'), rejectsWith(ErrorCode.PUBLISH_REJECTED));
      await assert.rejects(client.subscribe('nope'), (err: unknown) => {
        assert.ok(isRtmpError(err, ErrorCode.PLAY_REJECTED), "isRtmpError(err, ErrorCode.PLAY_REJECTED)");
        assert.match((err as Error).message, /StreamNotFound/);
        return true;
      });
      assert.equal(client.state, ClientState.Connected);
      await client.close();
    },
  );
});

test('a publish status that never comes → COMMAND_TIMEOUT; a publish status on stream 0 is accepted', async () => {
  let publishes = 0;
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'publish') return false;
        if (publishes++ === 1) status(c, 0, 'status', 'NetStream.Publish.Start');
        return true;
      }),
    async (server) => {
      const client = new Client({ commandTimeout: 100 });
      await client.connect(server.url('/live'));
      await assert.rejects(client.publish('a'), rejectsWith(ErrorCode.COMMAND_TIMEOUT));
      assert.equal(await client.publish('b'), 2);
      await client.close();
    },
  );
});

test('play: createStream, play(name, -2) on the new stream, Set Buffer Length; messages then readable in order', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'play') return false;
        c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: e.streamId } });
        status(c, e.streamId, 'status', 'NetStream.Play.Reset');
        status(c, e.streamId, 'status', 'NetStream.Play.Start');
        c.conn.send({ kind: 'data', streamId: e.streamId, timestamp: 0, name: 'onMetaData', values: [{ width: 2 }] });
        for (let i = 0; i < 5; i++) {
          c.conn.send({ kind: 'video', streamId: e.streamId, timestamp: i * 40, payload: Buffer.from([0x27, 1, i]) });
        }
        return true;
      }),
    async (server) => {
      const client = new Client({ bufferLength: 1500 });
      const statuses: string[] = [];
      client.on('status', (info) => statuses.push(String(info.code)));
      await client.connect(server.url('/live/cam'));
      assert.equal(await client.play(undefined, { start: -1, duration: 10, reset: true }), 1);
      assert.equal(client.state, ClientState.Subscribing);
      assert.equal(client.playStreamId, 1);
      const kinds: string[] = [];
      const first = await client.readMessage();
      assert.equal(first!.type, MessageType.UserControl);
      let videos = 0;
      for await (const message of client) {
        kinds.push(String(message.type));
        if (message.type === MessageType.Video) {
          assert.deepEqual([...message.data], [0x27, 1, videos]);
          assert.equal(message.messageStreamId, 1);
          assert.equal(message.timestamp, videos * 40);
          if (++videos === 5) break;
        }
      }
      assert.deepEqual(kinds, ['20', '20', '18', '9', '9', '9', '9', '9']);
      assert.deepEqual(statuses, ['NetStream.Play.Reset', 'NetStream.Play.Start']);
      const c = await server.connection(0);
      const play = c.events.find((e) => isCommand(e, 'play')) as CommandEvent;
      assert.deepEqual([play.streamId, play.transactionId, play.args], [1, 0, ['cam', -1, 10, true]]);
      const sbl = await c.next((e) => e.kind === 'userControl' && e.event.event === 'SetBufferLength');
      assert.deepEqual((sbl as Extract<RtmpEvent, { kind: 'userControl' }>).event, { event: 'SetBufferLength', streamId: 1, bufferLength: 1500 });
      await client.close();
      const deleted = await c.nextCommand('deleteStream');
      assert.deepEqual(deleted.args, [1]);
    },
  );
});

test('call(): _result resolves with the reply, _error rejects with COMMAND_FAILED and the info', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name === 'add') {
          c.conn.reply(e, null, (e.args[0] as number) + (e.args[1] as number));
          return true;
        }
        if (e.name === 'fail') {
          c.conn.reply(e, null, { level: 'error', code: 'NetConnection.Call.Failed', description: 'nope' }, true);
          return true;
        }
        return false;
      }),
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live'));
      const reply = await client.call('add', [2, 3]);
      assert.equal(reply.name, '_result');
      assert.deepEqual(reply.args, [5]);
      await assert.rejects(client.call('fail'), (err: unknown) => {
        assert.ok(err instanceof CommandError && err.code === ErrorCode.COMMAND_FAILED, "err instanceof CommandError && err.code === ErrorCode.COMMAND_FAILED");
        assert.deepEqual(err.info, { level: 'error', code: 'NetConnection.Call.Failed', description: 'nope' });
        return true;
      });
      await client.close();
    },
  );
});

test('server → client calls: registered handlers answer (sync, async, throwing); unknown calls get _error', async () => {
  let server!: Awaited<ReturnType<typeof startFakeServer>>;
  let results!: (r: CommandEvent[]) => void;
  const done = new Promise<CommandEvent[]>((r) => (results = r));
  const script: Script = async (c) => {
    acceptConnect(c, await c.nextCommand('connect'));
    const calls = ['double', 'later', 'broken', 'mystery'].map((name, i) =>
      c.conn.call(name, null, [21]).then(
        (r) => r,
        (err: CommandError) => ({ name: '_error', info: err.info, i }) as unknown as CommandEvent,
      ),
    );
    c.conn.notify('hello', null, ['no answer expected']);
    results(await Promise.all(calls));
  };
  server = await startFakeServer(script);
  try {
    const client = new Client();
    client.registerCommand('double', (args) => (args[0] as number) * 2);
    client.registerCommand('later', async (args) => `got ${String(args[0])}`);
    client.registerCommand('broken', () => {
      throw new Error('handler broke');
    });
    let heard!: (args: unknown[]) => void;
    const hello = new Promise<unknown[]>((r) => (heard = r));
    client.registerCommand('hello', (args) => heard(args));
    client.registerCommand('gone', () => 1);
    client.unregisterCommand('gone');
    await client.connect(server.url('/live'));
    const [double, later, broken, mystery] = await done;
    assert.deepEqual(double!.args, [42]);
    assert.deepEqual(later!.args, ['got 21']);
    assert.deepEqual((broken as unknown as { info: unknown }).info, { level: 'error', code: 'NetConnection.Call.Failed', description: 'handler broke' });
    assert.deepEqual((mystery as unknown as { info: unknown }).info, { level: 'error', code: 'NetConnection.Call.Failed', description: 'Method not found (mystery)' });
    // A transaction-0 notification reaches its handler and gets no answer.
    assert.deepEqual(await hello, ['no answer expected']);
    await client.close();
    const c = server.connections[0]!;
    assert.equal(c.events.filter((e) => e.kind === 'command' && e.transactionId === 0 && e.name.startsWith('_')).length, 0);
  } finally {
    await server.close();
  }
});

test('pings are answered and acknowledgements sent when the window is crossed', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'connect') return false;
        acceptConnect(c, e);
        c.conn.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.WindowAcknowledgementSize, windowSize: 4000 } });
        c.conn.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'PingRequest', timestamp: 1234 } });
        for (let i = 0; i < 3; i++) c.conn.send({ kind: 'video', streamId: 1, timestamp: i, payload: Buffer.alloc(3000, i) });
        return true;
      }),
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live'));
      const c = await server.connection(0);
      const pong = await c.find((e) => e.kind === 'userControl' && e.event.event === 'PingResponse');
      assert.deepEqual((pong as Extract<RtmpEvent, { kind: 'userControl' }>).event, { event: 'PingResponse', timestamp: 1234 });
      const ack = await c.find((e) => e.kind === 'protocolControl' && e.control.type === MessageType.Acknowledgement);
      const sequence = (ack as { control: { sequenceNumber: number } }).control.sequenceNumber;
      assert.ok(sequence >= 4000 && sequence <= 4000 + 9000 + 4096, `acknowledged ${sequence} bytes`);
      await client.close();
    },
  );
});

test('objectEncoding 3 (interop 7g): connect asks for it, everything after travels as AMF3 (type 17) both ways', async () => {
  let conn!: FakeConnection;
  await withServer(
    (c) => {
      conn = c;
      return standardReplies(c, undefined, { onBWDone: true });
    },
    async (server) => {
      const client = new Client({ objectEncoding: 3 });
      await client.connect(server.url('/live'));
      assert.equal(client.connection!.encoding.objectEncoding, 3);
      await client.publish('a');
      const player = new Client({ objectEncoding: 3 });
      await player.connect(server.url('/live'));
      await player.play('a');
      await client.call('createStream');
      await player.call('createStream');
      for (const [i, c] of server.connections.entries()) {
        const connect = c.events.find((e) => isCommand(e, 'connect')) as CommandEvent;
        assert.equal((connect.commandObject as { objectEncoding: number }).objectEncoding, 3);
        const sent = commandsOf(c.received);
        // RTMP 1.0 §7.2.1.1: connect itself is AMF0; the rest follows the negotiated encoding.
        assert.equal(sent[0]!.type, MessageType.CommandAMF0, `connection ${i}: connect`);
        assert.ok(sent.length >= 4, "sent.length >= 4");
        for (const m of sent.slice(1)) assert.equal(m.type, MessageType.CommandAMF3, `connection ${i}: a command after connect`);
        // What the server sent: _result of connect, onBWDone, createStream's _result, status: all type 17.
        const replies = commandsOf(c.sent);
        assert.ok(replies.length >= 4, "replies.length >= 4");
        for (const m of replies) assert.equal(m.type, MessageType.CommandAMF3, `connection ${i}: a server command`);
        // Type 17 starts with the format byte 0, then AMF0 values, objects switching to AMF3 (0x11).
        const status = replies.find((m) => m.data.includes(Buffer.from('onStatus')))!;
        assert.equal(status.data[0], 0);
        assert.ok(status.data.includes(0x11), "status.data.includes(0x11)");
      }
      const names = server.connections.flatMap((c) => c.events.filter((e): e is CommandEvent => e.kind === 'command').map((e) => e.name));
      for (const n of ['releaseStream', 'FCPublish', 'createStream', 'publish', 'play', '_checkbw']) assert.ok(names.includes(n), n);
      assert.equal(conn.conn.encoding.objectEncoding, 3);
      await player.close();
      await client.close();
    },
  );
});

test('Adobe authentication: three connects, the response checked by the server', async () => {
  const apps: string[] = [];
  await withServer(
    async (c) => {
      const connect = await c.nextCommand('connect');
      const { app, tcUrl } = connect.commandObject as { app: string; tcUrl: string };
      apps.push(app);
      assert.ok(tcUrl.endsWith(app), "tcUrl.endsWith(app)");
      const refuse = (description: string): void => {
        c.conn.reply(connect, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description }, true);
      };
      if (!app.includes('authmod=adobe')) return refuse('[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ');
      // Not URLSearchParams: base64 responses carry '+', which it would read as a space.
      const query = new Map(app.slice(app.indexOf('?') + 1).split('&').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      if (!query.has('response')) {
        return refuse(`[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=${query.get('user')}&salt=s4lt&challenge=ch&opaque=op`);
      }
      const { adobeResponse } = await import('../../lib/client/adobe-auth.js');
      const expected = adobeResponse('bob', 'pw', 's4lt', 'op', query.get('challenge')!);
      if (query.get('response') !== expected || query.get('opaque') !== 'op') return refuse('[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=authfailed&opaque=op');
      acceptConnect(c, connect);
      await standardReplies(c);
    },
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live/key').replace('rtmp://', 'rtmp://bob:pw@'));
      assert.equal(client.state, ClientState.Connected);
      assert.equal(apps.length, 3);
      assert.equal(apps[0], 'live');
      assert.equal(apps[1], 'live?authmod=adobe&user=bob');
      assert.match(apps[2]!, /^live\?authmod=adobe&user=bob&challenge=[0-9a-f]{8}&response=[^&]+&opaque=op$/);
      await client.close();
      const wrong = new Client({ username: 'bob', password: 'bad' });
      await assert.rejects(wrong.connect(server.url('/live')), (err: unknown) => {
        assert.ok(isRtmpError(err, ErrorCode.CONNECT_REJECTED), "isRtmpError(err, ErrorCode.CONNECT_REJECTED)");
        assert.match((err as Error).message, /wrong username or password/);
        return true;
      });
      const none = new Client();
      await assert.rejects(none.connect(server.url('/live')), /credentials/);
    },
  );
});

/** Counts chunks and passes each one on untouched. */
function chunkCounter(): Transform & { count: number; bytes: number } {
  const t = new Transform({
    objectMode: true,
    highWaterMark: 16,
    transform(chunk: Chunk, _enc, callback) {
      t.count++;
      t.bytes += chunk.payload.length;
      callback(null, chunk);
    },
  }) as Transform & { count: number; bytes: number };
  t.count = 0;
  t.bytes = 0;
  return t;
}

test('splicing: chunk-boundary taps count chunks without changing a byte; wrong modes are refused naming the boundary', async () => {
  const big = Buffer.alloc(10000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'play') return false;
        status(c, e.streamId, 'status', 'NetStream.Play.Start');
        c.conn.send({ kind: 'video', streamId: e.streamId, timestamp: 0, payload: big });
        return true;
      }),
    async (server) => {
      const inbound = chunkCounter();
      const client = new Client({ stages: { inbound: { chunks: inbound } } });
      await client.connect(server.url('/live'));
      const outbound = chunkCounter();
      client.splice('outbound', 'chunks', outbound);
      await client.play('s');
      const event = await client.events().next();
      let video = event.value as RtmpEvent;
      while (video.kind !== 'video') video = (await client.readEvent())!;
      assert.deepEqual((video as { payload: Buffer }).payload, big);
      // The server chunks at 4096: the 10000-byte video is 3 chunks, and every chunk was seen.
      assert.ok(inbound.count >= 3 + 4, "inbound.count >= 3 + 4");
      assert.ok(inbound.bytes >= big.length, "inbound.bytes >= big.length");
      assert.ok(outbound.count >= 2, 'createStream and play went through the live-spliced tap');

      assert.throws(
        () => client.splice('inbound', 'chunks', new PassThrough()),
        (err: Error) => isRtmpError(err, ErrorCode.STAGE_MODE_MISMATCH) && /inbound chunks boundary/.test(err.message),
      );
      assert.throws(
        () => client.splice('outbound', 'bytes', new PassThrough({ objectMode: true })),
        (err: Error) => isRtmpError(err, ErrorCode.STAGE_MODE_MISMATCH) && /outbound bytes boundary/.test(err.message),
      );
      await client.close();
      assert.throws(() => client.splice('inbound', 'chunks', chunkCounter()), rejectsWith(ErrorCode.SESSION_STATE));
      const wrong = new Client({ stages: { inbound: { messages: new PassThrough() } } });
      await assert.rejects(wrong.connect(server.url('/live')), (err: Error) => /inbound messages boundary/.test(err.message));
    },
  );
});

test('backpressure: writes resolve only as the socket drains; nothing is lost', async () => {
  await withServer(
    (c) => standardReplies(c),
    async (server) => {
      const client = new Client({ highWaterMark: 4 });
      await client.connect(server.url('/live'));
      await client.publish('bp');
      const c = await server.connection(0);
      c.conn.socket.pause();
      const frame = Buffer.alloc(256 * 1024, 1);
      let settled = 0;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 128; i++) writes.push(client.writeVideo(frame, i).then(() => void settled++));
      await new Promise((r) => setImmediate(r));
      assert.ok(settled < 128, `writes waited for the paused reader (${settled} of 128 settled)`);
      c.conn.socket.resume();
      await Promise.all(writes);
      await client.call('createStream');
      const videos = c.events.filter((e) => e.kind === 'video');
      assert.equal(videos.length, 128);
      assert.ok(videos.every((e, i) => e.timestamp === i && (e as { payload: Buffer }).payload.equals(frame)), "videos.every((e, i) => e.timestamp === i && (e as { payload: Buffer }).payload.equals(frame))");
      await client.close();
    },
  );
});

test('the server closing the connection: close event, state disconnected, pending waits rejected, reads end', async () => {
  await withServer(
    (c) =>
      standardReplies(c, (e) => {
        if (e.name !== 'play') return false;
        c.conn.close();
        return true;
      }),
    async (server) => {
      const client = new Client();
      await client.connect(server.url('/live'));
      const closed = once(client, 'close');
      await assert.rejects(client.play('x'), (err: unknown) => isRtmpError(err));
      await closed;
      assert.equal(client.state, ClientState.Disconnected);
      assert.equal(await client.readMessage(), null);
      // A client can connect again.
      await client.connect(server.url('/live'));
      assert.equal(client.state, ClientState.Connected);
      const gone = once(client, 'close');
      client.destroy();
      await gone;
    },
  );
});
