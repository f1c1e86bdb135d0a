import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amf3, Amf3Reader, Amf3Writer, AmfAvmPlus } from '../../lib/amf/index.js';
import { amf3Vectors } from './amf3-vectors.js';
import { runVectorSuite } from './vector-suite.js';
import { hex, utf8 } from './hex.js';

runVectorSuite('AMF3', amf3Vectors, {
  encode: amf3.encode,
  decode: (buf) => amf3.decode(buf),
  reader: (buf) => new Amf3Reader(buf),
});

test('Amf3Reader reads one value at a time and keeps its tables between reads', () => {
  const reader = new Amf3Reader(hex('06 05', utf8('hi'), '06 00'));
  assert.equal(reader.read(), 'hi');
  assert.equal(reader.remaining, 2);
  assert.equal(reader.read(), 'hi');
  assert.equal(reader.remaining, 0);
});

test('Amf3Writer keeps its tables between writes and grows its buffer', () => {
  const w = new Amf3Writer().write('hi');
  const first = w.toBuffer();
  w.write('hi').write('z'.repeat(3000));
  assert.equal(first.toString('hex'), '06056869');
  assert.deepEqual(amf3.decode(w.toBuffer()), ['hi', 'hi', 'z'.repeat(3000)]);
  assert.equal(w.toBuffer().subarray(4, 6).toString('hex'), '0600');
});

test('raw helpers for externalizable codecs round-trip', () => {
  const w = new Amf3Writer().writeUInt8(0x1ff).writeUInt32(0xfffffffe).writeInt32(-2).writeDouble(0.5).writeU29(300).writeBytes(Buffer.from([9, 8]));
  const r = new Amf3Reader(w.toBuffer());
  assert.deepEqual(
    [r.readUInt8(), r.readUInt32(), r.readInt32(), r.readDouble(), r.readU29(), [...r.readBytes(2)]],
    [0xff, 0xfffffffe, -2, 0.5, 300, [9, 8]],
  );
  assert.equal(r.remaining, 0);
});

test('strings longer than the one-byte-header fast path are length-prefixed correctly', () => {
  for (const s of ['a'.repeat(21), 'a'.repeat(22), 'a'.repeat(64), 'é'.repeat(21), 'é'.repeat(40), 'x'.repeat(20000)]) {
    const enc = amf3.encode(s);
    assert.deepEqual(amf3.decode(enc), [s], `length ${s.length}`);
    const n = Buffer.byteLength(s);
    const r = new Amf3Reader(enc.subarray(1));
    assert.equal(r.readU29(), (n << 1) | 1);
  }
});

test('AmfAvmPlus inside AMF3 is just its value', () => {
  assert.equal(amf3.encode(new AmfAvmPlus(5)).toString('hex'), '0405');
});

test('sparse arrays: elements after a hole go in the associative part, as AVM+ writes them', () => {
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [1, , 3];
  const enc = amf3.encode(sparse);
  assert.equal(enc.toString('hex'), hex('09 03', '03', utf8('2'), '04 03', '01', '04 01').toString('hex'));
  const [back] = amf3.decode(enc) as unknown[][];
  assert.equal(back!.length, 3);
  assert.equal(1 in back!, false);
  assert.equal(back![2], 3);
});

test('a Map with object keys and Dictionary entries round-trip', () => {
  const key = { id: 1 };
  const m = new Map<unknown, unknown>([[key, 'v'], [2, [key]]]);
  const [back] = amf3.decode(amf3.encode(m)) as [Map<unknown, unknown>];
  const [[k1, v1], [k2, v2]] = [...back.entries()];
  assert.deepEqual(k1, { id: 1 });
  assert.equal(v1, 'v');
  assert.equal(k2, 2);
  assert.equal((v2 as unknown[])[0], k1); // same object by reference
});

test('XML values are objects for references; an XML string is never in the string table', () => {
  const doc = hex('07 07', utf8('<a>'), '06 07', utf8('<a>'), '07 00'); // XMLDocument, string '<a>' inline, XMLDocument ref 0
  const [x, s, y] = amf3.decode(doc);
  assert.equal(s, '<a>');
  assert.equal(x, y);
});
