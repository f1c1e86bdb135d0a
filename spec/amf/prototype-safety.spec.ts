/** Keys from the wire never change prototypes: `__proto__` becomes an own data property. */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { amf0, amf3, ecmaArray } from '../../lib/amf/index.js';
import { Tag } from './fixtures.js';
import { hex, utf8 } from './hex.js';

const PROTO = utf8('__proto__'); // 9 bytes

function assertOwnProto(value: unknown, expectedProto: object | null = Object.prototype): void {
  const o = value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(o), expectedProto);
  assert.ok(Object.prototype.hasOwnProperty.call(o, '__proto__'));
  const own = Object.getOwnPropertyDescriptor(o, '__proto__')!;
  assert.equal(own.enumerable, true);
  assert.deepEqual(own.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
}

afterEach(() => {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

const amf0Payload = hex('03 00 08', utf8('polluted'), '01 01 00 00 09'); // { polluted: true }
const amf3Payload = hex('0a 0b 01 11', utf8('polluted'), '03 01'); // { polluted: true }

test('AMF0 object, ECMA array and typed object', () => {
  for (const head of [hex('03'), hex('08 00 00 00 01'), hex('10 00 07', utf8('org.Foo'))]) {
    const bytes = hex(head, '00 09', PROTO, amf0Payload, '00 00 09');
    const [v] = amf0.decode(bytes);
    assertOwnProto(v);
    assert.equal(amf0.encode(v).toString('hex'), bytes.toString('hex'));
  }
});

test('AMF0 typed object of a registered class', () => {
  const [v] = amf0.decode(hex('10 00 0f', utf8('com.example.Tag'), '00 09', PROTO, amf0Payload, '00 00 09'));
  assertOwnProto(v, Tag.prototype);
});

test('AMF3 dynamic member, sealed member, associative array and array member', () => {
  // The inner object reuses the outer anonymous traits (reference 0), as an AVM+ encoder writes it.
  const dynamicBytes = hex('0a 0b 01 13', PROTO, '0a 01 11', utf8('polluted'), '03 01', '01');
  const sealedBytes = hex('0a 13 01 13', PROTO, amf3Payload); // 1 sealed, not dynamic
  const assocBytes = hex('09 01 13', PROTO, amf3Payload, '01');
  const arrayBytes = hex('09 03 13', PROTO, amf3Payload, '01 04 01');
  for (const bytes of [dynamicBytes, sealedBytes, assocBytes]) {
    const [v] = amf3.decode(bytes);
    assertOwnProto(v);
    assert.equal(amf3.encode(v).toString('hex'), bytes.toString('hex'));
  }
  const [arr] = amf3.decode(arrayBytes);
  assertOwnProto(arr, Array.prototype);
  assert.equal((arr as unknown[])[0], 1);
});

test('other Object.prototype names (constructor, toString, hasOwnProperty) are plain own keys', () => {
  const [v] = amf0.decode(amf0.encode({ constructor: 1, toString: 2, hasOwnProperty: 3 }));
  assert.deepEqual(Object.keys(v as object), ['constructor', 'toString', 'hasOwnProperty']);
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
});

test('encoding an own __proto__ key writes it; the inherited __proto__ accessor is never written', () => {
  const withOwn = ecmaArray(JSON.parse('{"__proto__": {"polluted": true}}') as object);
  const [back] = amf0.decode(amf0.encode(withOwn));
  assertOwnProto(back);
  assert.deepEqual(amf0.decode(amf0.encode({})), [{}]);
});
