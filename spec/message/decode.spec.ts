import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import * as api from '../../lib/message/index.js';
import { decodeMessage } from '../../lib/message/decode.js';
import { createMessage } from '../../lib/message/message.js';
import { bytes, fuzz, thrown } from './support.js';

test('decodeMessage dispatches every MessageType to its codec', () => {
  const m = (type: number, data: Buffer) => createMessage(3, 1, type, data, 100);
  assert.deepEqual(decodeMessage(m(1, bytes(0, 0, 0x10, 0))), { kind: 'protocolControl', control: { type: 1, chunkSize: 4096 } });
  assert.deepEqual(decodeMessage(m(2, bytes(0, 0, 0, 4))), { kind: 'protocolControl', control: { type: 2, chunkStreamId: 4 } });
  assert.deepEqual(decodeMessage(m(3, bytes(0, 0, 1, 0))), { kind: 'protocolControl', control: { type: 3, sequenceNumber: 256 } });
  assert.deepEqual(decodeMessage(m(5, bytes(0, 0, 1, 0))), { kind: 'protocolControl', control: { type: 5, windowSize: 256 } });
  assert.deepEqual(decodeMessage(m(6, bytes(0, 0, 1, 0, 2))), {
    kind: 'protocolControl',
    control: { type: 6, windowSize: 256, limitType: 2 },
  });
  assert.deepEqual(decodeMessage(m(4, bytes(0, 0, 0, 0, 0, 1))), { kind: 'userControl', event: { event: 'StreamBegin', streamId: 1 } });
  assert.deepEqual(decodeMessage(m(8, bytes(0xaf, 0x01))), { kind: 'audio', data: bytes(0xaf, 0x01) });
  assert.deepEqual(decodeMessage(m(9, Buffer.alloc(0))), { kind: 'video', data: Buffer.alloc(0) });
  assert.deepEqual(decodeMessage(m(18, bytes(0x02, 0, 1, 'a'))), { kind: 'data', amf3: false, values: ['a'] });
  assert.deepEqual(decodeMessage(m(15, bytes(0x00, 0x02, 0, 1, 'a'))), { kind: 'data', amf3: true, values: ['a'] });
  const so = bytes(0, 1, 'x', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0);
  assert.deepEqual(decodeMessage(m(19, so)), {
    kind: 'sharedObject',
    amf3: false,
    sharedObject: { name: 'x', version: 1, flags: Buffer.alloc(8), events: [{ event: 'Use' }] },
  });
  assert.equal((decodeMessage(m(16, bytes(0x00, so))) as { amf3: boolean }).amf3, true);
  const command = bytes(0x02, 0, 1, 'a', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x05);
  assert.deepEqual(decodeMessage(m(20, command)), {
    kind: 'command',
    amf3: false,
    command: { name: 'a', transactionId: 0, commandObject: null, args: [] },
  });
  assert.equal((decodeMessage(m(17, bytes(0x00, command))) as { amf3: boolean }).amf3, true);
  const aggregate = api.createAggregateMessage([createMessage(4, 1, 8, bytes(0xaf, 0x01), 7)]);
  assert.deepEqual(decodeMessage(aggregate), { kind: 'aggregate', messages: [createMessage(4, 1, 8, bytes(0xaf, 0x01), 7)] });
});

test('decodeMessage passes options to the AMF layer and the aggregate splitter', () => {
  const nested = bytes(0x02, 0, 1, 'a', 0x0a, 0, 0, 0, 1, 0x0a, 0, 0, 0, 1, 0x05);
  const err = thrown(() => decodeMessage(createMessage(3, 0, 18, nested), { amf: { maxDepth: 1 } }));
  assert.equal((err as MessageError).code, ErrorCode.AMF_DEPTH_EXCEEDED);
  const aggregate = api.createAggregateMessage([createMessage(4, 1, 8, bytes(0xaf), 0)]);
  aggregate.data.writeUInt32BE(99, aggregate.data.length - 4);
  assert.equal((thrown(() => decodeMessage(aggregate)) as MessageError).code, ErrorCode.MESSAGE_BACK_POINTER_MISMATCH);
  assert.equal((decodeMessage(aggregate, { checkBackPointers: false }) as { messages: unknown[] }).messages.length, 1);
});

test('a type id outside MessageType is ERR_MESSAGE_UNKNOWN_TYPE', () => {
  for (const type of [0, 7, 10, 14, 21, 23, 255]) {
    const err = thrown(() => decodeMessage(createMessage(3, 0, type, Buffer.alloc(4))));
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_UNKNOWN_TYPE);
    assert.match(err.message, new RegExp(`Unknown\\(${type}\\)`));
  }
});

test('the barrel exports the public API', () => {
  const expected = [
    'MessageType', 'messageTypeName', 'isProtocolControl', 'createMessage', 'ChunkStreamId', 'PeerBandwidthLimit',
    'encodeSetChunkSize', 'decodeSetChunkSize', 'encodeProtocolControl', 'decodeProtocolControl',
    'createProtocolControlMessage', 'UserControlEventType', 'encodeUserControl', 'decodeUserControl',
    'createUserControlMessage', 'decodeAudioHeader', 'decodeVideoHeader', 'isKeyframe', 'isSequenceHeader',
    'encodeData', 'decodeData', 'encodeDataAmf3', 'decodeDataAmf3', 'setDataFrame', 'stripSetDataFrame', 'getMetadata',
    'encodeCommand', 'decodeCommand', 'encodeCommandAmf3', 'decodeCommandAmf3', 'createCommandMessage',
    'encodeSharedObject', 'decodeSharedObject', 'SharedObjectEventType', 'splitAggregate', 'createAggregateMessage',
    'decodeMessage', 'AMF3_FORMAT_BYTE',
  ];
  for (const name of expected) assert.equal(typeof (api as Record<string, unknown>)[name] !== 'undefined', true, name);
});

test('fuzz: decodeMessage over every type id throws only RtmpError', () => {
  let type = 0;
  const { ok, failed } = fuzz(
    (b) => decodeMessage(createMessage(3, 1, [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22][type++ % 15]!, b)),
    [bytes(0, 0, 0x10, 0), bytes(0x02, 0, 1, 'a', 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x05)],
    30_000,
    0xdec0de,
  );
  assert.ok(ok > 0 && failed > 0, `${ok} ok, ${failed} failed`);
});
