import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { decodeFlvHeader, encodeFlvHeader } from '../../lib/flv/flv-header.js';
import { hex } from '../amf/hex.js';

const headerVectors = [
  { flags: { hasAudio: true, hasVideo: true }, bytes: hex('46 4c 56', '01', '05', '00 00 00 09', '00 00 00 00') },
  { flags: { hasAudio: true, hasVideo: false }, bytes: hex('46 4c 56', '01', '04', '00 00 00 09', '00 00 00 00') },
  { flags: { hasAudio: false, hasVideo: true }, bytes: hex('46 4c 56', '01', '01', '00 00 00 09', '00 00 00 00') },
  { flags: { hasAudio: false, hasVideo: false }, bytes: hex('46 4c 56', '01', '00', '00 00 00 09', '00 00 00 00') },
];

for (const v of headerVectors) {
  test(`FLV header ${JSON.stringify(v.flags)}: encode, decode, round trip`, () => {
    assert.deepEqual(encodeFlvHeader(v.flags), v.bytes);
    assert.deepEqual(decodeFlvHeader(v.bytes), { version: 1, ...v.flags, dataOffset: 9 });
    assert.deepEqual(encodeFlvHeader(decodeFlvHeader(v.bytes)), v.bytes);
  });
}

test('decodeFlvHeader errors and offsets', () => {
  assert.throws(() => decodeFlvHeader(hex('46 4c 56 01')), { code: ErrorCode.FLV_TRUNCATED });
  assert.throws(() => decodeFlvHeader(hex('46 4c 56 01 05 00 00 00 05')), { code: ErrorCode.FLV_BAD_HEADER });
  assert.throws(() => decodeFlvHeader(hex('00 46 4c 56 01 05 00 00 00 09'), 1 + 1), { code: ErrorCode.FLV_TRUNCATED });
  assert.equal(decodeFlvHeader(hex('00 46 4c 56 02 05 00 00 01 00'), 1).dataOffset, 256);
  assert.equal(decodeFlvHeader(hex('00 46 4c 56 02 05 00 00 01 00'), 1).version, 2);
});
