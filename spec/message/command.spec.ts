import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  createCommandMessage,
  decodeCommand,
  decodeCommandAmf3,
  decodeCommandMessage,
  encodeCommand,
  encodeCommandAmf3,
  type Command,
} from '../../lib/message/command.js';
import { MessageType } from '../../lib/message/message-type.js';
import { amf0Number, amf0String, assertRtmpError, assertTruncations, bytes, fuzz, thrown, u16String } from './support.js';

interface Vector {
  name: string;
  payload: Buffer;
  command: Command;
  /** False for forms we decode but never write (the encoder writes the canonical form). */
  canonical: boolean;
}

/** Type 20 (AMF0) payloads, RTMP 1.0 §7.1.1 / §7.2, AMF0 spec markers. */
const amf0Vectors: Vector[] = [
  {
    name: "ffmpeg 5.1's connect when publishing (real bytes, 140)",
    payload: bytes(
      0x02, 0x00, 0x07, 'connect', //                        name: string marker, length 7
      0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, //                 transaction id 1.0
      0x03, //                                               command object: object marker
      0x00, 0x03, 'app', 0x02, 0x00, 0x04, 'live', //        app: "live"
      0x00, 0x04, 'type', 0x02, 0x00, 0x0a, 'nonprivate', // type: "nonprivate"
      0x00, 0x08, 'flashVer', 0x02, 0x00, 0x24, 'FMLE/3.0 (compatible; Lavf59.27.100)', // 36 chars
      0x00, 0x05, 'tcUrl', 0x02, 0x00, 0x1b, 'rtmp://127.0.0.1:19351/live', // 27 chars
      0x00, 0x00, 0x09, //                                   object end
    ),
    command: {
      name: 'connect',
      transactionId: 1,
      commandObject: {
        app: 'live',
        type: 'nonprivate',
        flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)',
        tcUrl: 'rtmp://127.0.0.1:19351/live',
      },
      args: [],
    },
    canonical: true,
  },
  {
    name: 'createStream (as ffmpeg sends it)',
    payload: bytes(
      0x02, 0x00, 0x0c, 'createStream', //  name
      0x00, 0x40, 0x10, 0, 0, 0, 0, 0, 0, // transaction id 4.0
      0x05, //                              command object null
    ),
    command: { name: 'createStream', transactionId: 4, commandObject: null, args: [] },
    canonical: true,
  },
  {
    name: 'publish "capture" live',
    payload: bytes(
      0x02, 0x00, 0x07, 'publish', //       name
      0x00, 0x40, 0x18, 0, 0, 0, 0, 0, 0, // transaction id 6.0
      0x05, //                              null
      0x02, 0x00, 0x07, 'capture', //       publishing name
      0x02, 0x00, 0x04, 'live', //          publishing type
    ),
    command: { name: 'publish', transactionId: 6, commandObject: null, args: ['capture', 'live'] },
    canonical: true,
  },
  {
    name: '_result of createStream: stream id 1',
    payload: bytes(
      0x02, 0x00, 0x07, '_result', //        name
      0x00, 0x40, 0x10, 0, 0, 0, 0, 0, 0, //  transaction id 4.0
      0x05, //                               null
      0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, // stream id 1.0
    ),
    command: { name: '_result', transactionId: 4, commandObject: null, args: [1] },
    canonical: true,
  },
  {
    name: 'onStatus NetStream.Publish.Start',
    payload: bytes(
      amf0String('onStatus'), //                     02 00 08 "onStatus"
      amf0Number(0), //                              00 + 8 zero bytes: transaction id 0
      0x05, //                                       null
      0x03, //                                       info object
      u16String('level'), amf0String('status'), //   00 05 "level" 02 00 06 "status"
      u16String('code'), amf0String('NetStream.Publish.Start'),
      0x00, 0x00, 0x09, //                           object end
    ),
    command: { name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level: 'status', code: 'NetStream.Publish.Start' }] },
    canonical: true,
  },
  {
    name: "ffmpeg -listen's onFCPublish: a bare name (real bytes)",
    payload: bytes(0x02, 0x00, 0x0b, 'onFCPublish'), // no transaction id, no command object
    command: { name: 'onFCPublish', transactionId: 0, commandObject: null, args: [] },
    canonical: false,
  },
];

/** Type 17 (AMF3) payloads: format byte 0x00, AMF0 name and transaction id, then values. */
const amf3Vectors: Vector[] = [
  {
    name: 'createStream, Flash form',
    payload: bytes(
      0x00, //                              format byte
      0x02, 0x00, 0x0c, 'createStream', //  AMF0 name
      0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0, // AMF0 transaction id 2.0
      0x11, 0x01, //                        AVM+ marker, AMF3 null
    ),
    command: { name: 'createStream', transactionId: 2, commandObject: null, args: [] },
    canonical: true,
  },
  {
    name: 'play "live" 0, arguments in AMF3',
    payload: bytes(
      0x00, //                         format byte
      0x02, 0x00, 0x04, 'play', //     AMF0 name
      0x00, 0, 0, 0, 0, 0, 0, 0, 0, // AMF0 transaction id 0
      0x11, 0x01, //                   AMF3 null (command object)
      0x11, 0x06, 0x09, 'live', //     AMF3 string, U29 (4 << 1) | 1 = 9
      0x11, 0x04, 0x00, //             AMF3 integer 0 (start)
    ),
    command: { name: 'play', transactionId: 0, commandObject: null, args: ['live', 0] },
    canonical: true,
  },
  {
    name: '_result with an AMF3 object',
    payload: bytes(
      0x00, //                              format byte
      0x02, 0x00, 0x07, '_result', //       AMF0 name
      0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, // AMF0 transaction id 1.0
      0x11, 0x01, //                        AMF3 null
      0x11, 0x0a, 0x0b, 0x01, //            AMF3 object, dynamic anonymous traits (U29 0x0B), class ""
      0x1d, 'objectEncoding', //            key: U29 (14 << 1) | 1 = 0x1D
      0x04, 0x03, //                        AMF3 integer 3
      0x01, //                              empty key: end of dynamic members
    ),
    command: { name: '_result', transactionId: 1, commandObject: null, args: [{ objectEncoding: 3 }] },
    canonical: true,
  },
  {
    name: 'format byte then all AMF0 (decoded, never written)',
    payload: bytes(0x00, 0x02, 0x00, 0x04, 'play', amf0Number(0), 0x05, amf0String('live')),
    command: { name: 'play', transactionId: 0, commandObject: null, args: ['live'] },
    canonical: false,
  },
  {
    name: 'no format byte (some servers write type 17 like type 20)',
    payload: bytes(0x02, 0x00, 0x04, 'play', amf0Number(0), 0x05, amf0String('live')),
    command: { name: 'play', transactionId: 0, commandObject: null, args: ['live'] },
    canonical: false,
  },
];

test('AMF0 command vectors decode', () => {
  for (const v of amf0Vectors) assert.deepEqual(decodeCommand(v.payload), v.command, v.name);
});

test('AMF0 command vectors encode byte-exact', () => {
  for (const v of amf0Vectors.filter((x) => x.canonical)) assert.deepEqual(encodeCommand(v.command), v.payload, v.name);
  assert.equal(amf0Vectors[0]!.payload.length, 140);
});

test('AMF0 command vectors round-trip', () => {
  for (const v of amf0Vectors) {
    assert.deepEqual(decodeCommand(encodeCommand(v.command)), v.command, v.name);
    if (v.canonical) assert.deepEqual(encodeCommand(decodeCommand(v.payload)), v.payload, v.name);
  }
});

test('AMF3 command vectors decode', () => {
  for (const v of amf3Vectors) assert.deepEqual(decodeCommandAmf3(v.payload), v.command, v.name);
});

test('AMF3 command vectors encode byte-exact', () => {
  for (const v of amf3Vectors.filter((x) => x.canonical)) assert.deepEqual(encodeCommandAmf3(v.command), v.payload, v.name);
});

test('AMF3 command vectors round-trip', () => {
  for (const v of amf3Vectors) {
    assert.deepEqual(decodeCommandAmf3(encodeCommandAmf3(v.command)), v.command, v.name);
    if (v.canonical) assert.deepEqual(encodeCommandAmf3(decodeCommandAmf3(v.payload)), v.payload, v.name);
  }
});

test('createCommandMessage picks type 20 or 17 and chunk stream 3', () => {
  const command = amf0Vectors[1]!.command;
  const amf0 = createCommandMessage(command, { messageStreamId: 1, timestamp: 9 });
  assert.deepEqual(amf0, { chunkStreamId: 3, messageStreamId: 1, timestamp: 9, type: 20, length: 25, data: amf0Vectors[1]!.payload });
  const amf3 = createCommandMessage(amf3Vectors[0]!.command, { objectEncoding: 3, chunkStreamId: 5 });
  assert.equal(amf3.type, MessageType.CommandAMF3);
  assert.equal(amf3.chunkStreamId, 5);
  assert.deepEqual(amf3.data, amf3Vectors[0]!.payload);
  assert.deepEqual(decodeCommandMessage(amf0), command);
  assert.deepEqual(decodeCommandMessage(amf3), amf3Vectors[0]!.command);
  const err = thrown(() => decodeCommandMessage({ type: MessageType.DataAMF0, data: amf0.data }));
  assert.equal((err as MessageError).code, ErrorCode.MESSAGE_INVALID);
});

test('a name that is not a string, or a transaction id that is not a number, is ERR_MESSAGE_INVALID', () => {
  const cases = [
    () => decodeCommand(amf0Number(1)), //                                    name is a number
    () => decodeCommand(bytes(amf0String('x'), amf0String('1'))), //          transaction id is a string
    () => decodeCommandAmf3(bytes(0x00, 0x01, 0x01)), //                      name is a boolean
    () => decodeCommandAmf3(bytes(0x00, amf0String('x'), 0x05)), //            transaction id null
    () => encodeCommand({ name: 1, transactionId: 0, commandObject: null, args: [] } as unknown as Command),
    () => encodeCommandAmf3({ name: 'x', transactionId: '0', commandObject: null, args: [] } as unknown as Command),
    () => encodeCommand({ name: 'x', transactionId: 0, commandObject: null } as unknown as Command),
  ];
  for (const fn of cases) {
    const err = thrown(fn);
    assert.ok(err instanceof MessageError, String(err));
    assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
  }
});

test('an empty command is ERR_MESSAGE_TRUNCATED', () => {
  for (const fn of [() => decodeCommand(Buffer.alloc(0)), () => decodeCommandAmf3(bytes(0x00))]) {
    assert.equal((thrown(fn) as MessageError).code, ErrorCode.MESSAGE_TRUNCATED);
  }
});

test('truncations give an RtmpError or a shorter valid command, never another exception', () => {
  for (const v of amf0Vectors) assertTruncations(v.payload, decodeCommand, v.name, false);
  for (const v of amf3Vectors) assertTruncations(v.payload, decodeCommandAmf3, v.name, false);
  // Cut inside the name: always an error.
  const connect = amf0Vectors[0]!.payload;
  for (let n = 0; n < 10; n++) assertRtmpError(() => decodeCommand(connect.subarray(0, n)), `connect cut at ${n}`);
});

test('AMF limits pass through to the AMF layer', () => {
  const nested = bytes(amf0String('x'), amf0Number(0), ...Array(10).fill([0x0a, 0, 0, 0, 1]), 0x05); // 10 nested strict arrays of 1
  assert.equal(decodeCommand(nested).name, 'x');
  const err = assertRtmpError(() => decodeCommand(nested, { maxDepth: 3 }), 'deep');
  assert.equal(err.code, ErrorCode.AMF_DEPTH_EXCEEDED);
});

test('fuzz: command decoders throw only RtmpError', () => {
  const a = fuzz(decodeCommand, amf0Vectors.map((v) => v.payload), 20_000, 0xc0a0);
  const b = fuzz(decodeCommandAmf3, amf3Vectors.map((v) => v.payload), 20_000, 0xc0a3);
  assert.ok(a.ok > 0 && a.failed > 0 && b.ok > 0 && b.failed > 0, JSON.stringify([a, b]));
});
