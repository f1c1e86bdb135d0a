/**
 * AMF3 vectors, hand-computed from the AMF 3 specification (Adobe, January 2013). U29 headers are
 * worked out in the comments: an inline length L is written as (L << 1) | 1, a reference index I
 * as I << 1, a traits reference T as (T << 2) | 1.
 */
import assert from 'node:assert/strict';
import {
  AMF_DICTIONARY_WEAK,
  AMF_ECMA_ARRAY,
  AMF_TRAITS,
  AMF_VECTOR_FIXED,
  AmfVectorObject,
  AmfXml,
  AmfXmlDocument,
  ecmaArray,
  type AmfTraits,
} from '../../lib/amf/index.js';
import { Pair, Point, Tag, connectCommandObject, metadataObject, point } from './fixtures.js';
import { hex, utf8, type AmfVector } from './hex.js';

const hidden = (v: unknown, key: symbol): unknown => (v as Record<symbol, unknown>)[key];

const emptyObject = {};
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
const arr: unknown[] = [];
const date0 = new Date(0);
const bytes0 = Buffer.alloc(0);
const mixed: unknown[] = [true];
(mixed as unknown as Record<string, unknown>).foo = null;
const fixedInts = new Int32Array([7]);
Object.defineProperty(fixedInts, AMF_VECTOR_FIXED, { value: true });
const weakDictionary = new Map([['k', 1]]);
Object.defineProperty(weakDictionary, AMF_DICTIONARY_WEAK, { value: true });

export const amf3Vectors: AmfVector[] = [
  {
    name: 'undefined, null, false, true',
    bytes: hex('00', '01', '02', '03'), // one marker each (§3.2-3.5)
    values: [undefined, null, false, true],
  },
  {
    name: 'integers at every U29 width boundary',
    bytes: hex(
      '04 00', //          0
      '04 7f', //          127: largest 1-byte U29
      '04 81 00', //       128 = 1·2^7 + 0
      '04 ff 7f', //       16383: largest 2-byte U29
      '04 81 80 00', //    16384 = 1·2^14
      '04 ff ff 7f', //    2097151: largest 3-byte U29
      '04 80 c0 80 00', // 2097152 = 0x200000: 4-byte form, last byte holds 8 bits
      '04 bf ff ff ff', // 268435455 = 2^28-1, largest integer
      '04 ff ff ff ff', // -1 as 29-bit two's complement 0x1fffffff
      '04 c0 80 80 00', // -268435456 = -2^28 → 0x10000000, smallest integer
    ),
    values: [0, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, -1, -268435456],
  },
  {
    name: 'numbers outside the integer range, fractions and -0 are doubles',
    bytes: hex(
      '05 41 b0 00 00 00 00 00 00', // 2^28
      '05 c1 b0 00 00 01 00 00 00', // -2^28 - 1
      '05 3f f8 00 00 00 00 00 00', // 1.5
      '05 80 00 00 00 00 00 00 00', // -0
    ),
    values: [268435456, -268435457, 1.5, -0],
  },
  {
    name: 'an integral double decodes to a number (re-encoded as integer)',
    bytes: hex('05 3f f0 00 00 00 00 00 00'), // double 1
    values: [1],
    encodeFrom: null,
    roundTrip: false,
  },
  {
    name: 'strings',
    bytes: hex(
      '06 01', //             '' — length 0, never in the string table
      '06 0b',
      utf8('hello'), //       length 5 → (5 << 1) | 1 = 0x0b
      '06 05 c3 a9', //       'é' is 2 bytes → 0x05
    ),
    values: ['', 'hello', 'é'],
  },
  {
    name: 'string references (the empty string is never referenced)',
    bytes: hex(
      '06 05',
      utf8('ab'), // 'ab' inline → string table index 0
      '06 00', //    reference to index 0 → 0 << 1
      '06 01', //    ''
      '06 01', //    '' again: still inline
    ),
    values: ['ab', 'ab', '', ''],
  },
  {
    name: 'XMLDocument and XML',
    bytes: hex(
      '07 09',
      utf8('<a/>'), // XMLDocument (§3.9), 4 bytes → 0x09
      '0b 09',
      utf8('<b/>'), // XML (§3.13)
    ),
    values: [new AmfXmlDocument('<a/>'), new AmfXml('<b/>')],
  },
  {
    name: 'date',
    bytes: hex(
      '08', //                       date marker (§3.10)
      '01', //                       U29D-value: inline (no time zone in AMF3)
      '40 8f 40 00 00 00 00 00', //  1000 ms
    ),
    values: [new Date(1000)],
  },
  {
    name: 'dense array',
    bytes: hex(
      '09', //       array marker (§3.11)
      '05', //       dense count 2 → 0x05
      '01', //       no associative part: '' right away
      '04 01', //    1
      '06 03 78', // 'x'
    ),
    values: [[1, 'x']],
  },
  {
    name: 'empty array',
    bytes: hex('09 01 01'), // dense count 0, empty associative part
    values: [[]],
  },
  {
    name: 'array with dense and associative parts',
    bytes: hex(
      '09', //
      '03', //              dense count 1
      '07',
      utf8('foo'), //       associative name 'foo'
      '01', //              null
      '01', //              end of associative part
      '03', //              dense[0] = true
    ),
    values: [mixed],
  },
  {
    name: 'associative-only array is an ECMA array',
    bytes: hex(
      '09 01', //     array, dense count 0
      '03',
      utf8('a'), //   name 'a'
      '04 01', //     1
      '01', //        end
    ),
    values: [{ a: 1 }],
    encodeFrom: [ecmaArray({ a: 1 })],
    check: (d) => assert.equal(hidden(d[0], AMF_ECMA_ARRAY), true),
  },
  {
    name: 'anonymous object',
    bytes: hex(
      '0a', //       object marker (§3.12)
      '0b', //       U29O-traits: inline object (1), inline traits (2), dynamic (8), 0 sealed
      '01', //       class name '' (anonymous)
      '03',
      utf8('a'), //  dynamic member 'a'
      '04 01', //    1
      '01', //       end of dynamic members
    ),
    values: [{ a: 1 }],
  },
  {
    name: 'traits reference and string reference on the second anonymous object',
    bytes: hex(
      '0a 0b 01 03',
      utf8('a'),
      '04 01 01', // { a: 1 }: traits → index 0, 'a' → string index 0
      '0a', //
      '01', //       U29O-traits-ref: traits index 0 → (0 << 2) | 1
      '00', //       member name: string reference 0 ('a')
      '04 02', //    2
      '01', //       end
    ),
    values: [{ a: 1 }, { a: 2 }],
  },
  {
    name: 'registered class with sealed traits, then a traits reference',
    bytes: hex(
      '0a',
      '23', //                       inline traits, not dynamic, 2 sealed → 0x03 | (2 << 4)
      '23',
      utf8('com.example.Point'), //  class name, 17 bytes → 0x23
      '03',
      utf8('x'), //                  sealed name 'x'
      '03',
      utf8('y'), //                  sealed name 'y'
      '04 01', //                    x = 1
      '04 02', //                    y = 2
      '0a 01', //                    second Point: traits reference 0
      '04 03', //                    x = 3
      '04 04', //                    y = 4
    ),
    values: [point(1, 2), point(3, 4)],
    check: (d) => {
      assert.ok(d[0] instanceof Point && d[1] instanceof Point);
      assert.equal(hidden(d[0], AMF_TRAITS), undefined);
    },
  },
  {
    name: 'registered dynamic class',
    bytes: hex(
      '0a 0b', //                  inline dynamic traits, no sealed members
      '1f',
      utf8('com.example.Tag'), //  15 bytes → 0x1f
      '09',
      utf8('name'),
      '06 03',
      utf8('v'),
      '01',
    ),
    values: [Object.assign(new Tag(), { name: 'v' })],
    check: (d) => assert.ok(d[0] instanceof Tag),
  },
  {
    name: 'unregistered class with sealed and dynamic members keeps its traits',
    bytes: hex(
      '0a',
      '1b', //              inline traits, dynamic, 1 sealed → 0x03 | 0x08 | (1 << 4)
      '0f',
      utf8('org.Foo'), //   class name, 7 bytes
      '03',
      utf8('s'), //         sealed name 's'
      '04 01', //           s = 1
      '03',
      utf8('d'), //         dynamic member 'd'
      '04 02', //           d = 2
      '01', //              end of dynamic members
    ),
    values: [{ s: 1, d: 2 }],
    encodeFrom: null,
    check: (d) => {
      const traits = hidden(d[0], AMF_TRAITS) as AmfTraits;
      assert.deepEqual([traits.className, traits.sealed, traits.dynamic], ['org.Foo', ['s'], true]);
    },
  },
  {
    name: 'externalizable class through its registered codec',
    bytes: hex(
      '0a',
      '07', //                      U29O-traits-ext: inline object, inline traits, externalizable
      '21',
      utf8('com.example.Pair'), //  16 bytes → 0x21
      '04 01', //                   codec body: first = 1
      '06 03',
      utf8('a'), //                 second = 'a'
    ),
    values: [new Pair(1, 'a')],
  },
  {
    name: 'repeated object is a reference',
    bytes: hex(
      '0a 0b 01 01', // {} → object index 0
      '0a 00', //       object reference 0 → 0 << 1
    ),
    values: [emptyObject, emptyObject],
    check: (d) => assert.equal(d[0], d[1]),
  },
  {
    name: 'cycle: an object that contains itself',
    bytes: hex(
      '0a 0b 01', // object → index 0, registered before its members
      '09',
      utf8('self'),
      '0a 00', //    reference to object 0
      '01',
    ),
    values: [cyclic],
    check: (d) => {
      const o = d[0] as Record<string, unknown>;
      assert.equal(o.self, o);
    },
  },
  {
    name: 'object references cover arrays, dates and byte arrays',
    bytes: hex(
      '09 01 01', //                    [] → object index 0
      '08 01 00 00 00 00 00 00 00 00', // date 0 → index 1
      '0c 01', //                       empty ByteArray → index 2
      '09 00', //                       array reference 0
      '08 02', //                       date reference 1
      '0c 04', //                       ByteArray reference 2
    ),
    values: [arr, date0, bytes0, arr, date0, bytes0],
    check: (d) => {
      assert.equal(d[0], d[3]);
      assert.equal(d[1], d[4]);
      assert.equal(d[2], d[5]);
    },
  },
  {
    name: 'ByteArray',
    bytes: hex(
      '0c', //        ByteArray marker (§3.14)
      '07', //        length 3
      '01 02 03',
    ),
    values: [Buffer.from([1, 2, 3])],
  },
  {
    name: 'Vector.<int>, Vector.<uint>, Vector.<Number>',
    bytes: hex(
      '0d 05 00', //                      Vector.<int>, count 2, not fixed (§3.15)
      '00 00 00 01', //                   1
      'ff ff ff ff', //                   -1
      '0e 03 00 ff ff ff ff', //          Vector.<uint> [4294967295]
      '0f 03 00 3f f8 00 00 00 00 00 00', // Vector.<Number> [1.5]
    ),
    values: [new Int32Array([1, -1]), new Uint32Array([0xffffffff]), new Float64Array([1.5])],
  },
  {
    name: 'fixed vector keeps its flag',
    bytes: hex('0d 03 01 00 00 00 07'), // Vector.<int>, count 1, fixed = 1, [7]
    values: [fixedInts],
    check: (d) => assert.equal(hidden(d[0], AMF_VECTOR_FIXED), true),
  },
  {
    name: 'Vector.<Object> with its type name',
    bytes: hex(
      '10', //           Vector.<Object> marker
      '05', //           count 2
      '00', //           not fixed
      '0d',
      utf8('String'), // type name, 6 bytes → string index 0
      '06 03',
      utf8('a'), //      'a'
      '06 03',
      utf8('b'), //      'b'
    ),
    values: [new AmfVectorObject(['a', 'b'], 'String')],
  },
  {
    name: 'Dictionary',
    bytes: hex(
      '11', //        Dictionary marker (§3.16)
      '03', //        1 entry
      '00', //        weak keys: no
      '06 03',
      utf8('k'), //   key 'k'
      '04 01', //     value 1
      '11 03 01', //  second Dictionary, weak keys
      '06 00', //     key: string reference 0 ('k')
      '04 01', //     value 1
    ),
    values: [new Map([['k', 1]]), weakDictionary],
    check: (d) => assert.equal(hidden(d[1], AMF_DICTIONARY_WEAK), true),
  },
  {
    name: 'ffmpeg connect command',
    bytes: hex(
      '06 0f',
      utf8('connect'), //                      7 bytes
      '04 01', //                              transaction id 1
      '0a 0b 01', //                           anonymous object
      '07',
      utf8('app'),
      '06 09',
      utf8('live'),
      '11',
      utf8('flashVer'),
      '06 1b',
      utf8('LNX 9,0,124,2'),
      '0b',
      utf8('tcUrl'),
      '06 35',
      utf8('rtmp://127.0.0.1:1935/live'), //   26 bytes → 0x35
      '09',
      utf8('fpad'),
      '02', //                                 false
      '19',
      utf8('capabilities'),
      '04 0f', //                              15
      '17',
      utf8('audioCodecs'),
      '04 9f 67', //                           4071 = 31·128 + 103
      '17',
      utf8('videoCodecs'),
      '04 81 7c', //                           252 = 1·128 + 124
      '1b',
      utf8('videoFunction'),
      '04 01', //                              1
      '01', //                                 end
    ),
    values: ['connect', 1, connectCommandObject()],
  },
  {
    name: 'onMetaData as an associative array',
    bytes: hex(
      '06 15',
      utf8('onMetaData'),
      '09 01', //                 array, no dense part
      '11',
      utf8('duration'),
      '04 0a', //                 10
      '0b',
      utf8('width'),
      '04 8a 00', //              1280 = 10·128
      '0d',
      utf8('height'),
      '04 85 50', //              720 = 5·128 + 80
      '1b',
      utf8('videodatarate'),
      '04 00',
      '13',
      utf8('framerate'),
      '04 1e', //                 30
      '19',
      utf8('videocodecid'),
      '04 07',
      '1b',
      utf8('audiodatarate'),
      '04 7d', //                 125
      '1f',
      utf8('audiosamplerate'),
      '04 82 d8 44', //           44100 = 2·16384 + 88·128 + 68
      '1f',
      utf8('audiosamplesize'),
      '04 10', //                 16
      '0d',
      utf8('stereo'),
      '03', //                    true
      '19',
      utf8('audiocodecid'),
      '04 0a',
      '0f',
      utf8('encoder'),
      '06 1b',
      utf8('Lavf59.27.100'),
      '11',
      utf8('filesize'),
      '04 00',
      '01', //                    end of associative part
    ),
    values: ['onMetaData', metadataObject()],
    encodeFrom: ['onMetaData', ecmaArray(metadataObject())],
    check: (d) => assert.equal(hidden(d[1], AMF_ECMA_ARRAY), true),
  },
];
