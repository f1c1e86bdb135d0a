import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import { MessageType } from '../../lib/message/message-type.js';
import {
  SharedObjectEventType,
  createSharedObjectMessage,
  decodeSharedObject,
  decodeSharedObjectAmf3,
  decodeSharedObjectMessage,
  encodeSharedObject,
  encodeSharedObjectAmf3,
  isPersistentSharedObject,
  sharedObjectFlags,
  type SharedObjectEvent,
  type SharedObjectMessage,
} from '../../lib/message/shared-object.js';
import { assertTruncations, bytes, fuzz, thrown } from './support.js';

interface Vector {
  name: string;
  payload: Buffer;
  so: SharedObjectMessage;
  /** Offsets where the payload may be cut and still be a whole message (after the header, between events). */
  boundaries: number[];
  canonical: boolean;
}

const persistent = bytes(0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00);
const notPersistent = Buffer.alloc(8);

/** Type 19 (AMF0), RTMP 1.0 §7.1.3. */
const amf0Vectors: Vector[] = [
  {
    name: 'client: Use',
    payload: bytes(
      0x00, 0x04, 'chat', //         name, 16-bit length, no marker
      0x00, 0x00, 0x00, 0x00, //     current version 0
      0, 0, 0, 0, 0, 0, 0, 0, //     flags: not persistent
      0x01, 0x00, 0x00, 0x00, 0x00, // event Use (1), data length 0
    ),
    so: { name: 'chat', version: 0, flags: notPersistent, events: [{ event: 'Use' }] },
    boundaries: [18, 23],
    canonical: true,
  },
  {
    name: 'client: RequestChange, RequestRemove, SendMessage, Release',
    payload: bytes(
      0x00, 0x04, 'chat', //                 name
      0x00, 0x00, 0x00, 0x03, //             version 3
      0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, // flags: persistent (2)
      0x03, 0x00, 0x00, 0x00, 0x1b, //       RequestChange (3), 27 bytes:
      0x00, 0x04, 'text', //                   name "text"
      0x02, 0x00, 0x02, 'hi', //               AMF0 string "hi"
      0x00, 0x05, 'count', //                  name "count"
      0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0, //   AMF0 number 2
      0x0a, 0x00, 0x00, 0x00, 0x06, //       RequestRemove (10), 6 bytes:
      0x00, 0x04, 'text', //                   name "text"
      0x06, 0x00, 0x00, 0x00, 0x0e, //       SendMessage (6), 14 bytes:
      0x02, 0x00, 0x06, 'onChat', //           AMF0 handler name
      0x02, 0x00, 0x02, 'hi', //               AMF0 argument
      0x02, 0x00, 0x00, 0x00, 0x00, //       Release (2), no data
    ),
    so: {
      name: 'chat',
      version: 3,
      flags: persistent,
      events: [
        { event: 'RequestChange', properties: [{ name: 'text', value: 'hi' }, { name: 'count', value: 2 }] },
        { event: 'RequestRemove', name: 'text' },
        { event: 'SendMessage', values: ['onChat', 'hi'] },
        { event: 'Release' },
      ],
    },
    boundaries: [18, 50, 61, 80, 85],
    canonical: true,
  },
  {
    name: 'server: UseSuccess, Clear, Change, Success, Remove, Status',
    payload: bytes(
      0x00, 0x04, 'chat', //             name
      0x00, 0x00, 0x00, 0x04, //         version 4
      0, 0, 0, 0, 0, 0, 0, 0, //         flags
      0x0b, 0x00, 0x00, 0x00, 0x00, //   UseSuccess (11)
      0x08, 0x00, 0x00, 0x00, 0x00, //   Clear (8)
      0x04, 0x00, 0x00, 0x00, 0x0b, //   Change (4), 11 bytes:
      0x00, 0x04, 'text', //               name
      0x02, 0x00, 0x02, 'hi', //           AMF0 "hi"
      0x05, 0x00, 0x00, 0x00, 0x06, //   Success (5), 6 bytes:
      0x00, 0x04, 'text', //               name
      0x09, 0x00, 0x00, 0x00, 0x07, //   Remove (9), 7 bytes:
      0x00, 0x05, 'count', //              name
      0x07, 0x00, 0x00, 0x00, 0x24, //   Status (7), 36 bytes:
      0x00, 0x1b, 'SharedObject.BadPersistence', // message (27 chars)
      0x00, 0x05, 'error', //              level
    ),
    so: {
      name: 'chat',
      version: 4,
      flags: notPersistent,
      events: [
        { event: 'UseSuccess' },
        { event: 'Clear' },
        { event: 'Change', properties: [{ name: 'text', value: 'hi' }] },
        { event: 'Success', name: 'text' },
        { event: 'Remove', name: 'count' },
        { event: 'Status', message: 'SharedObject.BadPersistence', level: 'error' },
      ],
    },
    boundaries: [18, 23, 28, 44, 55, 67, 108],
    canonical: true,
  },
];

/** Type 16 (AMF3): format byte 0x00, then the same structure; values in AMF3 behind 0x11. */
const amf3Vectors: Vector[] = [
  {
    name: 'server: Change and SendMessage with AMF3 values, Status',
    payload: bytes(
      0x00, //                           format byte
      0x00, 0x04, 'chat', //             name
      0x00, 0x00, 0x00, 0x01, //         version 1
      0, 0, 0, 0, 0, 0, 0, 0, //         flags
      0x04, 0x00, 0x00, 0x00, 0x0b, //   Change, 11 bytes:
      0x00, 0x04, 'text', //               name
      0x11, 0x06, 0x05, 'hi', //           AVM+, AMF3 string, U29 (2 << 1) | 1
      0x06, 0x00, 0x00, 0x00, 0x0e, //   SendMessage, 14 bytes:
      0x02, 0x00, 0x06, 'onChat', //       AMF0 handler name
      0x11, 0x06, 0x05, 'hi', //           AMF3 argument
      0x07, 0x00, 0x00, 0x00, 0x0c, //   Status, 12 bytes:
      0x00, 0x03, 'msg', 0x00, 0x05, 'error',
    ),
    so: {
      name: 'chat',
      version: 1,
      flags: notPersistent,
      events: [
        { event: 'Change', properties: [{ name: 'text', value: 'hi' }] },
        { event: 'SendMessage', values: ['onChat', 'hi'] },
        { event: 'Status', message: 'msg', level: 'error' },
      ],
    },
    boundaries: [19, 35, 54, 71],
    canonical: true,
  },
  {
    name: 'format byte then AMF0 values (decoded, never written)',
    payload: bytes(
      0x00, 0x00, 0x04, 'chat', 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, // format, name, version, flags
      0x04, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x04, 'text', 0x02, 0x00, 0x02, 'hi', // Change text = AMF0 "hi"
    ),
    so: { name: 'chat', version: 1, flags: notPersistent, events: [{ event: 'Change', properties: [{ name: 'text', value: 'hi' }] }] },
    boundaries: [19, 35],
    canonical: false,
  },
];

test('AMF0 shared object vectors decode', () => {
  for (const v of amf0Vectors) assert.deepEqual(decodeSharedObject(v.payload), v.so, v.name);
});

test('AMF0 shared object vectors encode byte-exact', () => {
  for (const v of amf0Vectors) assert.deepEqual(encodeSharedObject(v.so), v.payload, v.name);
});

test('AMF0 shared object vectors round-trip', () => {
  for (const v of amf0Vectors) {
    assert.deepEqual(encodeSharedObject(decodeSharedObject(v.payload)), v.payload, v.name);
    assert.deepEqual(decodeSharedObject(encodeSharedObject(v.so)), v.so, v.name);
  }
});

test('AMF3 shared object vectors decode', () => {
  for (const v of amf3Vectors) assert.deepEqual(decodeSharedObjectAmf3(v.payload), v.so, v.name);
});

test('AMF3 shared object vectors encode byte-exact', () => {
  for (const v of amf3Vectors.filter((x) => x.canonical)) assert.deepEqual(encodeSharedObjectAmf3(v.so), v.payload, v.name);
});

test('AMF3 shared object vectors round-trip', () => {
  for (const v of amf3Vectors) {
    assert.deepEqual(decodeSharedObjectAmf3(encodeSharedObjectAmf3(v.so)), v.so, v.name);
    if (v.canonical) assert.deepEqual(encodeSharedObjectAmf3(decodeSharedObjectAmf3(v.payload)), v.payload, v.name);
  }
  // Every AMF0 vector also survives the AMF3 form.
  for (const v of amf0Vectors) assert.deepEqual(decodeSharedObjectAmf3(encodeSharedObjectAmf3(v.so)), v.so, v.name);
});

test('event type ids follow RTMP 1.0 §7.1.3', () => {
  assert.deepEqual(SharedObjectEventType, {
    Use: 1,
    Release: 2,
    RequestChange: 3,
    Change: 4,
    Success: 5,
    SendMessage: 6,
    Status: 7,
    Clear: 8,
    Remove: 9,
    RequestRemove: 10,
    UseSuccess: 11,
  });
});

test('persistence flags', () => {
  assert.deepEqual(sharedObjectFlags(true), persistent);
  assert.deepEqual(sharedObjectFlags(false), notPersistent);
  assert.equal(isPersistentSharedObject(persistent), true);
  assert.equal(isPersistentSharedObject(notPersistent), false);
  assert.equal(isPersistentSharedObject(Buffer.alloc(2)), false);
});

test('cuts between events decode to fewer events; every other cut is ERR_MESSAGE_TRUNCATED', () => {
  const check = (v: Vector, decode: (b: Buffer) => SharedObjectMessage) => {
    assertTruncations(v.payload, decode, v.name, false);
    for (let n = 0; n < v.payload.length; n++) {
      if (v.boundaries.includes(n)) {
        assert.equal(decode(v.payload.subarray(0, n)).events.length, v.boundaries.indexOf(n), `${v.name} at ${n}`);
        continue;
      }
      const err = thrown(() => decode(v.payload.subarray(0, n)));
      assert.ok(err instanceof MessageError, `${v.name} at ${n}`);
      assert.equal(err.code, ErrorCode.MESSAGE_TRUNCATED, `${v.name} at ${n}`);
    }
  };
  for (const v of amf0Vectors) check(v, decodeSharedObject);
  for (const v of amf3Vectors) check(v, decodeSharedObjectAmf3);
});

test('an unknown event type is ERR_MESSAGE_UNKNOWN_SO_EVENT', () => {
  const header = bytes(0x00, 0x01, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  for (const type of [0, 12, 0xff]) {
    const err = thrown(() => decodeSharedObject(bytes(header, type, 0, 0, 0, 0)));
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_UNKNOWN_SO_EVENT);
  }
  const err = thrown(() => encodeSharedObject({ name: 'x', version: 0, flags: notPersistent, events: [{ event: 'Nope' } as unknown as SharedObjectEvent] }));
  assert.equal((err as MessageError).code, ErrorCode.MESSAGE_UNKNOWN_SO_EVENT);
});

test('malformed events are ERR_MESSAGE_INVALID', () => {
  const header = bytes(0x00, 0x01, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const cases = [
    bytes(header, 0x01, 0, 0, 0, 1, 0xaa), //                    Use with data
    bytes(header, 0x09, 0, 0, 0, 4, 0, 1, 'a', 0xaa), //         Remove: a byte after the name
    bytes(header, 0x07, 0, 0, 0, 5, 0, 0, 0, 0, 0xaa), //        Status: a byte after the level
  ];
  for (const payload of cases) {
    const err = thrown(() => decodeSharedObject(payload));
    assert.ok(err instanceof MessageError, payload.toString('hex'));
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
  const err = thrown(() => decodeSharedObjectAmf3(bytes(0x03, header)));
  assert.equal((err as MessageError).code, ErrorCode.MESSAGE_INVALID);
  assert.equal((thrown(() => decodeSharedObjectAmf3(Buffer.alloc(0))) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
});

test('an event length beyond the payload is truncation, never an allocation', () => {
  const payload = bytes(0x00, 0x01, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0xff, 0xff, 0xff, 0xff, 0x00);
  assert.equal((thrown(() => decodeSharedObject(payload)) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
});

test('bad shared objects are ERR_MESSAGE_INVALID on encode', () => {
  const base: SharedObjectMessage = { name: 'x', version: 0, flags: notPersistent, events: [] };
  const cases: SharedObjectMessage[] = [
    { ...base, flags: Buffer.alloc(7) },
    { ...base, version: -1 },
    { ...base, name: 'x'.repeat(65536) },
    { ...base, events: [{ event: 'Remove', name: 5 as unknown as string }] },
  ];
  for (const so of cases) {
    const err = thrown(() => encodeSharedObject(so));
    assert.ok(err instanceof MessageError);
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
});

test('createSharedObjectMessage / decodeSharedObjectMessage', () => {
  const so = amf0Vectors[0]!.so;
  const m0 = createSharedObjectMessage(so);
  assert.deepEqual([m0.chunkStreamId, m0.messageStreamId, m0.type], [3, 0, MessageType.SharedObjectAMF0]);
  assert.deepEqual(m0.data, amf0Vectors[0]!.payload);
  assert.deepEqual(decodeSharedObjectMessage(m0), so);
  const m3 = createSharedObjectMessage(so, { objectEncoding: 3, messageStreamId: 1, timestamp: 5, chunkStreamId: 4 });
  assert.deepEqual([m3.chunkStreamId, m3.messageStreamId, m3.type, m3.timestamp], [4, 1, MessageType.SharedObjectAMF3, 5]);
  assert.deepEqual(decodeSharedObjectMessage(m3), so);
  const err = thrown(() => decodeSharedObjectMessage({ type: MessageType.DataAMF0, data: m0.data }));
  assert.equal((err as MessageError).code, ErrorCode.MESSAGE_INVALID);
});

test('fuzz: shared object decoders throw only RtmpError', () => {
  const a = fuzz(decodeSharedObject, amf0Vectors.map((v) => v.payload), 20_000, 0x50a0);
  const b = fuzz(decodeSharedObjectAmf3, amf3Vectors.map((v) => v.payload), 20_000, 0x50a3);
  assert.ok(a.ok > 0 && a.failed > 0 && b.ok > 0 && b.failed > 0, JSON.stringify([a, b]));
});
