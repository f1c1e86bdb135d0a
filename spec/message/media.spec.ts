import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSequenceHeader } from '../../lib/message/media.js';
import { MessageType } from '../../lib/message/message-type.js';
import { bytes } from './support.js';

test('isSequenceHeader dispatches on the message type', () => {
  const avcConfig = bytes(0x17, 0x00, 0, 0, 0, 0x01);
  const aacConfig = bytes(0xaf, 0x00, 0x12, 0x10);
  assert.equal(isSequenceHeader({ type: MessageType.Video, data: avcConfig }), true);
  assert.equal(isSequenceHeader({ type: MessageType.Audio, data: aacConfig }), true);
  // The same bytes under the other media type are not a sequence header of that type.
  assert.equal(isSequenceHeader({ type: MessageType.Audio, data: avcConfig }), false);
  assert.equal(isSequenceHeader({ type: MessageType.Video, data: aacConfig }), false);
  assert.equal(isSequenceHeader({ type: MessageType.DataAMF0, data: avcConfig }), false);
  assert.equal(isSequenceHeader({ type: MessageType.Video, data: bytes(0x27, 0x01, 0, 0, 0) }), false);
});
