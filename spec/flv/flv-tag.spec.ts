import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../lib/errors.js';
import { decodeFlvTagHeader, encodeFlvTag, encodeFlvTagHeader } from '../../lib/flv/flv-tag.js';
import { hex } from '../amf/hex.js';
import { AAC_RAW_TAG, MAX_TIMESTAMP_TAG, ON_METADATA_TAG } from './vectors.js';

const tagVectors = [
  { name: 'AAC raw, extended timestamp', bytes: AAC_RAW_TAG, type: 8, timestamp: 0x01020304 },
  { name: 'onMetaData script tag', bytes: ON_METADATA_TAG, type: 18, timestamp: 0 },
  { name: 'largest timestamp', bytes: MAX_TIMESTAMP_TAG, type: 8, timestamp: 0xffffffff },
];

for (const v of tagVectors) {
  test(`FLV tag ${v.name}: header decode, tag encode, round trip`, () => {
    const data = v.bytes.subarray(11, v.bytes.length - 4);
    assert.deepEqual(decodeFlvTagHeader(v.bytes), { type: v.type, filter: false, reserved: 0, dataSize: data.length, timestamp: v.timestamp, streamId: 0 });
    const parts = encodeFlvTag({ type: v.type, timestamp: v.timestamp, data });
    assert.equal(parts[1], data, 'the data is not copied');
    assert.deepEqual(Buffer.concat(parts), v.bytes);
    assert.deepEqual(encodeFlvTagHeader(v.type, data.length, v.timestamp), v.bytes.subarray(0, 11));
  });
}

test('tag header fields: filter, reserved bits, stream id; errors', () => {
  const h = decodeFlvTagHeader(hex('ff', '00 00 01', '00 00 00', '00', '00 00 07'));
  assert.deepEqual(h, { type: 31, filter: true, reserved: 3, dataSize: 1, timestamp: 0, streamId: 7 });
  assert.throws(() => decodeFlvTagHeader(hex('08 00')), { code: ErrorCode.FLV_TRUNCATED });
  assert.throws(() => encodeFlvTagHeader(8, 0x1000000, 0), { code: ErrorCode.FLV_TAG_TOO_LARGE });
});
