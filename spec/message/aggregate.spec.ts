import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  createAggregateMessage,
  decodeAggregate,
  encodeAggregate,
  splitAggregate,
  type AggregatePart,
} from '../../lib/message/aggregate.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

/** RTMP 1.0 §7.1.6: sub-header (11) + payload + back pointer (4, = 11 + length). */
const vectors: Array<{ name: string; payload: Buffer; parts: AggregatePart[]; boundaries: number[] }> = [
  {
    name: 'three sub-messages: video, audio, video',
    payload: bytes(
      // sub-message 0
      0x09, //                   type 9 (video)
      0x00, 0x00, 0x05, //       length 5
      0x00, 0x03, 0xe8, 0x00, // timestamp 1000 (0x0003E8), extension 0
      0x00, 0x00, 0x01, //       stream id 1
      0x17, 0x01, 0x00, 0x00, 0x00, // payload: AVC keyframe NALU header
      0x00, 0x00, 0x00, 0x10, // back pointer 16 = 11 + 5
      // sub-message 1
      0x08, //                   type 8 (audio)
      0x00, 0x00, 0x03, //       length 3
      0x00, 0x03, 0xf2, 0x00, // timestamp 1010 (0x0003F2)
      0x00, 0x00, 0x01, //       stream id 1
      0xaf, 0x01, 0x21, //       payload: AAC raw
      0x00, 0x00, 0x00, 0x0e, // back pointer 14 = 11 + 3
      // sub-message 2
      0x09, //                   type 9
      0x00, 0x00, 0x02, //       length 2
      0x00, 0x04, 0x09, 0x00, // timestamp 1033 (0x000409)
      0x00, 0x00, 0x01, //       stream id 1
      0x27, 0x01, //             payload: AVC inter frame (cut short)
      0x00, 0x00, 0x00, 0x0d, // back pointer 13 = 11 + 2
    ),
    parts: [
      { type: 9, timestamp: 1000, streamId: 1, data: bytes(0x17, 0x01, 0x00, 0x00, 0x00) },
      { type: 8, timestamp: 1010, streamId: 1, data: bytes(0xaf, 0x01, 0x21) },
      { type: 9, timestamp: 1033, streamId: 1, data: bytes(0x27, 0x01) },
    ],
    boundaries: [0, 20, 38, 55],
  },
  {
    name: 'timestamp extension byte holds the top 8 bits; empty payload',
    payload: bytes(
      0x12, //                   type 18 (data)
      0x00, 0x00, 0x00, //       length 0
      0x00, 0x00, 0x05, 0x01, // timestamp 0x01000005: low 24 bits 0x000005, extension 0x01
      0x00, 0x00, 0x00, //       stream id 0
      0x00, 0x00, 0x00, 0x0b, // back pointer 11
    ),
    parts: [{ type: 18, timestamp: 0x01000005, streamId: 0, data: Buffer.alloc(0) }],
    boundaries: [0, 15],
  },
  { name: 'empty aggregate', payload: Buffer.alloc(0), parts: [], boundaries: [0] },
];

test('aggregate vectors decode', () => {
  for (const v of vectors) assert.deepEqual(decodeAggregate(v.payload), v.parts, v.name);
});

test('aggregate vectors encode byte-exact', () => {
  for (const v of vectors) {
    const input = v.parts.map((p) => ({ type: p.type, timestamp: p.timestamp, messageStreamId: p.streamId, data: p.data }));
    assert.deepEqual(encodeAggregate(input), v.payload, v.name);
  }
});

test('aggregate vectors round-trip', () => {
  for (const v of vectors) {
    const parts = decodeAggregate(v.payload);
    const input = parts.map((p) => ({ type: p.type, timestamp: p.timestamp, messageStreamId: p.streamId, data: p.data }));
    assert.deepEqual(encodeAggregate(input), v.payload, v.name);
  }
});

test("splitAggregate: the aggregate's timestamp replaces the first, offsets are kept (§7.1.6)", () => {
  const aggregate = createMessage(6, 5, MessageType.Aggregate, vectors[0]!.payload, 5000);
  const messages = splitAggregate(aggregate);
  assert.deepEqual(
    messages.map((m) => [m.chunkStreamId, m.messageStreamId, m.timestamp, m.type, m.length]),
    [
      [6, 5, 5000, 9, 5], // 5000 + (1000 - 1000); stream id 5 from the aggregate, not 1
      [6, 5, 5010, 8, 3], // 5000 + (1010 - 1000)
      [6, 5, 5033, 9, 2], // 5000 + (1033 - 1000)
    ],
  );
  // Payloads are views into the aggregate.
  assert.equal(messages[1]!.data.buffer, aggregate.data.buffer);
  assert.equal(messages[1]!.data.byteOffset, aggregate.data.byteOffset + 31);
  assert.deepEqual(splitAggregate(createMessage(3, 1, 22, Buffer.alloc(0))), []);
});

test('splitAggregate: timestamps wrap at 2^32', () => {
  const payload = encodeAggregate([
    { type: 8, timestamp: 100, messageStreamId: 1, data: bytes(0xaf, 0x01) },
    { type: 8, timestamp: 150, messageStreamId: 1, data: bytes(0xaf, 0x01) },
  ]);
  const messages = splitAggregate(createMessage(4, 1, 22, payload, 0xffffffe0));
  assert.deepEqual(messages.map((m) => m.timestamp), [0xffffffe0, 0x12]); // 0xFFFFFFE0 + 50 wraps to 18
});

test('createAggregateMessage builds what splitAggregate gives back', () => {
  const input: Message[] = [
    createMessage(6, 1, MessageType.Video, bytes(0x17, 0x01, 0, 0, 0), 40),
    createMessage(6, 1, MessageType.Audio, bytes(0xaf, 0x01, 0x21), 63),
    createMessage(6, 1, MessageType.Video, bytes(0x27, 0x01, 0, 0, 0), 0x01000000),
  ];
  const aggregate = createAggregateMessage(input);
  assert.equal(aggregate.type, MessageType.Aggregate);
  assert.equal(aggregate.timestamp, 40);
  assert.equal(aggregate.messageStreamId, 1);
  assert.equal(aggregate.chunkStreamId, 6);
  assert.equal(aggregate.length, 3 * 15 + 5 + 3 + 5);
  assert.deepEqual(splitAggregate(aggregate), input);
  assert.equal(createAggregateMessage(input, 9).chunkStreamId, 9);
});

test('a back pointer that is not 11 + length is ERR_MESSAGE_BACK_POINTER_MISMATCH', () => {
  const payload = Buffer.from(vectors[0]!.payload);
  payload.writeUInt32BE(17, 16); // first back pointer: 17 instead of 16
  const err = thrown(() => decodeAggregate(payload));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_BACK_POINTER_MISMATCH);
  assert.match(err.message, /back pointer 17, expected 16/);
  // The check can be turned off for peers that write something else there.
  assert.equal(decodeAggregate(payload, { checkBackPointers: false }).length, 3);
});

test('every truncation inside a sub-message is ERR_MESSAGE_TRUNCATED', () => {
  for (const v of vectors) {
    assertTruncations(v.payload, decodeAggregate, v.name, false);
    for (let n = 0; n < v.payload.length; n++) {
      if (v.boundaries.includes(n)) {
        assert.equal(decodeAggregate(v.payload.subarray(0, n)).length, v.boundaries.indexOf(n), `${v.name} at ${n}`);
        continue;
      }
      const err = thrown(() => decodeAggregate(v.payload.subarray(0, n)));
      assert.ok(err instanceof MessageError, `${v.name} at ${n}`);
      assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED);
    }
  }
});

test('a sub-message length beyond the payload is truncation, never an allocation', () => {
  const payload = bytes(0x09, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1, 0x17);
  assert.equal((thrown(() => decodeAggregate(payload)) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
});

test('bad input to the encoders is ERR_MESSAGE_INVALID', () => {
  const cases: Array<() => unknown> = [
    () => createAggregateMessage([]),
    () => createAggregateMessage([createMessage(6, 1, 9, bytes(0x17)), createMessage(6, 2, 9, bytes(0x17))]),
    () => encodeAggregate([{ type: 256, timestamp: 0, messageStreamId: 0, data: Buffer.alloc(0) }]),
    () => encodeAggregate([{ type: 9, timestamp: -1, messageStreamId: 0, data: Buffer.alloc(0) }]),
    () => encodeAggregate([{ type: 9, timestamp: 0, messageStreamId: 0x1000000, data: Buffer.alloc(0) }]),
  ];
  for (const fn of cases) {
    const err = thrown(fn);
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
});

test('fuzz: decodeAggregate throws only RtmpError', () => {
  const { ok, failed } = fuzz(decodeAggregate, vectors.map((v) => v.payload), 20_000, 0xa66);
  assert.ok(ok > 0 && failed > 0, `${ok} ok, ${failed} failed`);
  fuzz((b) => splitAggregate(createMessage(3, 1, 22, b, 7)), vectors.map((v) => v.payload), 20_000, 0xa67);
});
