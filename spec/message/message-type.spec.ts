import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType, messageTypeName, isProtocolControl } from '../../lib/message/message-type.js';
import { createMessage } from '../../lib/message/message.js';

test('MessageType ids follow RTMP 1.0 §5.4, §6.2 and §7.1', () => {
  assert.equal(MessageType.SetChunkSize, 1);
  assert.equal(MessageType.Abort, 2);
  assert.equal(MessageType.Acknowledgement, 3);
  assert.equal(MessageType.UserControl, 4);
  assert.equal(MessageType.WindowAcknowledgementSize, 5);
  assert.equal(MessageType.SetPeerBandwidth, 6);
  assert.equal(MessageType.Audio, 8);
  assert.equal(MessageType.Video, 9);
  assert.equal(MessageType.DataAMF3, 15);
  assert.equal(MessageType.SharedObjectAMF3, 16);
  assert.equal(MessageType.CommandAMF3, 17);
  assert.equal(MessageType.DataAMF0, 18);
  assert.equal(MessageType.SharedObjectAMF0, 19);
  assert.equal(MessageType.CommandAMF0, 20);
  assert.equal(MessageType.Aggregate, 22);
});

test('messageTypeName names known ids and marks unknown ones', () => {
  assert.equal(messageTypeName(20), 'CommandAMF0');
  assert.equal(messageTypeName(99), 'Unknown(99)');
});

test('isProtocolControl covers types 1,2,3,5,6 but not user control', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 8].map(isProtocolControl), [true, true, true, false, true, true, false]);
});

test('createMessage fills length from data and wraps the timestamp to 32 bits', () => {
  const m = createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 1, 2]), 2 ** 32 + 5);
  assert.deepEqual(m, { chunkStreamId: 4, messageStreamId: 1, timestamp: 5, type: 8, length: 3, data: Buffer.from([0xaf, 1, 2]) });
});
