import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../lib/chunk/byte-queue.js';

test('consume returns a view inside one read and a copy across reads', () => {
  const a = Buffer.allocUnsafeSlow(4).fill(1);
  const b = Buffer.allocUnsafeSlow(4).fill(2);
  const q = new ByteQueue();
  q.push(a);
  q.push(Buffer.alloc(0)); // ignored
  q.push(b);
  assert.equal(q.length, 8);
  assert.equal(q.byteAt(5), 2);
  const v = q.consume(3);
  assert.ok(v.buffer === a.buffer);
  const x = q.consume(2);
  assert.deepEqual([...x], [1, 2]);
  assert.ok(x.buffer !== a.buffer && x.buffer !== b.buffer);
  assert.deepEqual([...q.consume(3)], [2, 2, 2]);
  assert.equal(q.length, 0);
  assert.equal(q.consume(0).length, 0);
});

test('the queue drops consumed reads even when it never drains', () => {
  const q = new ByteQueue();
  for (let i = 0; i < 1000; i++) {
    q.push(Buffer.from([i & 0xff, 7]));
    q.skip(i === 0 ? 1 : 2); // always leaves one byte behind
  }
  assert.equal(q.length, 1);
  assert.equal(q.byteAt(0), 7);
  // Internal array stays small: slots are recycled every 32 reads.
  assert.ok((q as unknown as { buffers: Buffer[] }).buffers.length <= 40);
});
