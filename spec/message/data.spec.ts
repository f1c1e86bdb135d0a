import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecmaArray, isEcmaArray } from '../../lib/amf/index.js';
import { ErrorCode, MessageError } from '../../lib/errors.js';
import {
  ON_META_DATA,
  SET_DATA_FRAME,
  createDataMessage,
  decodeData,
  decodeDataAmf3,
  decodeDataMessage,
  encodeData,
  encodeDataAmf3,
  getMetadata,
  setDataFrame,
  stripSetDataFrame,
} from '../../lib/message/data.js';
import { MessageType } from '../../lib/message/message-type.js';
import { assertRtmpError, assertTruncations, bytes, fuzz, thrown } from './support.js';

interface Vector {
  name: string;
  payload: Buffer;
  values: unknown[];
  /** Indexes of values that must decode as ECMA arrays (and so re-encode as 0x08). */
  ecmaArrays?: number[];
  canonical: boolean;
}

/** Type 18 payloads: AMF0 values back to back (RTMP 1.0 §7.1.2). */
const amf0Vectors: Vector[] = [
  {
    name: 'onMetaData with an ECMA array',
    payload: bytes(
      0x02, 0x00, 0x0a, 'onMetaData', //          handler name
      0x08, 0x00, 0x00, 0x00, 0x02, //            ECMA array, count hint 2
      0x00, 0x08, 'duration', //                  key
      0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0, //      2.0
      0x00, 0x05, 'width', //                     key
      0x00, 0x40, 0x64, 0, 0, 0, 0, 0, 0, //      160.0
      0x00, 0x00, 0x09, //                        object end
    ),
    values: ['onMetaData', { duration: 2, width: 160 }],
    ecmaArrays: [1],
    canonical: true,
  },
  {
    name: '@setDataFrame onMetaData (what OBS and ffmpeg publish)',
    payload: bytes(
      0x02, 0x00, 0x0d, '@setDataFrame', //       handler
      0x02, 0x00, 0x0a, 'onMetaData', //          the data frame's name
      0x08, 0x00, 0x00, 0x00, 0x01, //            ECMA array of 1
      0x00, 0x09, 'framerate', //                 key
      0x00, 0x40, 0x2e, 0, 0, 0, 0, 0, 0, //      15.0
      0x00, 0x00, 0x09, //                        object end
    ),
    values: ['@setDataFrame', 'onMetaData', { framerate: 15 }],
    ecmaArrays: [2],
    canonical: true,
  },
  {
    name: '|RtmpSampleAccess false false',
    payload: bytes(0x02, 0x00, 0x11, '|RtmpSampleAccess', 0x01, 0x00, /* false */ 0x01, 0x00 /* false */),
    values: ['|RtmpSampleAccess', false, false],
    canonical: true,
  },
  { name: 'no values', payload: Buffer.alloc(0), values: [], canonical: true },
];

/** Type 15 payloads (see lib/message/data.ts for the two forms peers send). */
const amf3Vectors: Vector[] = [
  {
    name: 'onMetaData, Flash form',
    payload: bytes(
      0x00, //                             format byte
      0x02, 0x00, 0x0a, 'onMetaData', //   AMF0 handler name
      0x11, //                             AVM+ marker
      0x0a, 0x0b, 0x01, //                 AMF3 object, dynamic anonymous traits, class ""
      0x11, 'duration', //                 key, U29 (8 << 1) | 1
      0x04, 0x02, //                       AMF3 integer 2
      0x01, //                             end of dynamic members
    ),
    values: ['onMetaData', { duration: 2 }],
    canonical: true,
  },
  {
    name: '@setDataFrame with an ECMA array as an AMF3 associative array',
    payload: bytes(
      0x00, //                                format byte
      0x02, 0x00, 0x0d, '@setDataFrame', //   AMF0 string
      0x02, 0x00, 0x0a, 'onMetaData', //      AMF0 string
      0x11, 0x09, //                          AVM+, AMF3 array
      0x01, //                                dense count 0: U29 (0 << 1) | 1
      0x13, 'framerate', //                   associative key, U29 (9 << 1) | 1
      0x04, 0x0f, //                          integer 15
      0x01, //                                end of the associative part
    ),
    values: ['@setDataFrame', 'onMetaData', { framerate: 15 }],
    ecmaArrays: [2],
    canonical: true,
  },
  {
    name: 'no format byte (read like type 18)',
    payload: bytes(0x02, 0x00, 0x0a, 'onMetaData', 0x05 /* null */),
    values: ['onMetaData', null],
    canonical: false,
  },
  {
    name: 'format byte then all AMF0',
    payload: bytes(0x00, 0x02, 0x00, 0x0a, 'onMetaData', 0x05),
    values: ['onMetaData', null],
    canonical: false,
  },
];

function checkValues(actual: unknown[], v: Vector): void {
  assert.deepEqual(actual, v.values, v.name);
  for (const i of v.ecmaArrays ?? []) assert.ok(isEcmaArray(actual[i]), `${v.name}: value ${i} is an ECMA array`);
}

/** The vector's values as the encoder needs them (ECMA arrays marked). */
function input(v: Vector): unknown[] {
  return v.values.map((value, i) => (v.ecmaArrays?.includes(i) ? ecmaArray({ ...(value as object) }) : value));
}

test('AMF0 data vectors decode', () => {
  for (const v of amf0Vectors) checkValues(decodeData(v.payload), v);
});

test('AMF0 data vectors encode byte-exact', () => {
  for (const v of amf0Vectors) assert.deepEqual(encodeData(input(v)), v.payload, v.name);
});

test('AMF0 data vectors round-trip', () => {
  for (const v of amf0Vectors) {
    assert.deepEqual(encodeData(decodeData(v.payload)), v.payload, v.name);
    checkValues(decodeData(encodeData(input(v))), v);
  }
});

test('AMF3 data vectors decode', () => {
  for (const v of amf3Vectors) checkValues(decodeDataAmf3(v.payload), v);
});

test('AMF3 data vectors encode byte-exact', () => {
  for (const v of amf3Vectors.filter((x) => x.canonical)) assert.deepEqual(encodeDataAmf3(input(v)), v.payload, v.name);
});

test('AMF3 data vectors round-trip', () => {
  for (const v of amf3Vectors) {
    checkValues(decodeDataAmf3(encodeDataAmf3(input(v))), v);
    if (v.canonical) assert.deepEqual(encodeDataAmf3(decodeDataAmf3(v.payload)), v.payload, v.name);
  }
});

test('setDataFrame sends a plain object as a marked copy of an ECMA array', () => {
  const metadata = { width: 160, height: 120 };
  const values = setDataFrame(metadata);
  assert.deepEqual(values, [SET_DATA_FRAME, ON_META_DATA, { width: 160, height: 120 }]);
  assert.ok(isEcmaArray(values[2]));
  assert.notEqual(values[2], metadata);
  assert.equal(isEcmaArray(metadata), false);
  // Already an ECMA array, or not a plain object: passed through as is.
  const marked = ecmaArray({ a: 1 });
  assert.equal(setDataFrame(marked)[2], marked);
  const map = new Map();
  assert.equal(setDataFrame(map, 'onCuePoint')[2], map);
  assert.equal(setDataFrame(map, 'onCuePoint')[1], 'onCuePoint');
  // And it encodes to the @setDataFrame vector.
  assert.deepEqual(encodeData(setDataFrame({ framerate: 15 })), amf0Vectors[1]!.payload);
});

test('stripSetDataFrame and getMetadata', () => {
  const published = decodeData(amf0Vectors[1]!.payload);
  const forwarded = stripSetDataFrame(published);
  assert.deepEqual(forwarded, ['onMetaData', { framerate: 15 }]);
  assert.equal(forwarded[1], published[2]); // shared, not re-encoded
  assert.deepEqual(stripSetDataFrame(forwarded), forwarded);
  assert.notEqual(stripSetDataFrame(forwarded), forwarded); // a new array either way
  assert.deepEqual(getMetadata(published), { framerate: 15 });
  assert.deepEqual(getMetadata(forwarded), { framerate: 15 });
  assert.equal(getMetadata(['|RtmpSampleAccess', false, false]), undefined);
  assert.equal(getMetadata([]), undefined);
});

test('createDataMessage / decodeDataMessage', () => {
  const m0 = createDataMessage(['onMetaData', null], { messageStreamId: 1 });
  assert.deepEqual([m0.chunkStreamId, m0.messageStreamId, m0.type, m0.timestamp], [3, 1, MessageType.DataAMF0, 0]);
  assert.deepEqual(decodeDataMessage(m0), ['onMetaData', null]);
  const m3 = createDataMessage(['onMetaData', null], { objectEncoding: 3, chunkStreamId: 5, timestamp: 40 });
  assert.deepEqual([m3.chunkStreamId, m3.type, m3.timestamp, m3.data[0]], [5, MessageType.DataAMF3, 40, 0x00]);
  assert.deepEqual(decodeDataMessage(m3), ['onMetaData', null]);
  const err = thrown(() => decodeDataMessage({ type: MessageType.CommandAMF0, data: m0.data }));
  assert.ok(err instanceof MessageError);
  assert.equal(err.code, ErrorCode.MESSAGE_INVALID);
});

test('garbage is an AMF error, truncations never another exception', () => {
  assert.equal(assertRtmpError(() => decodeData(bytes(0x02, 0x00, 0x05, 'ab')), 'short string').code, ErrorCode.AMF_TRUNCATED);
  for (const v of amf0Vectors) assertTruncations(v.payload, decodeData, v.name, false);
  for (const v of amf3Vectors) assertTruncations(v.payload, decodeDataAmf3, v.name, false);
});

test('fuzz: data decoders throw only RtmpError', () => {
  const a = fuzz(decodeData, amf0Vectors.map((v) => v.payload), 20_000, 0xda7a0);
  const b = fuzz(decodeDataAmf3, amf3Vectors.map((v) => v.payload), 20_000, 0xda7a3);
  assert.ok(a.ok > 0 && a.failed > 0 && b.ok > 0 && b.failed > 0, JSON.stringify([a, b]));
});
