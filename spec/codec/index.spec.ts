import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as codec from '../../lib/codec/index.js';

test('lib/codec exports the parsers and the describer', () => {
  for (const name of [
    'parseAvcDecoderConfig', 'parseAvcSps', 'parseHevcDecoderConfig', 'parseHevcSps', 'parseAacConfig', 'parseAv1Config',
    'parseAv1SequenceHeader', 'parseVp9Config', 'parseVp9FrameSize', 'parseOpusHead', 'parseFlacStreamInfo', 'parseAc3Frame',
    'parseMp3Frame', 'parseEnhancedVideo', 'parseEnhancedAudio', 'StreamDescriber', 'describeStream', 'BitReader', 'unescapeRbsp',
  ]) {
    assert.equal(typeof (codec as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(codec.AAC_SAMPLE_RATES[4], 44100);
});
