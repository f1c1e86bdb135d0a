import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amf0, Amf0Reader, Amf0Writer, AmfAvmPlus, AMF_ECMA_ARRAY } from '../../lib/amf/index.js';
import { amf0Vectors } from './amf0-vectors.js';
import { runVectorSuite } from './vector-suite.js';
import { hex, utf8 } from './hex.js';

runVectorSuite('AMF0', amf0Vectors, {
  encode: amf0.encode,
  decode: (buf) => amf0.decode(buf),
  reader: (buf) => new Amf0Reader(buf),
});

test('Amf0Reader reads one value at a time and reports offset and remaining', () => {
  const reader = new Amf0Reader(hex('02 00 01', utf8('a'), '05', '01 01'));
  assert.equal(reader.remaining, 7);
  assert.equal(reader.read(), 'a');
  assert.equal(reader.offset, 4);
  assert.equal(reader.read(), null);
  assert.equal(reader.remaining, 2);
  assert.equal(reader.read(), true);
  assert.equal(reader.remaining, 0);
});

test('Amf0Reader keeps AMF3 reference tables across AVM+ switches in one message', () => {
  const bytes = hex(
    '11 06 07', utf8('abc'), // AVM+ → AMF3 string 'abc' (string index 0)
    '05', //                     AMF0 null
    '11 06 00', //               AVM+ → AMF3 string reference 0
  );
  assert.deepEqual(amf0.decode(bytes), ['abc', null, 'abc']);
});

test('Amf0Writer.writeAvmPlus starts fresh AMF3 tables per value, so either reading rule decodes it', () => {
  const w = new Amf0Writer().writeAvmPlus('abc').write(null).writeAvmPlus('abc');
  assert.equal(w.toBuffer().toString('hex'), hex('11 06 07', utf8('abc'), '05', '11 06 07', utf8('abc')).toString('hex'));
  assert.deepEqual(amf0.decode(w.toBuffer()), ['abc', null, 'abc']);
});

test('Amf0Reader keeps AMF3 tables across AVM+ switches (a reference to an earlier switched value resolves)', () => {
  assert.deepEqual(amf0.decode(hex('11 06 07', utf8('abc'), '05', '11 06 00')), ['abc', null, 'abc']);
});

test('AmfAvmPlus works nested inside an AMF0 object', () => {
  const bytes = amf0.encode({ list: new AmfAvmPlus([1, 2]) });
  assert.equal(
    bytes.toString('hex'),
    hex('03 00 04', utf8('list'), '11 09 05 01 04 01 04 02', '00 00 09').toString('hex'),
  );
  assert.deepEqual(amf0.decode(bytes), [{ list: [1, 2] }]);
});

test('Amf0Writer grows its buffer and earlier views stay valid', () => {
  const w = new Amf0Writer().write('x');
  const first = w.toBuffer();
  const big = 'y'.repeat(5000);
  w.write(big);
  assert.equal(first.toString('hex'), '02000178');
  assert.deepEqual(amf0.decode(w.toBuffer()), ['x', big]);
});

test('long strings use 0x0C only past 65535 bytes, multi-byte text counted in bytes', () => {
  const exactly = 'é'.repeat(32767) + 'a'; // 65535 bytes
  assert.equal(amf0.encode(exactly)[0], 0x02);
  const over = 'é'.repeat(32768); // 65536 bytes, 32768 units
  const enc = amf0.encode(over);
  assert.equal(enc[0], 0x0c);
  assert.equal(enc.readUInt32BE(1), 65536);
  assert.deepEqual(amf0.decode(enc), [over]);
  const long = 'a'.repeat(70000);
  assert.equal(amf0.encode(long)[0], 0x0c);
  const mid = 'a'.repeat(30000); // more units than the 3-byte fast-path bound, still short
  assert.equal(amf0.encode(mid)[0], 0x02);
  assert.deepEqual(amf0.decode(amf0.encode(mid)), [mid]);
});

test('long property names past the fast path are measured exactly', () => {
  const key = 'k'.repeat(30000);
  const enc = amf0.encode({ [key]: 1 });
  assert.deepEqual(amf0.decode(enc), [{ [key]: 1 }]);
});

test('ECMA-marked and class-less objects keep their form through decode → encode', () => {
  const [meta] = amf0.decode(amf0.encode(Object.assign(Object.create(null), { a: 1 })));
  assert.deepEqual(meta, { a: 1 });
  assert.equal((meta as Record<symbol, unknown>)[AMF_ECMA_ARRAY], undefined);
});

test('an empty property name followed by a value is a property named ""', () => {
  const bytes = hex('03', '00 00', '05', '00 00 09'); // name '', null, end
  assert.deepEqual(amf0.decode(bytes), [{ '': null }]);
  assert.equal(amf0.encode({ '': null }).toString('hex'), bytes.toString('hex'));
});

test('isEcmaArray and traitsOf read the hidden markers', async () => {
  const { isEcmaArray, traitsOf, ecmaArray } = await import('../../lib/amf/index.js');
  const [meta, typed] = amf0.decode(hex('08 00 00 00 00 00 00 09', '10 00 01', utf8('T'), '00 00 09'));
  assert.equal(isEcmaArray(meta), true);
  assert.equal(isEcmaArray({}), false);
  assert.equal(isEcmaArray(null), false);
  assert.equal(isEcmaArray(ecmaArray([])), true);
  assert.equal(traitsOf(typed as object)?.className, 'T');
  assert.equal(traitsOf({}), undefined);
});
