import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateMessageBuffer } from '../../lib/chunk/slab-allocator.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { StreamRegistry, StreamType } from '../../lib/server/stream-registry.js';
import type { SubscriberTarget } from '../../lib/server/subscriber.js';

const target: SubscriberTarget = { send: (_event: RtmpEvent) => true, outboundBacklog: 0, closed: false };

function keyframe(into: Buffer): Buffer {
  into.fill(7);
  into[0] = 0x17; // AVC keyframe
  into[1] = 0x01; // NALU, not a sequence header
  return into;
}

describe('StreamRegistry GOP cache memory', () => {
  it('copies a payload that is a view of a larger buffer (a socket read), so the read can go', () => {
    const registry = new StreamRegistry();
    const stream = registry.publish('live', 'a', { target, streamId: 1, type: StreamType.Live })!;
    const read = Buffer.alloc(65536);
    const payload = keyframe(read.subarray(100, 5100));
    registry.media(stream, { kind: 'video', streamId: 1, timestamp: 0, payload });
    const cached = stream.cache.gop[0]!.payload;
    assert.deepEqual(cached, payload);
    assert.notEqual(cached.buffer, read.buffer);
  });

  it('keeps a large message joined from its chunks as it is: its memory holds nothing else', () => {
    const registry = new StreamRegistry();
    const stream = registry.publish('live', 'b', { target, streamId: 1, type: StreamType.Live })!;
    const payload = keyframe(allocateMessageBuffer(200_000));
    registry.media(stream, { kind: 'video', streamId: 1, timestamp: 0, payload });
    assert.equal(stream.cache.gop[0]!.payload.buffer, payload.buffer);
  });

  it('copies a message carved from the shared slab (it would keep the slab alive)', () => {
    const registry = new StreamRegistry();
    const stream = registry.publish('live', 'c', { target, streamId: 1, type: StreamType.Live })!;
    const payload = keyframe(allocateMessageBuffer(5000));
    registry.media(stream, { kind: 'video', streamId: 1, timestamp: 0, payload });
    const cached = stream.cache.gop[0]!.payload;
    assert.deepEqual(cached, payload);
    assert.notEqual(cached.buffer, payload.buffer);
  });
});
