import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import { MessageType } from '../../lib/message/message-type.js';
import {
  ChunkStreamId,
  PeerBandwidthLimit,
  createProtocolControlMessage,
  decodeAbort,
  decodeAcknowledgement,
  decodeProtocolControl,
  decodeProtocolControlMessage,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAcknowledgementSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeProtocolControl,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeWindowAcknowledgementSize,
  type ProtocolControl,
} from '../../lib/message/protocol-control.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

/** RTMP 1.0 §5.4.1-§5.4.5, hand-computed. */
const vectors: Array<{ name: string; control: ProtocolControl; payload: Buffer }> = [
  {
    name: 'Set Chunk Size 4096 (§5.4.1)',
    control: { type: MessageType.SetChunkSize, chunkSize: 4096 },
    payload: bytes(0x00, 0x00, 0x10, 0x00), // 31-bit size 0x00001000, top bit 0
  },
  {
    name: 'Set Chunk Size 1 (smallest)',
    control: { type: MessageType.SetChunkSize, chunkSize: 1 },
    payload: bytes(0x00, 0x00, 0x00, 0x01),
  },
  {
    name: 'Set Chunk Size 0x7FFFFFFF (largest)',
    control: { type: MessageType.SetChunkSize, chunkSize: 0x7fffffff },
    payload: bytes(0x7f, 0xff, 0xff, 0xff), // top bit 0, the 31 others set
  },
  {
    name: 'Abort chunk stream 4 (§5.4.2)',
    control: { type: MessageType.Abort, chunkStreamId: 4 },
    payload: bytes(0x00, 0x00, 0x00, 0x04), // uint32 chunk stream id
  },
  {
    name: 'Acknowledgement 0xDEADBEEF (§5.4.3)',
    control: { type: MessageType.Acknowledgement, sequenceNumber: 0xdeadbeef },
    payload: bytes(0xde, 0xad, 0xbe, 0xef), // uint32 bytes received so far
  },
  {
    name: 'Window Acknowledgement Size 2500000 (§5.4.4)',
    control: { type: MessageType.WindowAcknowledgementSize, windowSize: 2_500_000 },
    payload: bytes(0x00, 0x26, 0x25, 0xa0), // 2500000 = 0x002625A0
  },
  {
    name: 'Set Peer Bandwidth 2500000 dynamic (§5.4.5)',
    control: { type: MessageType.SetPeerBandwidth, windowSize: 2_500_000, limitType: PeerBandwidthLimit.Dynamic },
    payload: bytes(
      0x00, 0x26, 0x25, 0xa0, // window size 2500000
      0x02, //                   limit type 2 = dynamic
    ),
  },
  {
    name: 'Set Peer Bandwidth 0xFFFFFFFF hard',
    control: { type: MessageType.SetPeerBandwidth, windowSize: 0xffffffff, limitType: PeerBandwidthLimit.Hard },
    payload: bytes(0xff, 0xff, 0xff, 0xff, 0x00), // window, limit type 0 = hard
  },
  {
    name: 'Set Peer Bandwidth 1 soft',
    control: { type: MessageType.SetPeerBandwidth, windowSize: 1, limitType: PeerBandwidthLimit.Soft },
    payload: bytes(0x00, 0x00, 0x00, 0x01, 0x01), // window 1, limit type 1 = soft
  },
];

test('protocol control vectors decode', () => {
  for (const v of vectors) assert.deepEqual(decodeProtocolControl(v.control.type, v.payload), v.control, v.name);
});

test('protocol control vectors encode byte-exact', () => {
  for (const v of vectors) assert.deepEqual(encodeProtocolControl(v.control), v.payload, v.name);
});

test('protocol control vectors round-trip', () => {
  for (const v of vectors) {
    assert.deepEqual(encodeProtocolControl(decodeProtocolControl(v.control.type, v.payload)), v.payload, v.name);
    assert.deepEqual(decodeProtocolControl(v.control.type, encodeProtocolControl(v.control)), v.control, v.name);
  }
});

test('the per-type functions agree with the union', () => {
  assert.equal(decodeSetChunkSize(encodeSetChunkSize(128)), 128);
  assert.equal(decodeAbort(encodeAbort(65599)), 65599);
  assert.equal(decodeAcknowledgement(encodeAcknowledgement(0)), 0);
  assert.equal(decodeWindowAcknowledgementSize(encodeWindowAcknowledgementSize(5_000_000)), 5_000_000);
  assert.deepEqual(decodeSetPeerBandwidth(encodeSetPeerBandwidth(5_000_000, PeerBandwidthLimit.Soft)), {
    windowSize: 5_000_000,
    limitType: 1,
  });
  assert.deepEqual(PeerBandwidthLimit, { Hard: 0, Soft: 1, Dynamic: 2 });
});

test('trailing bytes after the fixed fields are ignored', () => {
  assert.equal(decodeSetChunkSize(bytes(0x00, 0x00, 0x00, 0x80, 0xaa)), 128);
});

test('every truncation of every vector is ERR_MESSAGE_TRUNCATED', () => {
  for (const v of vectors) {
    assertTruncations(v.payload, (b) => decodeProtocolControl(v.control.type, b), v.name, true);
    for (let n = 0; n < v.payload.length; n++) {
      const err = thrown(() => decodeProtocolControl(v.control.type, v.payload.subarray(0, n)));
      assert.ok(err instanceof MessageError, v.name);
      assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED);
    }
  }
});

test('Set Chunk Size 0 or with the top bit set is ERR_MESSAGE_INVALID (§5.4.1)', () => {
  for (const payload of [bytes(0, 0, 0, 0), bytes(0x80, 0, 0x10, 0), bytes(0xff, 0xff, 0xff, 0xff)]) {
    const err = thrown(() => decodeSetChunkSize(payload));
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
  for (const size of [0, -1, 0x80000000, 1.5, NaN]) {
    const err = thrown(() => encodeSetChunkSize(size));
    assert.ok(err instanceof MessageError, String(size));
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
});

test('Set Peer Bandwidth limit type above 2 is ERR_MESSAGE_INVALID (§5.4.5)', () => {
  const err = thrown(() => decodeSetPeerBandwidth(bytes(0, 0, 0, 1, 3)));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  const encErr = thrown(() => encodeSetPeerBandwidth(1, 3 as PeerBandwidthLimit));
  assert.equal((encErr as MessageError).code, ErrorCode.MESSAGE_INVALID);
});

test('uint32 fields out of range are ERR_MESSAGE_INVALID on encode', () => {
  for (const fn of [() => encodeAbort(-1), () => encodeAcknowledgement(2 ** 32), () => encodeWindowAcknowledgementSize(0.5)]) {
    assert.equal((thrown(fn) as MessageError).code, ErrorCode.MESSAGE_INVALID);
  }
});

test('a type that is not protocol control is ERR_MESSAGE_UNKNOWN_TYPE', () => {
  for (const type of [0, 4, 7, 8, 20]) {
    const err = thrown(() => decodeProtocolControl(type, bytes(0, 0, 0, 1)));
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_UNKNOWN_TYPE);
  }
  const err = thrown(() => encodeProtocolControl({ type: 4 } as unknown as ProtocolControl));
  assert.equal((err as MessageError).code, ErrorCode.MESSAGE_UNKNOWN_TYPE);
});

test('createProtocolControlMessage uses chunk stream 2 and message stream 0 (§5.4)', () => {
  const message = createProtocolControlMessage({ type: MessageType.SetChunkSize, chunkSize: 4096 }, 7);
  assert.deepEqual(message, {
    chunkStreamId: 2,
    messageStreamId: 0,
    timestamp: 7,
    type: 1,
    length: 4,
    data: bytes(0x00, 0x00, 0x10, 0x00),
  });
  assert.equal(ChunkStreamId.ProtocolControl, 2);
  assert.deepEqual(decodeProtocolControlMessage(message), { type: 1, chunkSize: 4096 });
});

test('fuzz: protocol control decoders throw only RtmpError', () => {
  const types = [1, 2, 3, 5, 6];
  const seeds = vectors.map((v) => v.payload);
  for (const type of types) {
    const { ok, failed } = fuzz((b) => decodeProtocolControl(type, b), seeds, 20_000, 0x5eed + type);
    assert.ok(ok > 0 && failed > 0, `type ${type}: ${ok} ok, ${failed} failed`);
  }
});
