import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  SWF_VERIFY_RESPONSE_LENGTH,
  UserControlEventType,
  createUserControlMessage,
  decodeUserControl,
  encodeUserControl,
  type UserControlEvent,
} from '../../lib/message/user-control.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

const swfAnswer = bytes(0x01, 0x01, [0, 0, 0x10, 0], [0, 0, 0x10, 0], Buffer.alloc(32, 0xab)); // 42 bytes

/** RTMP 1.0 §7.1.7: event type (2 bytes) then event data. */
const vectors: Array<{ name: string; event: UserControlEvent; payload: Buffer }> = [
  {
    name: 'Stream Begin 1',
    event: { event: 'StreamBegin', streamId: 1 },
    payload: bytes(0x00, 0x00, /* event 0 */ 0x00, 0x00, 0x00, 0x01 /* stream id 1 */),
  },
  {
    name: 'Stream EOF 1',
    event: { event: 'StreamEOF', streamId: 1 },
    payload: bytes(0x00, 0x01, /* event 1 */ 0x00, 0x00, 0x00, 0x01 /* stream id */),
  },
  {
    name: 'Stream Dry 2',
    event: { event: 'StreamDry', streamId: 2 },
    payload: bytes(0x00, 0x02, /* event 2 */ 0x00, 0x00, 0x00, 0x02 /* stream id */),
  },
  {
    name: 'Set Buffer Length stream 1, 3000 ms',
    event: { event: 'SetBufferLength', streamId: 1, bufferLength: 3000 },
    payload: bytes(
      0x00, 0x03, //             event 3
      0x00, 0x00, 0x00, 0x01, // stream id 1
      0x00, 0x00, 0x0b, 0xb8, // buffer length 3000 ms = 0x0BB8
    ),
  },
  {
    name: 'Stream Is Recorded 1',
    event: { event: 'StreamIsRecorded', streamId: 1 },
    payload: bytes(0x00, 0x04, /* event 4 */ 0x00, 0x00, 0x00, 0x01),
  },
  {
    name: 'Ping Request 0x01020304',
    event: { event: 'PingRequest', timestamp: 0x01020304 },
    payload: bytes(0x00, 0x06, /* event 6 */ 0x01, 0x02, 0x03, 0x04 /* server timestamp */),
  },
  {
    name: 'Ping Response 0xFFFFFFFF',
    event: { event: 'PingResponse', timestamp: 0xffffffff },
    payload: bytes(0x00, 0x07, /* event 7 */ 0xff, 0xff, 0xff, 0xff /* echoed timestamp */),
  },
  {
    name: 'SWF verify request (FMS)',
    event: { event: 'SWFVerifyRequest' },
    payload: bytes(0x00, 0x1a), // event 0x1A, no data
  },
  {
    name: 'SWF verify response',
    event: { event: 'SWFVerifyResponse', data: swfAnswer },
    payload: bytes(0x00, 0x1b, /* event 0x1B */ swfAnswer /* 01 01, sizes, 32-byte HMAC */),
  },
  {
    name: 'Buffer empty 1 (FMS/Wowza)',
    event: { event: 'BufferEmpty', streamId: 1 },
    payload: bytes(0x00, 0x1f, /* event 0x1F */ 0x00, 0x00, 0x00, 0x01),
  },
  {
    name: 'Buffer ready 1 (FMS/Wowza)',
    event: { event: 'BufferReady', streamId: 1 },
    payload: bytes(0x00, 0x20, /* event 0x20 */ 0x00, 0x00, 0x00, 0x01),
  },
  {
    name: 'unknown event 0x1234 keeps its raw data',
    event: { event: 'Unknown', eventType: 0x1234, data: bytes(0xca, 0xfe) },
    payload: bytes(0x12, 0x34, /* event 0x1234 */ 0xca, 0xfe /* opaque data */),
  },
  {
    name: 'event 5 (unassigned in the spec) is unknown',
    event: { event: 'Unknown', eventType: 5, data: Buffer.alloc(0) },
    payload: bytes(0x00, 0x05),
  },
];

test('user control vectors decode', () => {
  for (const v of vectors) assert.deepEqual(decodeUserControl(v.payload), v.event, v.name);
});

test('user control vectors encode byte-exact', () => {
  for (const v of vectors) assert.deepEqual(encodeUserControl(v.event), v.payload, v.name);
});

test('user control vectors round-trip', () => {
  for (const v of vectors) {
    assert.deepEqual(encodeUserControl(decodeUserControl(v.payload)), v.payload, v.name);
    assert.deepEqual(decodeUserControl(encodeUserControl(v.event)), v.event, v.name);
  }
});

test('event type ids follow RTMP 1.0 §7.1.7 and what servers send', () => {
  assert.deepEqual(UserControlEventType, {
    StreamBegin: 0,
    StreamEOF: 1,
    StreamDry: 2,
    SetBufferLength: 3,
    StreamIsRecorded: 4,
    PingRequest: 6,
    PingResponse: 7,
    SWFVerifyRequest: 0x1a,
    SWFVerifyResponse: 0x1b,
    BufferEmpty: 0x1f,
    BufferReady: 0x20,
  });
});

test('truncations of known events are ERR_MESSAGE_TRUNCATED', () => {
  for (const v of vectors.filter((x) => x.event.event !== 'Unknown')) {
    assertTruncations(v.payload, decodeUserControl, v.name, true);
    for (let n = 0; n < v.payload.length; n++) {
      const err = thrown(() => decodeUserControl(v.payload.subarray(0, n)));
      assert.equal((err as MessageError).code, ErrorCode.MESSAGE_TRUNCATED, `${v.name} at ${n}`);
    }
  }
});

test('an unknown event decodes whatever data follows, a short type does not', () => {
  assert.deepEqual(decodeUserControl(bytes(0x00, 0x99)), { event: 'Unknown', eventType: 0x99, data: Buffer.alloc(0) });
  const err = thrown(() => decodeUserControl(bytes(0x00)));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED);
});

test('the decoded SWF answer and unknown data are views into the payload', () => {
  const payload = vectors.find((v) => v.event.event === 'SWFVerifyResponse')!.payload;
  const event = decodeUserControl(payload) as { data: Buffer };
  assert.equal(event.data.buffer, payload.buffer);
  assert.equal(event.data.byteOffset, payload.byteOffset + 2);
});

test('bad events are ERR_MESSAGE_INVALID on encode', () => {
  const bad: unknown[] = [
    { event: 'StreamBegin', streamId: -1 },
    { event: 'SetBufferLength', streamId: 1, bufferLength: 2 ** 32 },
    { event: 'PingRequest', timestamp: 1.5 },
    { event: 'SWFVerifyResponse', data: Buffer.alloc(SWF_VERIFY_RESPONSE_LENGTH - 1) },
    { event: 'Unknown', eventType: 0x10000, data: Buffer.alloc(0) },
    { event: 'Unknown', eventType: 9, data: 'x' },
    { event: 'Nope' },
  ];
  for (const event of bad) {
    const err = thrown(() => encodeUserControl(event as UserControlEvent));
    assert.ok(err instanceof MessageError, JSON.stringify(event));
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
});

test('createUserControlMessage: type 4 on chunk stream 2, message stream 0 (§6.2)', () => {
  assert.deepEqual(createUserControlMessage({ event: 'StreamBegin', streamId: 1 }), {
    chunkStreamId: 2,
    messageStreamId: 0,
    timestamp: 0,
    type: 4,
    length: 6,
    data: bytes(0, 0, 0, 0, 0, 1),
  });
});

test('fuzz: decodeUserControl throws only RtmpError', () => {
  const { ok, failed } = fuzz(decodeUserControl, vectors.map((v) => v.payload), 30_000, 0xc0ffee);
  assert.ok(ok > 0 && failed > 0, `${ok} ok, ${failed} failed`);
});
