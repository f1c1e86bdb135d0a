/**
 * Fan-out writes of one tick reach each socket as one batch (one `_writev`), in order, and nothing
 * waits past the tick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { TickBatch } from '../../lib/session/write-batch.js';

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
  const batchA = new TickBatch(a.sink);
  const batchB = new TickBatch(b.sink);
  for (const [batch, text] of [[batchA, 'a1'], [batchB, 'b1'], [batchA, 'a2'], [batchA, 'a3'], [batchB, 'b2']] as const) {
    batch.hold();
    batch.socket.write(Buffer.from(text));
  }
  assert.deepEqual(a.calls, [], 'held while the tick runs');
  assert.equal(a.sink.writableCorked, 1, 'corked once, however many writes');
  await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.deepEqual(a.calls, [['a1', 'a2', 'a3']]);
  assert.deepEqual(b.calls, [['b1', 'b2']]);
  assert.equal(a.sink.writableCorked, 0);

  // The next tick starts a new batch.
  batchA.hold();
  a.sink.write(Buffer.from('a4'));
  await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.deepEqual(a.calls, [['a1', 'a2', 'a3'], ['a4']]);
});

test('a socket destroyed while in a batch is left alone; the others still flush', async () => {
  const gone = recordingSink();
  const kept = recordingSink();
  gone.sink.on('error', () => {});
  new TickBatch(gone.sink).hold();
  gone.sink.write(Buffer.from('lost'));
  new TickBatch(kept.sink).hold();
  kept.sink.write(Buffer.from('kept'));
  gone.sink.destroy();
  await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.deepEqual(gone.calls, []);
  assert.deepEqual(kept.calls, [['kept']]);
});

test("a write the batch holds counts in the socket's writableLength (the player's backlog)", async () => {
  const { sink } = recordingSink();
  new TickBatch(sink).hold();
  sink.write(Buffer.alloc(1000));
  assert.equal(sink.writableLength, 1000);
  await new Promise<void>((resolve) => process.nextTick(resolve));
  assert.equal(sink.writableLength, 0);
});
