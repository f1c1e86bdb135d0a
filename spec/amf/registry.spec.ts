import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  amf0,
  amf3,
  AMF_TRAITS,
  AmfAvmPlus,
  registerClass,
  registerExternalizable,
  unregisterClass,
  type Amf3Reader,
  type AmfTraits,
} from '../../lib/amf/index.js';
import { ErrorCode } from '../../lib/errors.js';
import { Pair, Point, Tag, point } from './fixtures.js';
import { expectAmfError } from './expect.js';
import { hex, utf8 } from './hex.js';

const traitsOf = (v: unknown): AmfTraits | undefined => (v as Record<symbol, AmfTraits | undefined>)[AMF_TRAITS];

test('a registered class whose wire traits differ keeps them, so it re-encodes byte-exact', () => {
  // com.example.Tag (registered dynamic, no sealed members) sent with one sealed member, not dynamic.
  const bytes = hex('0a 13 1f', utf8('com.example.Tag'), '09', utf8('name'), '06 03', utf8('t'));
  const [tag] = amf3.decode(bytes);
  assert.ok(tag instanceof Tag);
  assert.equal(tag.name, 't');
  assert.deepEqual(traitsOf(tag)?.sealed, ['name']);
  assert.equal(traitsOf(tag)?.dynamic, false);
  assert.equal(amf3.encode(tag).toString('hex'), bytes.toString('hex'));
});

test('a registered class instance starts from its constructor: field defaults stay', () => {
  // com.example.Point sent dynamic with only x: y keeps the class default 0.
  const [p] = amf3.decode(hex('0a 0b 23', utf8('com.example.Point'), '03', utf8('x'), '04 05', '01'));
  assert.ok(p instanceof Point);
  assert.deepEqual({ ...p }, { x: 5, y: 0 });
  assert.equal(traitsOf(p)?.dynamic, true);
});

test('an AMF0 typed object of an unknown class crosses to AMF3 with its alias', () => {
  const [foo] = amf0.decode(hex('10 00 07', utf8('org.Foo'), '00 01', utf8('a'), '05', '00 00 09'));
  const enc = amf3.encode(foo);
  assert.equal(enc.toString('hex'), hex('0a 0b 0f', utf8('org.Foo'), '03', utf8('a'), '01', '01').toString('hex'));
  assert.equal(traitsOf(amf3.decode(enc)[0])?.className, 'org.Foo');
});

test('an AMF3-decoded class instance crosses to AMF0 as a typed object', () => {
  const [p] = amf3.decode(amf3.encode(point(1, 2)));
  assert.equal(
    amf0.encode(p).toString('hex'),
    hex('10 00 11', utf8('com.example.Point'), '00 01 78 00 3ff0000000000000', '00 01 79 00 4000000000000000', '00 00 09').toString('hex'),
  );
});

test('non-dynamic traits write only the sealed members (others have no slot)', () => {
  const p = Object.assign(point(1, 2), { extra: 3 });
  assert.deepEqual(amf3.decode(amf3.encode(p)), [point(1, 2)]);
});

test('an unregistered class instance is written as an anonymous object', () => {
  class Loose {
    a = 1;
  }
  assert.equal(amf3.encode(new Loose()).toString('hex'), hex('0a 0b 01 03 61 04 01 01').toString('hex'));
  assert.equal(amf0.encode(new Loose()).toString('hex'), hex('03 00 01 61 00 3ff0000000000000 00 00 09').toString('hex'));
});

test('unregisterClass: the alias then decodes to a plain object that keeps it', () => {
  class Temp {}
  registerClass('test.Temp', Temp);
  const bytes = amf3.encode(new Temp());
  assert.ok(amf3.decode(bytes)[0] instanceof Temp);
  unregisterClass('test.Temp');
  const [plain] = amf3.decode(bytes);
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
  assert.equal(traitsOf(plain)?.className, 'test.Temp');
  assert.equal(amf3.encode(plain).toString('hex'), bytes.toString('hex'));
});

test('re-registering an alias replaces the previous class or codec', () => {
  class A {}
  class B {}
  registerClass('test.Swap', A);
  registerClass('test.Swap', B);
  assert.ok(amf0.decode(hex('10 00 09', utf8('test.Swap'), '00 00 09'))[0] instanceof B);
  registerExternalizable('test.Swap', { read: (r: Amf3Reader) => ({ n: r.read() }), write: () => {} });
  assert.deepEqual(amf3.decode(hex('0a 07 13', utf8('test.Swap'), '04 02')), [{ n: 2 }]);
  registerClass('test.Swap', A);
  assert.ok(amf3.decode(hex('0a 0b 13', utf8('test.Swap'), '01'))[0] instanceof A);
  unregisterClass('test.Swap');
  unregisterClass('test.NeverRegistered');
});

test('a throwing constructor or member setter becomes AMF_INVALID with the cause kept', () => {
  class Boom {
    constructor() {
      throw new Error('no');
    }
  }
  class Strict {
    set v(_x: unknown) {
      throw new TypeError('read-only');
    }
  }
  registerClass('test.Boom', Boom);
  registerClass('test.Strict', Strict);
  try {
    expectAmfError(() => amf0.decode(hex('10 00 09', utf8('test.Boom'), '00 00 09')), ErrorCode.AMF_INVALID, /constructor of 'test.Boom' threw: no/);
    expectAmfError(() => amf3.decode(hex('0a 0b 13', utf8('test.Boom'), '01')), ErrorCode.AMF_INVALID, /constructor of 'test.Boom'/);
    expectAmfError(() => amf0.decode(hex('10 00 0b', utf8('test.Strict'), '00 01 76 05 00 00 09')), ErrorCode.AMF_INVALID, /setting members of 'test.Strict' threw: read-only/);
    expectAmfError(() => amf3.decode(hex('0a 0b 17', utf8('test.Strict'), '03 76 01 01')), ErrorCode.AMF_INVALID, /setting members of 'test.Strict'/);
    try {
      amf0.decode(hex('10 00 09', utf8('test.Boom'), '00 00 09'));
    } catch (err) {
      assert.equal(((err as Error).cause as Error).message, 'no');
    }
  } finally {
    unregisterClass('test.Boom');
    unregisterClass('test.Strict');
  }
});

test('externalizable codecs: errors, non-objects, and a codec without ctor', () => {
  registerExternalizable('test.Bad', {
    read: () => {
      throw new RangeError('bad body');
    },
    write: () => {
      throw new Error('cannot write');
    },
  });
  registerExternalizable('test.Prim', { read: () => 5 as unknown as object, write: () => {} });
  registerExternalizable('test.Free', {
    read: (r: Amf3Reader) => ({ value: r.read() }),
    write: (v: object, w) => void w.write((v as { value: unknown }).value),
  });
  try {
    expectAmfError(() => amf3.decode(hex('0a 07 11', utf8('test.Bad'))), ErrorCode.AMF_INVALID, /externalizable 'test.Bad' read\(\) threw: bad body/);
    expectAmfError(() => amf3.decode(hex('0a 07 13', utf8('test.Prim'))), ErrorCode.AMF_INVALID, /returned number, not an object/);
    const [free] = amf3.decode(hex('0a 07 13', utf8('test.Free'), '04 09'));
    assert.deepEqual(free, { value: 9 });
    assert.equal(traitsOf(free)?.externalizable, true);
    assert.equal(amf3.encode(free).toString('hex'), hex('0a 07 13', utf8('test.Free'), '04 09').toString('hex'));
    // Twice in one message: the second uses a traits reference.
    assert.equal(amf3.encode(free, { ...free }).length > 0, true);
    const bad = amf3.decode(hex('0a 07 13', utf8('test.Free'), '04 01'))[0] as object;
    Object.defineProperty(bad, AMF_TRAITS, { value: { className: 'test.Bad', sealed: [], dynamic: false, externalizable: true } });
    expectAmfError(() => amf3.encode(bad), ErrorCode.AMF_UNENCODABLE, /externalizable 'test.Bad' write\(\) threw: cannot write/);
    expectAmfError(() => amf0.encode(free), ErrorCode.AMF_UNENCODABLE, /externalizable 'test.Free' has no AMF0 form/);
  } finally {
    unregisterClass('test.Bad');
    unregisterClass('test.Prim');
    unregisterClass('test.Free');
  }
});

test('externalizable instances: AMF0 refuses them, AVM+ carries them, traits are referenced', () => {
  expectAmfError(() => amf0.encode(new Pair(1, 2)), ErrorCode.AMF_UNENCODABLE, /Pair has no AMF0 type/);
  const enc = amf0.encode(new AmfAvmPlus([new Pair(1, 2), new Pair(3, 4)]));
  assert.equal(
    enc.toString('hex'),
    hex('11 09 05 01', '0a 07 21', utf8('com.example.Pair'), '04 01 04 02', '0a 01 04 03 04 04').toString('hex'),
  );
  assert.deepEqual(amf0.decode(enc), [[new Pair(1, 2), new Pair(3, 4)]]);
});
