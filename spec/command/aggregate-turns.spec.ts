/**
 * Issue 11, item 3: CommandDecoder reads an aggregate out a bounded number of sub-messages per
 * event-loop turn and only while its reader has room; nested and oversized aggregates are typed errors.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { CommandDecoder, DEFAULT_EVENTS_PER_TURN } from '../../lib/command/command-decoder.js';
import { EventDecoder } from '../../lib/command/event-decoder.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { createAggregateMessage } from '../../lib/message/aggregate.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';

/** An aggregate of `count` one-byte audio sub-messages numbered by their timestamp. */
function numbered(count: number): Message {
  const data = Buffer.alloc(count * 16);
  for (let i = 0; i < count; i++) {
    const at = i * 16;
    data[at] = MessageType.Audio;
    data[at + 3] = 1;
    data.writeUIntBE(i & 0xffffff, at + 4, 3);
    data[at + 11] = i & 0xff;
    data.writeUInt32BE(12, at + 12);
  }
  return createMessage(4, 1, MessageType.Aggregate, data, 0);
}

test('a 65536-sub-message aggregate comes out whole and in order, a bounded batch per turn', async () => {
  const count = 65536;
  const decoder = new CommandDecoder();
  const events: RtmpEvent[] = [];
  let ticks = 0;
  let maxBatch = 0;
  let batch = 0;
  // Counts events between two turns of the event loop.
  const tick = (): void => {
    ticks++;
    if (batch > maxBatch) maxBatch = batch;
    batch = 0;
    if (events.length < count + 1) setImmediate(tick);
  };
  setImmediate(tick);
  decoder.on('data', (e: RtmpEvent) => {
    events.push(e);
    batch++;
  });
  decoder.write(numbered(count));
  decoder.write(createMessage(3, 1, MessageType.Video, Buffer.from([0x17, 1]), 99));
  decoder.end();
  await once(decoder, 'end');
  assert.equal(events.length, count + 1);
  for (let i = 0; i < count; i++) {
    const e = events[i]!;
    assert.ok(e.kind === 'audio' && e.timestamp === (i & 0xffffff) && e.payload[0] === (i & 0xff), `event ${i}`);
  }
  assert.equal(events[count]!.kind, 'video', 'the next message waits for the whole aggregate');
  assert.ok(maxBatch <= DEFAULT_EVENTS_PER_TURN, `${maxBatch} events in one turn`);
  assert.ok(ticks >= count / DEFAULT_EVENTS_PER_TURN, `only ${ticks} turns`);
});

test('with nobody reading, an aggregate stops at the highWaterMark and goes on once read', async () => {
  const decoder = new CommandDecoder({ highWaterMark: 16 });
  decoder.write(numbered(1000));
  // Continuations run on later turns: give it several.
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(decoder.readableLength, 16, 'no more events than the reader has room for');
  let n = 0;
  decoder.on('data', () => n++);
  decoder.end();
  await once(decoder, 'end');
  assert.equal(n, 1000);
});

test('nested aggregates and too many sub-messages fail the decoder with typed errors, nothing emitted', async () => {
  const cases: Array<[Message, string]> = [
    [createAggregateMessage([createAggregateMessage([createMessage(4, 1, MessageType.Audio, Buffer.from([1]), 0)])]), ErrorCode.MESSAGE_AGGREGATE_NESTED],
    [numbered(70_000), ErrorCode.MESSAGE_AGGREGATE_TOO_MANY],
  ];
  for (const [message, code] of cases) {
    const decoder = new CommandDecoder();
    let emitted = 0;
    decoder.on('data', () => emitted++);
    decoder.write(message);
    const [err] = await once(decoder, 'error');
    assert.ok(isRtmpError(err, code as ErrorCode), String(err));
    assert.equal(emitted, 0);
  }
  // Settable: depth 2 opens the nested one.
  const decoder = new CommandDecoder({ decode: { maxDepth: 2 } });
  const got: RtmpEvent[] = [];
  decoder.on('data', (e: RtmpEvent) => got.push(e));
  decoder.end(cases[0]![0]);
  await once(decoder, 'end');
  assert.deepEqual(got.map((e) => e.kind), ['audio']);
});

test('EventDecoder: a large aggregate is read out from the next call on, and a sink pause does not renew the turn budget', () => {
  const events: RtmpEvent[] = [];
  let decoder: EventDecoder;
  // The sink pauses after every third event, as a stage whose buffer fills would.
  decoder = new EventDecoder({ encoding: { objectEncoding: 0 }, eventsPerTurn: 10 }, (event) => {
    events.push(event);
    if (events.length % 3 === 0) decoder.pause();
  });
  const perCall: number[] = [];
  let before = 0;
  let done = decoder.push(numbered(30));
  perCall.push(events.length - before);
  while (!done) {
    before = events.length;
    done = decoder.resume();
    perCall.push(events.length - before);
  }
  // Validation takes the first call; then pauses at 3, 6, 9 and the budget of 10 ends the turn at
  // the 10th event (a renewed budget per call would have delivered a 4th batch of 3).
  assert.deepEqual(perCall.slice(0, 5), [0, 3, 3, 3, 1]);
  assert.deepEqual(events.map((e) => e.timestamp), Array.from({ length: 30 }, (_, i) => i));
});
