import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as flv from '../../lib/flv/index.js';

test('lib/flv exports the stages and the pure codecs', () => {
  assert.deepEqual(Object.keys(flv).sort(), [
    'FLV_DEMUXER_DEFAULTS', 'FLV_HEADER_LENGTH', 'FLV_MAX_DATA_SIZE', 'FLV_PREVIOUS_TAG_SIZE_LENGTH', 'FLV_TAG_HEADER_LENGTH',
    'FlvDemuxer', 'FlvMuxer', 'FlvTagType', 'RealtimePacer', 'decodeFlvHeader', 'decodeFlvTagHeader', 'encodeFlvHeader', 'encodeFlvTag',
    'encodeFlvTagHeader', 'encodeScriptData', 'rewriteFlvDuration', 'writeFlvTagHeader',
  ]);
  assert.deepEqual(flv.FlvTagType, { Audio: 8, Video: 9, ScriptData: 18 });
  assert.equal(flv.FLV_DEMUXER_DEFAULTS.maxTagSize, 16 * 1024 * 1024);
});
