/**
 * SharedEvent (lib/command/shared-event.ts): one event for many connections, encoded once per
 * object encoding and message stream, with the very bytes each connection would have produced on
 * its own. Through a connection: spec/session/outbound-path.spec.ts; a stream's players:
 * spec/server/stream-registry.spec.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkWriter } from '../../lib/chunk/index.js';
import { SharedEvent, encodeEvent, type RtmpEvent } from '../../lib/command/index.js';

const status = (streamId: number): RtmpEvent => ({
  kind: 'command',
  streamId,
  timestamp: 0,
  name: 'onStatus',
  transactionId: 0,
  commandObject: null,
  args: [{ level: 'status', code: 'NetStream.Play.PublishNotify', description: 'live is now published.', details: 'live' }],
});
const begin = (streamId: number): RtmpEvent => ({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } });
const metadata = (streamId: number): RtmpEvent => ({ kind: 'data', streamId, timestamp: 40, name: 'onMetaData', values: [{ width: 1280, height: 720, videocodecid: 7 }] });

test('one message per object encoding and message stream, with the bytes each connection would have built itself', () => {
  for (const build of [status, begin, metadata]) {
    const shared = new SharedEvent(build(0));
    const forms = new Set<unknown>();
    for (const objectEncoding of [0, 3] as const) {
      for (const streamId of [1, 1, 1, 7]) {
        const own = new ChunkWriter({ chunkSize: 60 });
        const viaShare = new ChunkWriter({ chunkSize: 60 });
        const expected = own.serialize(encodeEvent(build(streamId), { objectEncoding }));
        const message = shared.messageOn({ objectEncoding }, streamId);
        forms.add(message);
        assert.deepEqual(viaShare.serialize(message), expected, `${build.name}, AMF${objectEncoding}, stream ${streamId}`);
        assert.equal(message.frame?.serializations, 1, 'serialized into its frame');
      }
    }
    assert.equal(forms.size, 4, `${build.name}: one message per (encoding, stream id) pair`);
  }
});

test('eventOn: the event on a connection\'s stream, an object of its own down to the status info', () => {
  const shared = new SharedEvent(status(0));
  const a = shared.eventOn(3);
  const b = shared.eventOn(3);
  assert.deepEqual(a, status(3));
  assert.notEqual(a, b);
  assert.ok(a.kind === 'command' && b.kind === 'command');
  assert.notEqual(a.args, b.args);
  assert.notEqual(a.args[0], b.args[0], 'a stage that edits the info edits its own');
  assert.deepEqual(new SharedEvent(begin(0)).eventOn(4), begin(4), 'a user control event carries the stream id inside');
  assert.deepEqual(new SharedEvent(metadata(0)).eventOn(2), metadata(2));
});

test('the AMF3 form of a command differs from its AMF0 form (the encoding is part of the key)', () => {
  const shared = new SharedEvent(status(0));
  const amf0 = shared.messageOn({ objectEncoding: 0 }, 1);
  const amf3 = shared.messageOn({ objectEncoding: 3 }, 1);
  assert.notEqual(amf0.type, amf3.type);
});
