import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { Transform } from 'node:stream';
import type { Chunk } from '../../lib/chunk/chunk.js';
import type { CommandEvent, MediaEvent, RtmpEvent } from '../../lib/command/events.js';
import { CommandError, ErrorCode, isRtmpError } from '../../lib/errors.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { SharedFrame } from '../../lib/chunk/shared-frame.js';
import { RtmpConnection, messageToEvent } from '../../lib/session/connection.js';
import { connectionPair, plainPair } from '../helpers/connection-pair.js';

/** Answers every call: `_result` echoing the name, or `_error` for a call named "fail". */
class Responder extends RtmpConnection {
  protected override handleEvent(event: RtmpEvent): void {
    if (event.kind === 'command' && event.transactionId > 0) {
      const failed = event.name === 'fail';
      this.reply(event, null, { code: failed ? 'Test.Failed' : 'Test.Ok', description: event.name, echo: event.args }, failed);
      return;
    }
    this.enqueue(event);
  }
}

const responderPair = () => connectionPair((s) => new Responder(s), (s) => new RtmpConnection(s));

test('call() resolves with the _result of its own transaction, calls answered out of order', async () => {
  const pair = await responderPair();
  try {
    const [a, b] = await Promise.all([pair.client.call('first', null, [1]), pair.client.call('second', null, ['x'])]);
    assert.equal(a.name, '_result');
    assert.deepEqual(a.args[0], { code: 'Test.Ok', description: 'first', echo: [1] });
    assert.deepEqual((b.args[0] as { echo: unknown }).echo, ['x']);
    assert.notEqual(a.transactionId, b.transactionId);
  } finally {
    await pair.close();
  }
});

test('call() rejects with a CommandError carrying the info object on _error', async () => {
  const pair = await responderPair();
  try {
    await assert.rejects(pair.client.call('fail'), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, ErrorCode.COMMAND_FAILED);
      assert.match(err.message, /Test\.Failed fail/);
      assert.equal((err.info as { code: string }).code, 'Test.Failed');
      return true;
    });
  } finally {
    await pair.close();
  }
});

test('call() times out with COMMAND_TIMEOUT when nobody answers; closing rejects pending calls', async () => {
  const pair = await plainPair();
  try {
    await assert.rejects(pair.client.call('silence', null, [], { timeout: 50 }), (err: unknown) => isRtmpError(err, ErrorCode.COMMAND_TIMEOUT));
    const pending = pair.client.call('never');
    pair.client.destroy();
    await assert.rejects(pending, (err: unknown) => isRtmpError(err, ErrorCode.SESSION_CLOSED));
    await assert.rejects(pair.client.call('after'), (err: unknown) => isRtmpError(err, ErrorCode.SESSION_CLOSED));
  } finally {
    await pair.close();
  }
});

test('a ping request is answered with a ping response carrying its timestamp', async () => {
  const pair = await plainPair();
  try {
    pair.client.enableQueue();
    pair.client.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'PingRequest', timestamp: 123456 } });
    const reply = await pair.client.readEvent();
    assert.deepEqual(reply && reply.kind === 'userControl' && reply.event, { event: 'PingResponse', timestamp: 123456 });
  } finally {
    await pair.close();
  }
});

test('an acknowledgement goes out each time the peer window is crossed', async () => {
  const pair = await plainPair();
  try {
    pair.client.enableQueue();
    // The server announces a small window; the client must acknowledge what it receives.
    pair.server.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.WindowAcknowledgementSize, windowSize: 5000 } });
    pair.server.send({ kind: 'audio', streamId: 1, timestamp: 0, payload: Buffer.alloc(6000, 1) });
    for (;;) {
      const [control] = (await once(pair.server, 'protocolControl')) as [{ type: number; sequenceNumber: number }];
      if (control.type === MessageType.Acknowledgement) {
        assert.ok(control.sequenceNumber >= 5000, `sequence ${control.sequenceNumber}`);
        break;
      }
    }
  } finally {
    await pair.close();
  }
});

test('Set Peer Bandwidth is answered with Window Acknowledgement Size (RTMP 1.0 §5.4.5)', async () => {
  const pair = await plainPair();
  try {
    const answer = once(pair.client, 'protocolControl');
    pair.client.send({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.SetPeerBandwidth, windowSize: 1_000_000, limitType: 2 } });
    assert.deepEqual((await answer)[0], { type: MessageType.WindowAcknowledgementSize, windowSize: 1_000_000 });
  } finally {
    await pair.close();
  }
});

test('writeMessage/readMessage carry the seed Message fields across, chunk size changes included', async () => {
  const pair = await plainPair();
  try {
    pair.client.setChunkSize(60000);
    const payload = Buffer.alloc(100_000, 7);
    await pair.client.writeMessage(createMessage(6, 1, MessageType.Video, payload, 33));
    await pair.client.writeMessage(createMessage(3, 0, MessageType.DataAMF0, Buffer.from('02000361626305', 'hex')));
    const video = await pair.server.readMessage();
    const data = await pair.server.readMessage();
    assert.deepEqual(video && { ...video, data: video.data.equals(payload) }, { chunkStreamId: 6, messageStreamId: 1, timestamp: 33, type: 9, length: 100_000, data: true });
    assert.equal(data?.type, MessageType.DataAMF0);
    assert.equal(pair.client.outboundChunkSize, 60000);
    assert.equal(pair.server.inboundChunkSize, 60000);
  } finally {
    await pair.close();
  }
});

test('async iteration ends with the connection', async () => {
  const pair = await plainPair();
  const got: number[] = [];
  const reading = (async () => {
    for await (const m of pair.server) got.push(m.timestamp);
  })();
  await pair.client.writeMessage(createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 1]), 1));
  await pair.client.writeMessage(createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 1]), 2));
  await pair.client.close();
  await reading;
  assert.deepEqual(got, [1, 2]);
  await pair.close();
});

test('a full readMessage queue holds the pipeline instead of growing', async () => {
  const pair = await connectionPair((s) => new RtmpConnection(s, { messageQueueSize: 4 }), (s) => new RtmpConnection(s));
  try {
    pair.server.enableQueue();
    for (let i = 0; i < 200; i++) pair.client.send({ kind: 'audio', streamId: 1, timestamp: i, payload: Buffer.alloc(100) });
    // Read them all back, in order: held, not dropped.
    for (let i = 0; i < 200; i++) assert.equal((await pair.server.readEvent())?.timestamp, i);
  } finally {
    await pair.close();
  }
});

test('close() flushes queued messages before ending; readMessage then gives null', async () => {
  const pair = await plainPair();
  pair.server.enableQueue();
  pair.client.send({ kind: 'audio', streamId: 1, timestamp: 9, payload: Buffer.alloc(50_000) });
  await pair.client.close();
  assert.equal((await pair.server.readEvent())?.timestamp, 9);
  assert.equal(await pair.server.readMessage(), null);
  assert.equal(pair.client.state, 'closed');
  await assert.rejects(pair.client.writeMessage(createMessage(4, 1, 8, Buffer.alloc(1))), (e: unknown) => isRtmpError(e, ErrorCode.SESSION_CLOSED));
  await pair.close();
});

test('a silent peer is pinged after readTimeout and dropped after twice that', async () => {
  const pair = await connectionPair((s) => new RtmpConnection(s, { readTimeout: 60, writeTimeout: 0 }), (s) => new RtmpConnection(s, { readTimeout: 0, writeTimeout: 0 }));
  // The client side will answer the ping (it is a full RtmpConnection); make it mute instead.
  pair.client.socket.pause();
  const [err] = (await once(pair.server, 'close')) as [Error];
  assert.ok(isRtmpError(err, ErrorCode.SESSION_READ_TIMEOUT));
  assert.equal(pair.server.state, 'error');
  await pair.close();
});

test('a decode error closes the connection with the typed error', async () => {
  const pair = await plainPair();
  pair.client.send({ kind: 'raw', streamId: 0, timestamp: 0, message: createMessage(3, 0, MessageType.CommandAMF0, Buffer.from([0x02, 0x00, 0x10])) });
  const [err] = (await once(pair.server, 'close')) as [Error];
  assert.ok(isRtmpError(err), String(err));
  await pair.close();
});

test('a chunk tap spliced into a live connection counts chunks without changing bytes', async () => {
  const pair = await plainPair();
  try {
    let chunks = 0;
    const tap = new Transform({ objectMode: true, transform: (c: Chunk, _e, cb) => (chunks++, cb(null, c)) });
    pair.server.splice('inbound', 'chunks', tap);
    const payload = Buffer.alloc(1000, 3); // 128-byte chunks: 8 of them
    await pair.client.writeMessage(createMessage(6, 1, MessageType.Video, payload, 0));
    const m = await pair.server.readMessage();
    assert.ok(m?.data.equals(payload));
    assert.equal(chunks, 8);
    assert.throws(() => pair.server.splice('inbound', 'bytes', tap), (e: unknown) => isRtmpError(e, ErrorCode.STAGE_MODE_MISMATCH));
  } finally {
    await pair.close();
  }
});

test('splice() before start() is a SESSION_STATE error; messageToEvent maps media and raw', () => {
  const conn = new RtmpConnection(new Transform());
  assert.throws(() => conn.splice('inbound', 'events', new Transform({ objectMode: true })), (e: unknown) => isRtmpError(e, ErrorCode.SESSION_STATE));
  conn.destroy();
  const audio = messageToEvent(createMessage(4, 1, MessageType.Audio, Buffer.from([1]), 5));
  assert.deepEqual(audio, { kind: 'audio', streamId: 1, timestamp: 5, chunkStreamId: 4, payload: Buffer.from([1]) });
  assert.equal(messageToEvent(createMessage(3, 0, 20, Buffer.from([2]))).kind, 'raw');
});

test('notify() sends transaction 0 commands', async () => {
  const pair = await plainPair();
  try {
    pair.server.enableQueue();
    pair.client.notify('onCustom', null, ['hi'], 0);
    const event = (await pair.server.readEvent()) as CommandEvent;
    assert.deepEqual([event.name, event.transactionId, event.args], ['onCustom', 0, ['hi']]);
  } finally {
    await pair.close();
  }
});

test('with no user stage the outbound layers run inline: no adapter exists, bytes go straight to the socket in order', async () => {
  const pair = await plainPair();
  try {
    pair.server.enableQueue();
    assert.equal(pair.client.commandEncoder, undefined);
    assert.equal(pair.client.messageChunker, undefined);
    assert.equal(pair.client.chunkEncoder, undefined);
    const socket = pair.client.socket as net.Socket;
    const before = socket.bytesWritten;
    const payload = Buffer.alloc(10_000, 5);
    const frame = new SharedFrame(MessageType.Video, 40, payload);
    pair.client.sendFrame('video', frame, 1);
    // Handed to the socket synchronously (corked until the batch flushes): no stage holds anything.
    assert.ok(socket.bytesWritten > before + payload.length, 'the frame is in the socket already');
    assert.equal(frame.serializations, 1, 'serialized once into the frame');
    pair.client.notify('between', null, [1], 1);
    pair.client.send({ kind: 'audio', streamId: 1, timestamp: 41, payload: Buffer.from([0xaf, 1, 2]) });
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await pair.server.readEvent();
      kinds.push(`${e!.kind}:${e!.timestamp}`);
      if (e!.kind === 'video') assert.ok(e!.payload.equals(payload), 'video payload intact');
    }
    assert.deepEqual(kinds, ['video:40', 'command:0', 'audio:41']);
  } finally {
    await pair.close();
  }
});

test('shared media sent in one event-loop iteration leaves in one writev (a fan-out burst: one syscall per player)', async () => {
  const pair = await plainPair();
  try {
    pair.server.enableQueue();
    const socket = pair.client.socket as net.Socket;
    const dispatches: number[] = []; // buffers per _write/_writev call
    const writev = socket._writev!.bind(socket);
    const write = socket._write.bind(socket);
    socket._writev = (chunks, cb) => (dispatches.push(chunks.length), writev(chunks, cb));
    socket._write = (chunk, enc, cb) => (dispatches.push(1), write(chunk, enc, cb));
    const frames = [Buffer.alloc(5000, 1), Buffer.from([0xaf, 1, 7]), Buffer.alloc(300, 2)];
    pair.client.sendFrame('video', new SharedFrame(MessageType.Video, 40, frames[0]!), 1);
    pair.client.sendFrame('audio', new SharedFrame(MessageType.Audio, 41, frames[1]!), 1);
    pair.client.sendFrame('video', new SharedFrame(MessageType.Video, 80, frames[2]!), 1);
    assert.deepEqual(dispatches, [], 'held until the batch flushes');
    const received: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = (await pair.server.readEvent()) as MediaEvent;
      received.push(`${e.kind}:${e.timestamp}:${e.payload.length}`);
    }
    assert.deepEqual(received, ['video:40:5000', 'audio:41:3', 'video:80:300']);
    assert.deepEqual(dispatches, [3], 'one writev of the three serialized messages');
  } finally {
    await pair.close();
  }
});

test('with a user stage on the outbound side, shared media goes through the stages', async () => {
  const pair = await plainPair();
  try {
    pair.server.enableQueue();
    let chunks = 0;
    pair.client.splice('outbound', 'chunks', new Transform({ objectMode: true, transform: (c: Chunk, _e, cb) => (chunks++, cb(null, c)) }));
    const payload = Buffer.alloc(300, 9);
    pair.client.sendFrame('video', new SharedFrame(MessageType.Video, 7, payload), 1);
    const e = await pair.server.readEvent();
    assert.ok(e?.kind === 'video' && e.payload.equals(payload), 'video arrives intact');
    assert.equal(chunks, 3, 'the tap saw the 3 chunks (128-byte chunk size)');
  } finally {
    await pair.close();
  }
});
