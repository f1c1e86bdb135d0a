import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateMessageBuffer } from '../../lib/chunk/slab-allocator.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { StreamRegistry, StreamType } from '../../lib/server/stream-registry.js';
import { Subscriber, type SubscriberTarget } from '../../lib/server/subscriber.js';
import { SharedEvent } from '../../lib/command/index.js';

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

describe('StreamRegistry: what every player gets is encoded once', () => {
  it('a publisher that arrives before waiting players: every player gets the same shared StreamBegin and PublishNotify, metadata too', () => {
    const got = new Map<number, SharedEvent[]>();
    const player = (streamId: number): Subscriber => {
      const target: SubscriberTarget = {
        send: () => assert.fail('a shared event goes out through sendShared'),
        sendShared: (shared, id) => (assert.equal(id, streamId), got.set(id, [...(got.get(id) ?? []), shared]), true),
        outboundBacklog: 0,
        closed: false,
      };
      return new Subscriber(target, streamId, 'live/a');
    };
    const registry = new StreamRegistry();
    for (const id of [1, 2, 3]) registry.subscribe('live', 'a', player(id));
    const publisher: SubscriberTarget = { send: () => true, outboundBacklog: 0, closed: false };
    const stream = registry.publish('live', 'a', { target: publisher, streamId: 1, type: StreamType.Live })!;
    registry.data(stream, { kind: 'data', streamId: 1, timestamp: 0, name: '@setDataFrame', values: ['onMetaData', { width: 2 }] });
    const [first, ...rest] = [...got.values()];
    assert.equal(first!.length, 3, 'StreamBegin, PublishNotify, onMetaData');
    for (const other of rest) assert.deepEqual(other, first, 'the same SharedEvent objects, in the same order');
    assert.deepEqual(first![2]!.eventOn(9), { kind: 'data', streamId: 9, timestamp: 0, name: 'onMetaData', values: [{ width: 2 }] });
  });

  it('a target without sendShared (HTTP-FLV, a test double) gets the event itself', () => {
    const events: RtmpEvent[] = [];
    const sub = new Subscriber({ send: (e) => (events.push(e), true), outboundBacklog: 0, closed: false }, 5, 'live/b');
    const begin = (streamId: number): RtmpEvent => ({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } });
    sub.sendShared(new SharedEvent(begin(0)));
    assert.deepEqual(events, [begin(5)]);
  });
});
