import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecmaArray, isEcmaArray } from '../../lib/amf/index.js';
import { ErrorCode } from '../../lib/errors.js';
import { FlvMuxer, encodeScriptData } from '../../lib/flv/flv-muxer.js';
import { createAggregateMessage } from '../../lib/message/aggregate.js';
import { createDataMessage, decodeData, setDataFrame } from '../../lib/message/data.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { hex } from '../amf/hex.js';
import { demuxPieces, muxItems } from './support.js';
import { AAC_RAW_TAG, AVC_KEYFRAME_TAG, ON_METADATA_TAG, vectors } from './vectors.js';

const HEADER = hex('46 4c 56 01 05 00 00 00 09 00 00 00 00');

for (const v of vectors) {
  test(`mux: ${v.name}`, async () => {
    assert.deepEqual(await muxItems(v.items, v.flags), v.bytes);
  });

  test(`round trip demux → mux is byte-exact: ${v.name}`, async () => {
    const events = await demuxPieces([v.bytes]);
    assert.deepEqual(await muxItems(events.items, v.flags), v.bytes);
    const messages = await demuxPieces([v.bytes], { output: 'messages' });
    assert.deepEqual(await muxItems(messages.items, v.flags), v.bytes);
  });
}

test('seed Messages: media, AMF0 data kept byte for byte, AMF3 data rewritten as AMF0', async () => {
  const metadataBytes = ON_METADATA_TAG.subarray(11, 51);
  const out = await muxItems([
    createMessage(5, 1, MessageType.DataAMF0, metadataBytes, 0),
    createMessage(6, 1, MessageType.Video, hex('17 01 00 00 00 00 00 00 00'), 40),
    createMessage(4, 1, MessageType.Audio, hex('af 01 21'), 0x01020304),
  ]);
  assert.deepEqual(out, hex(HEADER, ON_METADATA_TAG, AVC_KEYFRAME_TAG, AAC_RAW_TAG));
  const amf3 = createDataMessage(['onMetaData', ecmaArray({ duration: 2 })], { objectEncoding: 3 });
  assert.deepEqual(await muxItems([amf3]), hex(HEADER, ON_METADATA_TAG));
});

test('@setDataFrame is stripped from events and from messages; plain metadata becomes an ECMA array', async () => {
  const expected = hex(HEADER, ON_METADATA_TAG);
  const [, ...values] = setDataFrame({ duration: 2 });
  assert.deepEqual(await muxItems([{ kind: 'data', streamId: 1, timestamp: 0, name: '@setDataFrame', values }]), expected);
  assert.deepEqual(await muxItems([createDataMessage(setDataFrame({ duration: 2 }), { messageStreamId: 1 })]), expected);
  // A plain object (not marked as ECMA array) is written as one.
  assert.deepEqual(await muxItems([{ kind: 'data', streamId: 1, timestamp: 0, name: 'onMetaData', values: [{ duration: 2 }] }]), expected);
  const decoded = decodeData(encodeScriptData(['@setDataFrame', 'onMetaData', { a: 1 }]));
  assert.equal(decoded[0], 'onMetaData');
  assert.ok(isEcmaArray(decoded[1]));
  // Other data keeps its shape.
  assert.deepEqual(decodeData(encodeScriptData(['onCuePoint', { name: 'x' }])), ['onCuePoint', { name: 'x' }]);
});

test('commands, control and unknown message types are dropped; aggregates are split', async () => {
  const aggregate = createAggregateMessage([
    createMessage(6, 1, MessageType.Video, hex('17 01 00 00 00 00 00 00 00'), 40),
    createMessage(4, 1, MessageType.Audio, hex('af 01 21'), 0x01020304),
  ]);
  const out = await muxItems([
    { kind: 'command', streamId: 0, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [] },
    { kind: 'userControl', streamId: 0, timestamp: 0, event: { type: 0, streamId: 1 } },
    createMessage(2, 0, MessageType.SetChunkSize, hex('00 00 10 00')),
    createMessage(3, 0, MessageType.CommandAMF0, hex('02 00 00')),
    aggregate,
  ]);
  assert.deepEqual(out, hex(HEADER, AVC_KEYFRAME_TAG, AAC_RAW_TAG));
});

test('input errors are ERR_FLV_INVALID_INPUT / ERR_FLV_TAG_TOO_LARGE', async () => {
  for (const bad of [42, { hello: 1 }, { kind: 'video', streamId: 0, timestamp: 0, payload: 'x' }, { kind: 'audio', streamId: 0, timestamp: 'now', payload: Buffer.alloc(1) }]) {
    await assert.rejects(muxItems([bad]), { code: ErrorCode.FLV_INVALID_INPUT });
  }
  await assert.rejects(muxItems([{ kind: 'video', streamId: 0, timestamp: 0, payload: Buffer.alloc(0x1000000) }]), { code: ErrorCode.FLV_TAG_TOO_LARGE });
  assert.throws(() => new FlvMuxer({ timestampOffset: -1 }), { code: ErrorCode.FLV_INVALID_INPUT });
});

test('rebaseTimestamps, timestampOffset and header: false (appending)', async () => {
  const items = [
    { kind: 'video', streamId: 1, timestamp: 1000, payload: hex('17 01 00 00 00 00 00 00 00') },
    { kind: 'audio', streamId: 1, timestamp: 1040, payload: hex('af 01 21') },
  ];
  const rebased = await demuxPieces([await muxItems(items, { rebaseTimestamps: true })]);
  assert.deepEqual(rebased.items.map((i) => (i as { timestamp: number }).timestamp), [0, 40]);
  const offset = await demuxPieces([await muxItems(items, { rebaseTimestamps: true, timestampOffset: 5000 })]);
  assert.deepEqual(offset.items.map((i) => (i as { timestamp: number }).timestamp), [5000, 5040]);
  const appended = await muxItems(items, { header: false, timestampOffset: 0xffffffff });
  assert.equal(appended[0], 0x09); // starts with a tag, no FLV header
  const whole = await demuxPieces([hex(HEADER, appended)]);
  assert.deepEqual(whole.items.map((i) => (i as { timestamp: number }).timestamp), [999, 1039]); // wraps at 2^32
});

test('large payloads go out without a copy and still frame correctly; tagCount counts tags', async () => {
  const payload = Buffer.alloc(5000, 7);
  payload[0] = 0x27;
  const muxer = new FlvMuxer();
  const parts: Buffer[] = [];
  muxer.on('data', (b: Buffer) => parts.push(b));
  const ended = new Promise((resolve) => muxer.on('end', resolve));
  muxer.end({ kind: 'video', streamId: 0, timestamp: 3, payload });
  await ended;
  assert.ok(parts.includes(payload), 'the payload itself is pushed');
  assert.equal(muxer.tagCount, 1);
  const back = await demuxPieces([Buffer.concat(parts)]);
  assert.deepEqual(back.items, [{ kind: 'video', streamId: 0, timestamp: 3, payload }]);
});
