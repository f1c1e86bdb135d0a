import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandDecoder } from '../../lib/command/command-decoder.js';
import { CommandEncoder } from '../../lib/command/command-encoder.js';
import type { ObjectEncodingState, RtmpEvent } from '../../lib/command/events.js';
import { isRtmpError, ErrorCode } from '../../lib/errors.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { createAggregateMessage } from '../../lib/message/aggregate.js';
import { SharedFrame } from '../../lib/chunk/shared-frame.js';

async function decodeAll(messages: Message[], encoding?: ObjectEncodingState): Promise<RtmpEvent[]> {
  const out: RtmpEvent[] = [];
  const decoder = new CommandDecoder(encoding ? { encoding } : {});
  decoder.on('data', (e: RtmpEvent) => out.push(e));
  for (const m of messages) decoder.write(m);
  decoder.end();
  await new Promise((r) => decoder.on('end', r));
  return out;
}

// ffmpeg's connect as it travels: AMF0, "connect", 1, {app, type, flashVer, tcUrl}.
const ffmpegConnect = Buffer.concat([
  Buffer.from('02000763 6f6e6e656374'.replace(/ /g, ''), 'hex'), // string "connect"
  Buffer.from('003ff0000000000000', 'hex'), // number 1
  Buffer.from('03', 'hex'), // object
  Buffer.from('0003617070', 'hex'), Buffer.from('0200046c697665', 'hex'), // app: "live"
  Buffer.from('000474797065', 'hex'), Buffer.from('02000a6e6f6e70726976617465', 'hex'), // type: "nonprivate"
  Buffer.from('000009', 'hex'), // object end
]);

test('decodes a command message into a command event (ffmpeg connect bytes)', async () => {
  const [event] = await decodeAll([createMessage(3, 0, MessageType.CommandAMF0, ffmpegConnect)]);
  assert.deepEqual(event, {
    kind: 'command',
    streamId: 0,
    timestamp: 0,
    chunkStreamId: 3,
    name: 'connect',
    transactionId: 1,
    commandObject: { app: 'live', type: 'nonprivate' },
    args: [],
    amf3: false,
  });
});

test('media stays a view of the message payload', async () => {
  const payload = Buffer.from([0x17, 0x01, 0, 0, 0, 0xaa]);
  const [event] = await decodeAll([createMessage(6, 1, MessageType.Video, payload, 40)]);
  assert.equal(event!.kind, 'video');
  assert.equal((event as { payload: Buffer }).payload, payload);
  assert.equal(event!.timestamp, 40);
  assert.equal(event!.streamId, 1);
});

test('data, control, user control and unknown types become their events', async () => {
  const encoder = new CommandEncoder();
  const data = encoder.encode({ kind: 'data', streamId: 1, timestamp: 0, name: '@setDataFrame', values: ['onMetaData', { width: 320 }] });
  const ctrl = encoder.encode({ kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.SetChunkSize, chunkSize: 4096 } });
  const uc = encoder.encode({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: 1 } });
  const unknown = createMessage(3, 0, 99, Buffer.from([1, 2, 3]));
  const events = await decodeAll([data, ctrl, uc, unknown]);
  assert.deepEqual(events.map((e) => e.kind), ['data', 'protocolControl', 'userControl', 'raw']);
  assert.equal((events[0] as { name: string }).name, '@setDataFrame');
  assert.deepEqual((events[0] as { values: unknown[] }).values, ['onMetaData', { width: 320 }]);
  assert.deepEqual((events[1] as { control: unknown }).control, { type: 1, chunkSize: 4096 });
  assert.deepEqual((events[2] as { event: unknown }).event, { event: 'StreamBegin', streamId: 1 });
  assert.equal((events[3] as { message: Message }).message, unknown);
});

test('an aggregate comes out as one event per sub-message, with their timestamps', async () => {
  const subs = [
    createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 1, 1]), 1000),
    createMessage(6, 1, MessageType.Video, Buffer.from([0x27, 1, 0, 0, 0, 2]), 1020),
  ];
  const aggregate = createAggregateMessage(subs);
  aggregate.timestamp = 5000;
  const events = await decodeAll([aggregate]);
  assert.deepEqual(events.map((e) => [e.kind, e.timestamp]), [['audio', 5000], ['video', 5020]]);
});

test('objectEncoding is detected from connect and from the connect _result', async () => {
  const server: ObjectEncodingState = { objectEncoding: 0 };
  const enc = new CommandEncoder();
  const connect = enc.encode({ kind: 'command', streamId: 0, timestamp: 0, name: 'connect', transactionId: 1, commandObject: { app: 'a', objectEncoding: 3 }, args: [] });
  await decodeAll([connect], server);
  assert.equal(server.objectEncoding, 3);

  const client: ObjectEncodingState = { objectEncoding: 0 };
  const result = enc.encode({ kind: 'command', streamId: 0, timestamp: 0, name: '_result', transactionId: 1, commandObject: {}, args: [{ code: 'NetConnection.Connect.Success', objectEncoding: 3 }] });
  await decodeAll([result], client);
  assert.equal(client.objectEncoding, 3);

  const plain: ObjectEncodingState = { objectEncoding: 0 };
  await decodeAll([enc.encode({ kind: 'command', streamId: 0, timestamp: 0, name: 'connect', transactionId: 1, commandObject: { app: 'a' }, args: [] })], plain);
  assert.equal(plain.objectEncoding, 0);
});

test('the encoder answers in the negotiated encoding: type 17 after objectEncoding 3', () => {
  const state: ObjectEncodingState = { objectEncoding: 0 };
  const enc = new CommandEncoder({ encoding: state });
  const cmd: RtmpEvent = { kind: 'command', streamId: 0, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [{ code: 'x' }] };
  assert.equal(enc.encode(cmd).type, MessageType.CommandAMF0);
  state.objectEncoding = 3;
  const m = enc.encode(cmd);
  assert.equal(m.type, MessageType.CommandAMF3);
  assert.equal(m.data[0], 0x00, 'AMF3 commands start with the format byte');
  assert.equal(enc.encode({ ...cmd, amf3: false }).type, MessageType.CommandAMF0, 'an explicit amf3:false wins');
});

test('encoder picks conventional chunk streams and carries the shared frame', () => {
  const enc = new CommandEncoder();
  const payload = Buffer.from([0xaf, 1]);
  const frame = new SharedFrame(8, 5, payload);
  const audio = enc.encode({ kind: 'audio', streamId: 1, timestamp: 5, payload, frame });
  assert.deepEqual([audio.chunkStreamId, audio.type, audio.messageStreamId, audio.timestamp], [4, 8, 1, 5]);
  assert.equal(audio.frame, frame);
  const video = enc.encode({ kind: 'video', streamId: 1, timestamp: 5, payload: Buffer.from([0x17, 1]) });
  assert.deepEqual([video.chunkStreamId, video.type], [6, 9]);
  const raw = createMessage(7, 0, 77, Buffer.from([1]));
  assert.equal(enc.encode({ kind: 'raw', streamId: 0, timestamp: 0, message: raw }), raw);
});

test('round trip: events → encoder → decoder give the same events', async () => {
  const events: RtmpEvent[] = [
    { kind: 'command', streamId: 0, timestamp: 0, chunkStreamId: 3, name: 'createStream', transactionId: 2, commandObject: null, args: [], amf3: false },
    { kind: 'data', streamId: 1, timestamp: 0, chunkStreamId: 5, name: 'onMetaData', values: [{ duration: 0 }], amf3: false },
    { kind: 'audio', streamId: 1, timestamp: 23, chunkStreamId: 4, payload: Buffer.from([0xaf, 0x01, 0x21]) },
    { kind: 'sharedObject', streamId: 0, timestamp: 0, chunkStreamId: 3, amf3: false, sharedObject: { name: 'so', version: 1, flags: Buffer.alloc(8), events: [{ event: 'Clear' }] } as never },
  ];
  const out: RtmpEvent[] = [];
  const sink = new PassThrough({ objectMode: true });
  sink.on('data', (e) => out.push(e));
  const src = new PassThrough({ objectMode: true });
  const done = pipeline(src, new CommandEncoder(), new CommandDecoder(), sink);
  for (const e of events) src.write(e);
  src.end();
  await done;
  assert.equal(out.length, events.length);
  assert.deepEqual(out.slice(0, 3), events.slice(0, 3));
  assert.equal(out[3]!.kind, 'sharedObject');
});

test('bad input fails through the stream error path with a typed error', async () => {
  for (const [stage, input] of [
    [new CommandDecoder(), { not: 'a message' }],
    [new CommandDecoder(), createMessage(3, 0, MessageType.CommandAMF0, Buffer.from([0x02, 0x00, 0x09, 0x61]))],
    [new CommandEncoder(), { nope: true }],
    [new CommandEncoder(), { kind: 'bogus', streamId: 0, timestamp: 0 }],
  ] as Array<[Transform, unknown]>) {
    const err = await new Promise<unknown>((resolve) => {
      stage.on('error', resolve);
      stage.write(input);
    });
    assert.ok(isRtmpError(err), `typed error, got ${String(err)}`);
    assert.ok([ErrorCode.MESSAGE_INVALID, ErrorCode.AMF_TRUNCATED, ErrorCode.MESSAGE_TRUNCATED].includes((err as { code: string }).code as never));
  }
});
