/**
 * Writes of one event-loop iteration reach each socket as one batch (one `_writev`), in order;
 * nothing waits past the iteration, and a socket holding MAX_HELD_BYTES flushes at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MAX_HELD_BYTES, WriteBatch } from '../../lib/session/write-batch.js';

const nextIteration = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** A Writable with `_writev` that records how its buffers arrived: one entry per `_write`/`_writev` call. */
function recordingSink(): { sink: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, callback) {
      calls.push([chunk.toString()]);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      callback();
    },
  });
  return { sink, calls };
}

test('writes to a socket within one tick arrive as one writev, in order, once the tick ends', async () => {
  const a = recordingSink();
  const b = recordingSink();
  const batchA = new WriteBatch(a.sink);
  const batchB = new WriteBatch(b.sink);
  for (const [batch, text] of [[batchA, 'a1'], [batchB, 'b1'], [batchA, 'a2'], [batchA, 'a3'], [batchB, 'b2']] as const) {
    batch.write(Buffer.from(text));
  }
  assert.deepEqual(a.calls, [], 'held while the iteration runs');
  assert.equal(a.sink.writableCorked, 1, 'corked once, however many writes');
  await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.deepEqual(a.calls, [], 'still held after the tick: the batch spans the iteration');
  await nextIteration();
  assert.deepEqual(a.calls, [['a1', 'a2', 'a3']]);
  assert.deepEqual(b.calls, [['b1', 'b2']]);
  assert.equal(a.sink.writableCorked, 0);

  // The next iteration starts a new batch.
  batchA.write(Buffer.from('a4'));
  await nextIteration();
  assert.deepEqual(a.calls, [['a1', 'a2', 'a3'], ['a4']]);
});

test('a socket destroyed while in a batch is left alone; the others still flush', async () => {
  const gone = recordingSink();
  const kept = recordingSink();
  gone.sink.on('error', () => {});
  new WriteBatch(gone.sink).write(Buffer.from('lost'));
  new WriteBatch(kept.sink).write(Buffer.from('kept'));
  gone.sink.destroy();
  await nextIteration();
  assert.deepEqual(gone.calls, []);
  assert.deepEqual(kept.calls, [['kept']]);
});

test("a write the batch holds counts in the socket's writableLength (the player's backlog)", async () => {
  const { sink } = recordingSink();
  new WriteBatch(sink).write(Buffer.alloc(1000));
  assert.equal(sink.writableLength, 1000);
  await nextIteration();
  assert.equal(sink.writableLength, 0);
});

test('a socket that holds MAX_HELD_BYTES is flushed at once, not at the end of the iteration', () => {
  const { sink, calls } = recordingSink();
  const batch = new WriteBatch(sink);
  batch.write(Buffer.alloc(MAX_HELD_BYTES - 1));
  assert.deepEqual(calls, []);
  batch.write(Buffer.alloc(1));
  assert.equal(calls.length, 1, 'flushed by the write that reached the bound');
  assert.equal((calls as string[][])[0]!.length, 2, 'both buffers in one writev');
});
