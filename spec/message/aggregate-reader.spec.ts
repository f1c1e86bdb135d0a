/**
 * Issue 11, item 3: aggregates are checked whole in bounded time (sub-message count, nesting) and
 * read out one sub-message at a time; nested aggregates give a typed error, never a stack overflow.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { AggregateReader, checkAggregate } from '../../lib/message/aggregate-reader.js';
import { createAggregateMessage, decodeAggregate, encodeAggregate, splitAggregate, DEFAULT_MAX_AGGREGATE_MESSAGES } from '../../lib/message/aggregate.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { createPrng } from '../helpers/prng.js';
import { thrown } from './support.js';

/** An aggregate of `count` empty audio sub-messages (15 bytes each). */
function emptySubs(count: number): Message {
  const data = Buffer.alloc(count * 15);
  for (let i = 0; i < count; i++) {
    data[i * 15] = MessageType.Audio;
    data.writeUInt32BE(11, i * 15 + 11);
  }
  return createMessage(4, 1, MessageType.Aggregate, data, 0);
}

/** An aggregate nested `depth` levels deep around one audio message. */
function nested(depth: number): Message {
  let inner: Message = createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 1, 7]), 40);
  for (let i = 0; i < depth; i++) inner = createAggregateMessage([inner]);
  return inner;
}

function readAll(message: Message): Message[] {
  const reader = new AggregateReader(message);
  const out: Message[] = [];
  for (let m = reader.next(); m !== undefined; m = reader.next()) out.push(m);
  return out;
}

test('the reader gives what splitAggregate gives, for random aggregates', () => {
  const rng = createPrng(11);
  for (let round = 0; round < 200; round++) {
    const subs: Message[] = [];
    const n = rng.int(20 + 1);
    let ts = (rng.int(0x10000) * 0x10000 + rng.int(0x10000));
    for (let i = 0; i < n; i++) {
      const payload = Buffer.alloc(rng.int(50 + 1), rng.int(255 + 1));
      subs.push(createMessage(4, 1, rng.int(1 + 1) ? MessageType.Audio : MessageType.Video, payload, ts));
      ts = (ts + rng.int(100 + 1)) >>> 0;
    }
    const data = encodeAggregate(subs);
    const aggregate = createMessage(5, 3, MessageType.Aggregate, data, (rng.int(0x10000) * 0x10000 + rng.int(0x10000)));
    assert.equal(checkAggregate(aggregate), n);
    assert.deepEqual(readAll(aggregate), splitAggregate(aggregate));
  }
});

test('1.1 million empty sub-messages: ERR_MESSAGE_AGGREGATE_TOO_MANY from the check, in bounded time', () => {
  const aggregate = emptySubs(1_100_000);
  const start = process.hrtime.bigint();
  const err = thrown(() => checkAggregate(aggregate));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(isRtmpError(err, ErrorCode.MESSAGE_AGGREGATE_TOO_MANY), String(err));
  assert.ok(ms < 200, `the check took ${ms} ms`);
  assert.ok(isRtmpError(thrown(() => decodeAggregate(aggregate.data)), ErrorCode.MESSAGE_AGGREGATE_TOO_MANY));
  // Exactly the limit passes; one more does not; the limit is settable.
  assert.equal(checkAggregate(emptySubs(DEFAULT_MAX_AGGREGATE_MESSAGES)), DEFAULT_MAX_AGGREGATE_MESSAGES);
  assert.ok(isRtmpError(thrown(() => checkAggregate(emptySubs(11), { maxMessages: 10 })), ErrorCode.MESSAGE_AGGREGATE_TOO_MANY));
});

test('nested aggregates: ERR_MESSAGE_AGGREGATE_NESTED by default, opened in place up to maxDepth', () => {
  for (const depth of [2, 3, 100_000]) {
    const err = thrown(() => checkAggregate(nested(depth)));
    assert.ok(isRtmpError(err, ErrorCode.MESSAGE_AGGREGATE_NESTED), `depth ${depth}: ${String(err)}`);
  }
  const two = nested(2);
  assert.equal(checkAggregate(two, { maxDepth: 2 }), 2);
  const out = readAll(two);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.type, MessageType.Audio);
  assert.deepEqual([...out[0]!.data], [0xaf, 1, 7]);
  // Nested sub-messages count toward maxMessages too.
  assert.ok(isRtmpError(thrown(() => checkAggregate(two, { maxDepth: 2, maxMessages: 1 })), ErrorCode.MESSAGE_AGGREGATE_TOO_MANY));
});

test('a broken aggregate is refused by the check before anything is read', () => {
  const good = createAggregateMessage([createMessage(4, 1, MessageType.Audio, Buffer.from([1, 2, 3]), 0)]);
  const badPointer = Buffer.from(good.data);
  badPointer.writeUInt32BE(99, badPointer.length - 4);
  assert.ok(isRtmpError(thrown(() => checkAggregate({ data: badPointer })), ErrorCode.MESSAGE_BACK_POINTER_MISMATCH));
  assert.ok(isRtmpError(thrown(() => checkAggregate({ data: good.data.subarray(0, 12) })), ErrorCode.MESSAGE_TRUNCATED));
});
