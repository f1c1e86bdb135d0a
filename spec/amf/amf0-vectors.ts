/**
 * AMF0 vectors, hand-computed from the AMF0 specification (Adobe, December 2007). One table for
 * the decode, encode, round-trip, truncation and mutation tests.
 */
import assert from 'node:assert/strict';
import {
  AMF_DATE_TIMEZONE,
  AMF_ECMA_ARRAY,
  AMF_TRAITS,
  AmfAvmPlus,
  AmfUnsupported,
  AmfXml,
  AmfXmlDocument,
  ecmaArray,
  type AmfTraits,
} from '../../lib/amf/index.js';
import { Point, connectCommandObject, metadataObject, point } from './fixtures.js';
import { hex, utf8, type AmfVector } from './hex.js';

function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { name: 'root' };
  o.self = o;
  return o;
}

const shared = { id: 7 };
const selfArray: unknown[] = [];
selfArray.push(selfArray);

export const amf0Vectors: AmfVector[] = [
  {
    name: 'number 1.5',
    bytes: hex(
      '00', //                      number marker (§2.2)
      '3f f8 00 00 00 00 00 00', // IEEE-754 double 1.5, big-endian
    ),
    values: [1.5],
  },
  {
    name: 'number -0 and NaN keep their bits',
    bytes: hex(
      '00 80 00 00 00 00 00 00 00', // number -0 (sign bit only)
      '00 7f f8 00 00 00 00 00 00', // number NaN (canonical quiet NaN)
    ),
    values: [-0, NaN],
  },
  {
    name: 'booleans',
    bytes: hex(
      '01 01', // boolean marker, 1 = true (§2.3)
      '01 00', // boolean marker, 0 = false
    ),
    values: [true, false],
  },
  {
    name: 'boolean: any non-zero byte is true',
    bytes: hex('01 ff'), // boolean marker, 0xff → true
    values: [true],
    encodeFrom: null,
    roundTrip: false,
  },
  {
    name: 'empty string',
    bytes: hex(
      '02', //    string marker (§2.4)
      '00 00', // U16 length 0
    ),
    values: [''],
  },
  {
    name: 'string with multi-byte UTF-8',
    bytes: hex(
      '02', //               string marker
      '00 06', //            U16 length 6 (bytes, not characters)
      '68 c3 a9 6c 6c 6f', // "h" "é" (c3 a9) "l" "l" "o"
    ),
    values: ['héllo'],
  },
  {
    name: 'null and undefined',
    bytes: hex(
      '05', // null marker (§2.7)
      '06', // undefined marker (§2.8)
    ),
    values: [null, undefined],
  },
  {
    name: 'empty anonymous object',
    bytes: hex(
      '03', //       object marker (§2.5)
      '00 00 09', // empty name + object-end marker
    ),
    values: [{}],
  },
  {
    name: 'anonymous object with two properties',
    bytes: hex(
      '03', //                            object marker
      '00 01',
      utf8('a'), //                       name "a"
      '00 3f f0 00 00 00 00 00 00', //    number 1
      '00 01',
      utf8('b'), //                       name "b"
      '02 00 01',
      utf8('x'), //                       string "x"
      '00 00 09', //                      end of object
    ),
    values: [{ a: 1, b: 'x' }],
  },
  {
    name: 'ffmpeg connect command',
    bytes: hex(
      '02 00 07',
      utf8('connect'), //                                  command name
      '00 3f f0 00 00 00 00 00 00', //                     transaction id 1
      '03', //                                             command object
      '00 03',
      utf8('app'),
      '02 00 04',
      utf8('live'),
      '00 08',
      utf8('flashVer'),
      '02 00 0d',
      utf8('LNX 9,0,124,2'),
      '00 05',
      utf8('tcUrl'),
      '02 00 1a',
      utf8('rtmp://127.0.0.1:1935/live'), //               26 bytes
      '00 04',
      utf8('fpad'),
      '01 00', //                                          false
      '00 0c',
      utf8('capabilities'),
      '00 40 2e 00 00 00 00 00 00', //                     15
      '00 0b',
      utf8('audioCodecs'),
      '00 40 af ce 00 00 00 00 00', //                     4071
      '00 0b',
      utf8('videoCodecs'),
      '00 40 6f 80 00 00 00 00 00', //                     252
      '00 0d',
      utf8('videoFunction'),
      '00 3f f0 00 00 00 00 00 00', //                     1
      '00 00 09', //                                       end of object
    ),
    values: ['connect', 1, connectCommandObject()],
  },
  {
    name: 'onMetaData ECMA array (ffmpeg FLV muxer fields)',
    bytes: hex(
      '02 00 0a',
      utf8('onMetaData'),
      '08', //                                  ECMA array marker (§2.10)
      '00 00 00 0d', //                         associative count 13
      '00 08',
      utf8('duration'),
      '00 40 24 00 00 00 00 00 00', //          10
      '00 05',
      utf8('width'),
      '00 40 94 00 00 00 00 00 00', //          1280
      '00 06',
      utf8('height'),
      '00 40 86 80 00 00 00 00 00', //          720
      '00 0d',
      utf8('videodatarate'),
      '00 00 00 00 00 00 00 00 00', //          0
      '00 09',
      utf8('framerate'),
      '00 40 3e 00 00 00 00 00 00', //          30
      '00 0c',
      utf8('videocodecid'),
      '00 40 1c 00 00 00 00 00 00', //          7 (AVC)
      '00 0d',
      utf8('audiodatarate'),
      '00 40 5f 40 00 00 00 00 00', //          125
      '00 0f',
      utf8('audiosamplerate'),
      '00 40 e5 88 80 00 00 00 00', //          44100
      '00 0f',
      utf8('audiosamplesize'),
      '00 40 30 00 00 00 00 00 00', //          16
      '00 06',
      utf8('stereo'),
      '01 01', //                               true
      '00 0c',
      utf8('audiocodecid'),
      '00 40 24 00 00 00 00 00 00', //          10 (AAC)
      '00 07',
      utf8('encoder'),
      '02 00 0d',
      utf8('Lavf59.27.100'),
      '00 08',
      utf8('filesize'),
      '00 00 00 00 00 00 00 00 00', //          0
      '00 00 09', //                            end
    ),
    values: ['onMetaData', metadataObject()],
    encodeFrom: ['onMetaData', ecmaArray(metadataObject())],
    check: (d) => assert.equal((d[1] as Record<symbol, unknown>)[AMF_ECMA_ARRAY], true),
  },
  {
    name: 'ECMA array whose count field is 0 (the count is advisory)',
    bytes: hex(
      '08', //          ECMA array marker
      '00 00 00 00', // count 0, yet one property follows
      '00 01',
      utf8('k'),
      '05', //          null
      '00 00 09',
    ),
    values: [{ k: null }],
    encodeFrom: null,
    roundTrip: false, // the encoder writes the true count, 1
    check: (d) => assert.equal((d[0] as Record<symbol, unknown>)[AMF_ECMA_ARRAY], true),
  },
  {
    name: 'Map encodes as an ECMA array',
    bytes: hex(
      '08', //          ECMA array marker
      '00 00 00 02', // count 2
      '00 01',
      utf8('a'),
      '01 01', //       true
      '00 01',
      utf8('1'), //     number key 1 → name "1"
      '06', //          undefined
      '00 00 09',
    ),
    values: [{ a: true, 1: undefined }],
    encodeFrom: [
      new Map<unknown, unknown>([
        ['a', true],
        [1, undefined],
      ]),
    ],
    roundTrip: false, // JS puts integer-like keys first: {1, a}
  },
  {
    name: 'strict array',
    bytes: hex(
      '0a', //                          strict array marker (§2.12)
      '00 00 00 03', //                 count 3
      '00 40 00 00 00 00 00 00 00', //  2
      '02 00 01',
      utf8('z'), //                     "z"
      '06', //                          undefined
    ),
    values: [[2, 'z', undefined]],
  },
  {
    name: 'sparse array: holes are written as undefined',
    bytes: hex('0a 00 00 00 02', '06', '05'), // strict array of 2: undefined, null
    values: [[undefined, null]],
    encodeFrom: [[, null]],
  },
  {
    name: 'date with time-zone 0',
    bytes: hex(
      '0b', //                          date marker (§2.13)
      '40 8f 40 00 00 00 00 00', //     1000 ms since the epoch
      '00 00', //                       time-zone S16, reserved, 0
    ),
    values: [new Date(1000)],
  },
  {
    name: 'date with a non-zero time-zone field keeps it',
    bytes: hex(
      '0b',
      '40 8f 40 00 00 00 00 00', // 1000 ms
      'ff 88', //                   time-zone -120
    ),
    values: [new Date(1000)],
    encodeFrom: null,
    check: (d) => assert.equal((d[0] as unknown as Record<symbol, unknown>)[AMF_DATE_TIMEZONE], -120),
  },
  {
    name: 'long string past 65535 bytes',
    bytes: hex(
      '0c', //          long string marker (§2.14)
      '00 01 00 00', // U32 length 65536
      Buffer.alloc(65536, 0x61), // "a" × 65536
    ),
    values: ['a'.repeat(65536)],
  },
  {
    name: 'unsupported',
    bytes: hex('0d'), // unsupported marker (§2.15)
    values: [new AmfUnsupported()],
  },
  {
    name: 'XML document',
    bytes: hex(
      '0f', //          XML document marker (§2.17)
      '00 00 00 04', // U32 length 4
      utf8('<a/>'),
    ),
    values: [new AmfXmlDocument('<a/>')],
  },
  {
    name: 'AMF3 XML is written as an AMF0 XML document',
    bytes: hex('0f 00 00 00 04', utf8('<b/>')),
    values: [new AmfXmlDocument('<b/>')],
    encodeFrom: [new AmfXml('<b/>')],
  },
  {
    name: 'typed object of a registered class',
    bytes: hex(
      '10', //                           typed object marker (§2.18)
      '00 11',
      utf8('com.example.Point'), //      class name, 17 bytes
      '00 01',
      utf8('x'),
      '00 3f f0 00 00 00 00 00 00', //   1
      '00 01',
      utf8('y'),
      '00 40 00 00 00 00 00 00 00', //   2
      '00 00 09',
    ),
    values: [point(1, 2)],
    check: (d) => assert.ok(d[0] instanceof Point),
  },
  {
    name: 'typed object of an unregistered class keeps its alias',
    bytes: hex(
      '10', //              typed object marker
      '00 07',
      utf8('org.Foo'), //   class name
      '00 01',
      utf8('v'),
      '05', //              null
      '00 00 09',
    ),
    values: [{ v: null }],
    encodeFrom: null,
    check: (d) => assert.equal(((d[0] as Record<symbol, unknown>)[AMF_TRAITS] as AmfTraits).className, 'org.Foo'),
  },
  {
    name: 'repeated object is a reference',
    bytes: hex(
      '03', //                          object → table index 0
      '00 02',
      utf8('id'),
      '00 40 1c 00 00 00 00 00 00', //  7
      '00 00 09',
      '07 00 00', //                    reference marker (§2.9), U16 index 0
    ),
    values: [shared, shared],
    check: (d) => assert.equal(d[0], d[1]),
  },
  {
    name: 'cycle: an object that contains itself',
    bytes: hex(
      '03', //              object → index 0, registered before its properties
      '00 04',
      utf8('name'),
      '02 00 04',
      utf8('root'),
      '00 04',
      utf8('self'),
      '07 00 00', //        reference to index 0
      '00 00 09',
    ),
    values: [cyclic()],
    check: (d) => {
      const o = d[0] as Record<string, unknown>;
      assert.equal(o.self, o);
    },
  },
  {
    name: 'strict array that contains itself',
    bytes: hex(
      '0a 00 00 00 01', // strict array of 1 → index 0
      '07 00 00', //       reference to index 0
    ),
    values: [selfArray],
    check: (d) => {
      const a = d[0] as unknown[];
      assert.equal(a[0], a);
    },
  },
  {
    name: 'references count objects, typed objects, ECMA arrays and strict arrays',
    bytes: hex(
      '0a 00 00 00 03', //          strict array → index 0
      '03 00 00 09', //             object → index 1
      '08 00 00 00 00 00 00 09', // ECMA array → index 2
      '10 00 07',
      utf8('org.Foo'),
      '00 00 09', //                typed object → index 3
      '07 00 02', //                reference to index 2 (the ECMA array)
      '07 00 03', //                reference to index 3 (the typed object)
    ),
    values: [[{}, {}, {}], {}, {}],
    encodeFrom: null,
    check: (d) => {
      const arr = d[0] as unknown[];
      assert.equal(d[1], arr[1]);
      assert.equal(d[2], arr[2]);
    },
  },
  {
    name: 'AVM+ marker switches to AMF3 for the next value',
    bytes: hex(
      '11', //             avmplus-object-marker (§3.1)
      '0a 0b 01', //       AMF3 object, dynamic anonymous traits, class ""
      '03',
      utf8('a'), //        member "a"
      '04 05', //          AMF3 integer 5
      '01', //             end of dynamic members
      '00 3f f0 00 00 00 00 00 00', // back in AMF0: number 1
    ),
    values: [{ a: 5 }, 1],
    encodeFrom: [new AmfAvmPlus({ a: 5 }), 1],
    roundTrip: false, // decoded values come back as plain AMF0
  },
];
