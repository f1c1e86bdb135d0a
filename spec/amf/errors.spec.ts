/** Every AMF error code this layer raises, with its trigger. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amf0,
  amf3,
  Amf0Reader,
  Amf3Reader,
  Amf3Writer,
  AmfUnsupported,
  AmfVectorObject,
  registerClass,
  registerExternalizable,
  unregisterClass,
  type Amf3Reader as Amf3ReaderType,
} from '../../lib/amf/index.js';
import { ErrorCode } from '../../lib/errors.js';
import { expectAmfError } from './expect.js';
import { hex, utf8 } from './hex.js';

test('AMF_TRUNCATED: empty input to a reader, and a strict array claiming 2^32-1 elements fails fast', () => {
  expectAmfError(() => new Amf0Reader(Buffer.alloc(0)).read(), ErrorCode.AMF_TRUNCATED, /needs 1 bytes at offset 0/);
  expectAmfError(() => new Amf3Reader(Buffer.alloc(0)).read(), ErrorCode.AMF_TRUNCATED, /truncated/);
  const before = process.memoryUsage().arrayBuffers;
  expectAmfError(() => amf0.decode(hex('0a ff ff ff ff 05')), ErrorCode.AMF_TRUNCATED, /claims 4294967295 elements/);
  expectAmfError(() => amf0.decode(hex('0c ff ff ff ff 61')), ErrorCode.AMF_TRUNCATED, /long string needs 4294967295 bytes/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20);
});

test('AMF_TRUNCATED: AMF3 counts are checked against the bytes left before allocating', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['array', hex('09 ff ff ff ff 01'), /AMF3 array claims 268435455 elements/],
    ['Vector.<Number>', hex('0f ff ff ff ff 00'), /AMF3 vector claims 268435455 elements/],
    ['Vector.<int> items', hex('0d 09 00 00 00 00 01'), /AMF3 vector claims 4 elements/],
    ['Vector.<Object>', hex('10 ff ff ff ff 00 01'), /AMF3 object vector claims/],
    ['Dictionary', hex('11 ff ff ff ff 00'), /AMF3 dictionary claims/],
    ['sealed traits', hex('0a ff ff ff f3 01'), /AMF3 sealed traits claims 33554431 elements/],
    ['ByteArray', hex('0c ff ff ff ff'), /byte array needs 268435455 bytes/],
    ['string', hex('06 ff ff ff ff'), /AMF3 string needs 268435455 bytes/],
    ['U29', hex('04 ff ff ff'), /a U29 needs 4 bytes/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.doesNotThrow(() => expectAmfError(() => amf3.decode(bytes), ErrorCode.AMF_TRUNCATED, message), what);
  }
});

test('AMF_UNKNOWN_MARKER: markers past the table', () => {
  expectAmfError(() => amf0.decode(hex('12')), ErrorCode.AMF_UNKNOWN_MARKER, /unknown AMF0 type marker 0x12 at offset 0/);
  expectAmfError(() => amf0.decode(hex('05 ff')), ErrorCode.AMF_UNKNOWN_MARKER, /0xff at offset 1/);
  expectAmfError(() => amf3.decode(hex('12')), ErrorCode.AMF_UNKNOWN_MARKER, /unknown AMF3 type marker 0x12/);
});

test('AMF_RESERVED_MARKER: movieclip (0x04) and recordset (0x0E)', () => {
  expectAmfError(() => amf0.decode(hex('04')), ErrorCode.AMF_RESERVED_MARKER, /movieclip marker 0x04 at offset 0 is reserved/);
  expectAmfError(() => amf0.decode(hex('03 00 01', utf8('r'), '0e 00 00 09')), ErrorCode.AMF_RESERVED_MARKER, /recordset marker 0x0e at offset 4/);
});

test('AMF_BAD_REFERENCE: indices past each table', () => {
  expectAmfError(() => amf0.decode(hex('07 00 00')), ErrorCode.AMF_BAD_REFERENCE, /AMF0 reference 0 .* \(0 entries\)/);
  expectAmfError(() => amf0.decode(hex('03 00 00 09 07 00 01')), ErrorCode.AMF_BAD_REFERENCE, /reference 1 .* \(1 entries\)/);
  expectAmfError(() => amf3.decode(hex('06 00')), ErrorCode.AMF_BAD_REFERENCE, /AMF3 string reference 0/);
  expectAmfError(() => amf3.decode(hex('09 02')), ErrorCode.AMF_BAD_REFERENCE, /AMF3 object reference 1/);
  expectAmfError(() => amf3.decode(hex('0a 05')), ErrorCode.AMF_BAD_REFERENCE, /AMF3 traits reference 1/);
  for (const marker of ['07', '08', '0b', '0c', '0d', '0e', '0f', '10', '11']) {
    expectAmfError(() => amf3.decode(hex(marker, '00')), ErrorCode.AMF_BAD_REFERENCE, /AMF3 object reference 0/);
  }
});

test('AMF_DEPTH_EXCEEDED: nesting past maxDepth on decode (default 64) and encode', () => {
  const nest = (depth: number, open: string, close: string): Buffer =>
    Buffer.concat([...Array(depth).fill(hex(open)), hex('05'), ...Array(depth).fill(hex(close))]);
  const ok = nest(64, '0a 00 00 00 01', '');
  assert.equal(amf0.decode(ok).length, 1);
  expectAmfError(() => amf0.decode(nest(65, '0a 00 00 00 01', '')), ErrorCode.AMF_DEPTH_EXCEEDED, /maxDepth 64/);
  expectAmfError(() => amf0.decode(nest(3, '03 00 01 61', '00 00 09'), { maxDepth: 2 }), ErrorCode.AMF_DEPTH_EXCEEDED, /AMF0 object .* maxDepth 2/);
  expectAmfError(() => amf3.decode(nest(65, '09 03 01', '')), ErrorCode.AMF_DEPTH_EXCEEDED, /AMF3 array/);
  expectAmfError(() => amf3.decode(nest(3, '11 03 00 01', ''), { maxDepth: 2 }), ErrorCode.AMF_DEPTH_EXCEEDED, /AMF3 dictionary/);

  let deep: unknown = null;
  for (let i = 0; i < 65; i++) deep = [deep];
  expectAmfError(() => amf0.encode(deep), ErrorCode.AMF_DEPTH_EXCEEDED, /maxDepth 64/);
  expectAmfError(() => amf3.encode(deep), ErrorCode.AMF_DEPTH_EXCEEDED, /maxDepth 64/);
  expectAmfError(() => new Amf3Writer({ maxDepth: 1 }).write({ a: {} }), ErrorCode.AMF_DEPTH_EXCEEDED, /maxDepth 1/);
});

test('AMF_DEPTH_EXCEEDED: the AVM+ switch keeps counting depth', () => {
  const bytes = hex('0a 00 00 00 01', '11', '09 03 01', '09 03 01', '01');
  assert.equal(amf0.decode(bytes, { maxDepth: 3 }).length, 1);
  expectAmfError(() => amf0.decode(bytes, { maxDepth: 2 }), ErrorCode.AMF_DEPTH_EXCEEDED, /AMF3 array/);
});

test('AMF_TOO_MANY_REFERENCES: each table is capped by maxReferences', () => {
  expectAmfError(() => amf0.decode(hex('03 00 00 09 03 00 00 09 03 00 00 09'), { maxReferences: 2 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF0 object reference table exceeds maxReferences 2/);
  expectAmfError(() => amf3.decode(hex('06 03 61 06 03 62'), { maxReferences: 1 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF3 string/);
  expectAmfError(() => amf3.decode(hex('08 01 00 00 00 00 00 00 00 00 08 01 00 00 00 00 00 00 00 00'), { maxReferences: 1 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF3 object/);
  // Two anonymous objects with inline traits: the second traits entry overflows a table of 1.
  expectAmfError(() => amf3.decode(hex('0a 0b 01 01 0a 0b 01 01'), { maxReferences: 1 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF3 (traits|object)/);
  expectAmfError(() => amf3.decode(hex('09 01 01 0a 0b 01 01 0a 0b 01 01'), { maxReferences: 2 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF3 object/);
  // Traits are tabled before their object, so a third inline-traits object overflows the traits table first.
  expectAmfError(() => amf3.decode(hex('0a 0b 01 01 0a 0b 01 01 0a 0b 01 01'), { maxReferences: 2 }), ErrorCode.AMF_TOO_MANY_REFERENCES, /AMF3 traits/);
});

test('AMF_LENGTH_EXCEEDED: maxLength on decode; format limits on encode', () => {
  expectAmfError(() => amf0.decode(hex('02 00 05', utf8('hello')), { maxLength: 4 }), ErrorCode.AMF_LENGTH_EXCEEDED, /5 bytes exceeds maxLength 4/);
  expectAmfError(() => amf0.decode(hex('0a 00 00 00 05 05 05 05 05 05'), { maxLength: 4 }), ErrorCode.AMF_LENGTH_EXCEEDED, /strict array of 5 elements/);
  expectAmfError(() => amf3.decode(hex('0c 07 01 02 03'), { maxLength: 2 }), ErrorCode.AMF_LENGTH_EXCEEDED, /byte array of 3 bytes/);
  expectAmfError(() => amf0.encode({ ['k'.repeat(70000)]: 1 }), ErrorCode.AMF_LENGTH_EXCEEDED, /70000-byte property name exceeds the AMF0 limit of 65535/);
  expectAmfError(() => new Amf3Writer().writeU29(2 ** 29), ErrorCode.AMF_LENGTH_EXCEEDED, /does not fit an AMF3 U29/);
  expectAmfError(() => new Amf3Writer().writeU29(-1), ErrorCode.AMF_LENGTH_EXCEEDED, /U29/);
});

test('AMF_UNKNOWN_EXTERNALIZABLE: an externalizable class with no codec', () => {
  expectAmfError(() => amf3.decode(hex('0a 07 07', utf8('Foo'), '01 02')), ErrorCode.AMF_UNKNOWN_EXTERNALIZABLE, /'Foo' .* no registered codec/);
  // A decoded externalizable whose codec was later dropped cannot be re-encoded.
  const codec = { read: (r: Amf3ReaderType) => ({ v: r.read() }), write: () => {} };
  registerExternalizable('test.Gone', codec);
  const [value] = amf3.decode(hex('0a 07 13', utf8('test.Gone'), '04 01'));
  unregisterClass('test.Gone');
  expectAmfError(() => amf3.encode(value), ErrorCode.AMF_UNKNOWN_EXTERNALIZABLE, /'test.Gone'/);
});

test('AMF_UNENCODABLE: values with no AMF form', () => {
  expectAmfError(() => amf0.encode(1n), ErrorCode.AMF_UNENCODABLE, /bigint has no AMF0 encoding/);
  expectAmfError(() => amf0.encode(Symbol('s')), ErrorCode.AMF_UNENCODABLE, /symbol/);
  expectAmfError(() => amf3.encode(() => 1), ErrorCode.AMF_UNENCODABLE, /function has no AMF3 encoding/);
  expectAmfError(() => amf0.encode(Buffer.from('x')), ErrorCode.AMF_UNENCODABLE, /Buffer has no AMF0 type: wrap it in AmfAvmPlus/);
  expectAmfError(() => amf0.encode(new AmfVectorObject()), ErrorCode.AMF_UNENCODABLE, /AmfVectorObject has no AMF0 type/);
  expectAmfError(() => amf0.encode(new Map([[{}, 1]])), ErrorCode.AMF_UNENCODABLE, /Map key of type object/);
  expectAmfError(() => amf0.encode(new Map([[null, 1]])), ErrorCode.AMF_UNENCODABLE, /Map key of type null/);
  expectAmfError(() => amf3.encode(new Int8Array(1)), ErrorCode.AMF_UNENCODABLE, /Int8Array has no AMF3 encoding/);
  expectAmfError(() => amf3.encode(new AmfUnsupported()), ErrorCode.AMF_UNENCODABLE, /AMF0 type .* no AMF3 encoding/);
  expectAmfError(() => amf3.encode({ '': 1 }), ErrorCode.AMF_UNENCODABLE, /property named "" cannot be written in AMF3/);
  expectAmfError(() => amf3.encode(Object.assign([], { '': 1 })), ErrorCode.AMF_UNENCODABLE, /property named ""/);
  expectAmfError(() => amf3.encode(Object.assign([1], { '': 1 })), ErrorCode.AMF_UNENCODABLE, /property named ""/);
});

test('AMF_INVALID: a misplaced object-end marker, a "length" member on an array, bad input, bad registrations', () => {
  expectAmfError(() => amf0.decode(hex('09')), ErrorCode.AMF_INVALID, /object-end marker at offset 0 where a value was expected/);
  expectAmfError(() => amf3.decode(hex('09 03 0d', utf8('length'), '04 01 01 04 01')), ErrorCode.AMF_INVALID, /member named 'length'/);
  expectAmfError(() => amf0.decode('03' as unknown as Buffer), ErrorCode.AMF_INVALID, /must be a Buffer/);
  expectAmfError(() => registerClass('', class {}), ErrorCode.AMF_INVALID, /non-empty string/);
  expectAmfError(() => registerClass('x', 5 as unknown as new () => object), ErrorCode.AMF_INVALID, /must be a constructor/);
  expectAmfError(() => registerExternalizable('x', {} as never), ErrorCode.AMF_INVALID, /needs read\(\) and write\(\)/);
});
