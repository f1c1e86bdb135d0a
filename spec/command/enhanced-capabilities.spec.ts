/** Enhanced RTMP v2 connect capabilities (veovera enhanced-rtmp v2, "Enhancing NetConnection connect Command"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecmaArray } from '../../lib/amf/index.js';
import {
  CapsExMask,
  FourCcInfoMask,
  defaultServerCapabilities,
  enhancedFields,
  fourCcFlags,
  parseEnhancedCapabilities,
} from '../../lib/command/enhanced-capabilities.js';
import { createPrng } from '../helpers/prng.js';

test('the masks are the spec\'s bit values', () => {
  assert.deepEqual({ ...FourCcInfoMask }, { CanDecode: 0x01, CanEncode: 0x02, CanForward: 0x04 });
  assert.deepEqual({ ...CapsExMask }, { Reconnect: 0x01, Multitrack: 0x02, ModEx: 0x04, TimestampNanoOffset: 0x08 });
});

/** One table: command object in → typed capabilities out (undefined = legacy peer). */
const vectors: Array<{ name: string; object: unknown; caps: ReturnType<typeof parseEnhancedCapabilities> }> = [
  { name: 'legacy connect (ffmpeg 5.1)', object: { app: 'live', capabilities: 15, videoCodecs: 252 }, caps: undefined },
  { name: 'not an object', object: 'connect', caps: undefined },
  { name: 'null', object: null, caps: undefined },
  { name: 'fields set to undefined', object: { capsEx: undefined }, caps: undefined },
  {
    name: 'the spec example',
    object: { fourCcList: ['av01', 'vp09', 'hvc1'], videoFourCcInfoMap: { '*': 4, vp09: 3 }, audioFourCcInfoMap: { '*': 4, Opus: 3 }, capsEx: 3 },
    caps: { fourCcList: ['av01', 'vp09', 'hvc1'], videoFourCcInfoMap: { '*': 4, vp09: 3 }, audioFourCcInfoMap: { '*': 4, Opus: 3 }, capsEx: 3 },
  },
  { name: 'wildcard list', object: { fourCcList: ['*'] }, caps: { fourCcList: ['*'] } },
  { name: 'ECMA array list', object: { fourCcList: ecmaArray({ 0: 'hvc1', 1: 'av01' }) }, caps: { fourCcList: ['hvc1', 'av01'] } },
  { name: 'malformed list entries dropped', object: { fourCcList: ['hvc1', 3, '', 'Aac', 'toolong', null, '.mp3'] }, caps: { fourCcList: ['hvc1', '.mp3'] } },
  { name: 'list not a list', object: { fourCcList: 'hvc1' }, caps: {} },
  { name: 'map not an object', object: { videoFourCcInfoMap: [4] }, caps: {} },
  { name: 'map entries: bad flags, bad keys', object: { audioFourCcInfoMap: { Opus: -1, fLaC: 2.5, mp4a: '4', 'ac-3': 2, verylong: 1 } }, caps: { audioFourCcInfoMap: { 'ac-3': 2 } } },
  { name: 'capsEx out of range', object: { capsEx: 2 ** 32 }, caps: {} },
  { name: 'capsEx not a number', object: { capsEx: true }, caps: {} },
];

for (const v of vectors) {
  test(`parseEnhancedCapabilities: ${v.name}`, () => {
    assert.deepEqual(parseEnhancedCapabilities(v.object), v.caps);
  });
}

test('enhancedFields writes back what parse reads (round trip of every well-formed vector), as copies', () => {
  for (const v of vectors) {
    if (!v.caps) continue;
    const fields = enhancedFields(v.caps);
    assert.deepEqual(parseEnhancedCapabilities(fields) ?? {}, v.caps, v.name);
    if (v.caps.videoFourCcInfoMap) assert.notEqual(fields.videoFourCcInfoMap, v.caps.videoFourCcInfoMap);
  }
  assert.deepEqual(enhancedFields({}), {});
});

test('fourCcFlags: "*" overrides specific codecs; unknown codecs get 0', () => {
  assert.equal(fourCcFlags({ '*': 4, vp09: 3 }, 'vp09'), 4);
  assert.equal(fourCcFlags({ vp09: 3 }, 'vp09'), 3);
  assert.equal(fourCcFlags({ vp09: 3 }, 'av01'), 0);
  assert.equal(fourCcFlags(undefined, 'av01'), 0);
  assert.equal(fourCcFlags({ vp09: 3 }, 'constructor'), 0, 'no prototype lookups');
});

test('defaultServerCapabilities: a relay forwards every codec of the spec, Multitrack and ModEx', () => {
  assert.deepEqual(defaultServerCapabilities(), {
    videoFourCcInfoMap: { '*': 4, avc1: 4, hvc1: 4, av01: 4, vp08: 4, vp09: 4 },
    audioFourCcInfoMap: { '*': 4, mp4a: 4, '.mp3': 4, Opus: 4, fLaC: 4, 'ac-3': 4, 'ec-3': 4 },
    capsEx: 6,
  });
});

test('fuzz: random command objects never throw and keep bounded, well-formed output', () => {
  const prng = createPrng(0xe47c);
  const values = (): unknown => {
    switch (prng.int(7)) {
      case 0: return prng.bytes(prng.int(6)).toString('latin1');
      case 1: return prng.int(1 << 20) - 100;
      case 2: return Array.from({ length: prng.int(200) }, () => (prng.int(2) ? 'hvc1' : prng.int(9)));
      case 3: return Object.fromEntries(Array.from({ length: prng.int(200) }, (_, i) => [prng.int(2) ? `c${i % 1000}`.slice(0, 4) : `k${i}`, prng.int(3) ? prng.int(8) : 'x']));
      case 4: return null;
      case 5: return prng.next() * 10;
      default: return undefined;
    }
  };
  for (let i = 0; i < 5000; i++) {
    const object = { fourCcList: values(), videoFourCcInfoMap: values(), audioFourCcInfoMap: values(), capsEx: values() };
    const caps = parseEnhancedCapabilities(object);
    // Only an object with no Enhanced field at all is a legacy one.
    assert.equal(caps === undefined, Object.values(object).every((x) => x === undefined));
    if (!caps) continue;
    assert.ok((caps.fourCcList?.length ?? 0) <= 64);
    for (const map of [caps.videoFourCcInfoMap, caps.audioFourCcInfoMap]) {
      if (!map) continue;
      assert.ok(Object.keys(map).length <= 64);
      for (const [k, f] of Object.entries(map)) assert.ok((k.length === 4 || k === '*') && Number.isInteger(f) && f >= 0);
    }
    if (caps.capsEx !== undefined) assert.ok(Number.isInteger(caps.capsEx) && caps.capsEx >= 0);
  }
});
