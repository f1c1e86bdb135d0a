import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { MessageAssembler } from '../../lib/chunk/message-assembler.js';
import { MessageCollector } from '../../lib/chunk/message-collector.js';
import { ChunkError, ErrorCode } from '../../lib/errors.js';
import type { Message } from '../../lib/message/message.js';
import { vectors } from './vectors.js';

/** Writes chunks into a MessageAssembler; resolves with the messages, rejects with its error. */
async function assemble(chunks: unknown[], options = {}): Promise<Message[]> {
  const assembler = new MessageAssembler(options);
  const out: Message[] = [];
  assembler.on('data', (m: Message) => out.push(m));
  const failed = new Promise<never>((_, reject) => assembler.on('error', reject));
  const ended = once(assembler, 'end');
  for (const c of chunks) assembler.write(c);
  assembler.end();
  await Promise.race([ended, failed]);
  return out;
}

for (const v of vectors) {
  test(`assemble: ${v.name}`, async () => {
    assert.deepEqual(await assemble(v.chunks), v.messages);
  });
}

/** A chunk of a message on csid 4 with sensible defaults. */
function part(messageOffset: number, payload: Buffer, messageLength: number, over: Partial<Chunk> = {}): Chunk {
  return { fmt: messageOffset === 0 ? 0 : 3, chunkStreamId: 4, timestamp: 0, timestampField: 0, extendedTimestamp: false, messageLength, messageTypeId: 9, messageStreamId: 1, messageOffset, payload, ...over };
}

test('a message that fits in one chunk is emitted as that chunk view: no copy', async () => {
  const payload = Buffer.allocUnsafeSlow(10).fill(3);
  const [m] = await assemble([part(0, payload, 10)]);
  assert.ok(m!.data === payload);
});

test('a message spanning chunks is joined once, in order', async () => {
  const [m] = await assemble([part(0, Buffer.from([1, 2]), 5), part(2, Buffer.from([3, 4]), 5), part(4, Buffer.from([5]), 5)]);
  assert.deepEqual(m!.data, Buffer.from([1, 2, 3, 4, 5]));
  assert.equal(m!.length, 5);
});

test('a new message at offset 0 replaces a partial one on the same chunk stream', async () => {
  const c = new MessageCollector();
  assert.equal(c.add(part(0, Buffer.from([1]), 3)), undefined);
  assert.equal(c.partialBytes, 1);
  const m = c.add(part(0, Buffer.from([9, 9]), 2));
  assert.deepEqual(m!.data, Buffer.from([9, 9]));
  assert.equal(c.partialBytes, 0);
  assert.equal(c.partialCount, 0);
});

test('an Abort message drops the partial message of the chunk stream it names', () => {
  const c = new MessageCollector();
  c.add(part(0, Buffer.from([1]), 3));
  const abort = c.add({ ...part(0, Buffer.from([0, 0, 0, 4]), 4), chunkStreamId: 2, messageTypeId: 2, messageStreamId: 0 });
  assert.equal(abort!.type, 2);
  assert.equal(c.partialBytes, 0);
  c.end(); // nothing left: no truncation
});

function rejectsWith(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ChunkError, `expected ChunkError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

test('ERR_CHUNK_INVALID_INPUT: not a chunk, or a chunk that does not continue its message', async () => {
  const cases: unknown[][] = [
    ['text'],
    [{ payload: 'x', chunkStreamId: 4 }],
    [{ ...part(0, Buffer.from([1]), 3), messageOffset: undefined }],
    [part(0, Buffer.from([1, 2, 3, 4]), 3)], // overruns its message
    [part(1, Buffer.from([1]), 3)], // continuation with nothing started
    [part(0, Buffer.from([1]), 3), part(2, Buffer.from([1]), 3)], // gap
    [part(0, Buffer.from([1]), 3), part(1, Buffer.from([1]), 4)], // length changed
  ];
  for (const chunks of cases) await assert.rejects(assemble(chunks), rejectsWith(ErrorCode.CHUNK_INVALID_INPUT));
});

test('ERR_CHUNK_MESSAGE_TOO_LARGE and ERR_CHUNK_PARTIAL_BYTES_EXCEEDED limits', async () => {
  await assert.rejects(assemble([part(0, Buffer.from([1]), 101)], { maxMessageSize: 100 }), rejectsWith(ErrorCode.CHUNK_MESSAGE_TOO_LARGE));
  const tenOf = (csid: number): Chunk => ({ ...part(0, Buffer.alloc(10), 20), chunkStreamId: csid });
  await assert.rejects(assemble([tenOf(3), tenOf(4), tenOf(5)], { maxPartialBytes: 25 }), rejectsWith(ErrorCode.CHUNK_PARTIAL_BYTES_EXCEEDED));
  await assert.rejects(assemble([tenOf(3), part(10, Buffer.alloc(5), 20, { chunkStreamId: 3 }), tenOf(4)], { maxPartialBytes: 24 }), rejectsWith(ErrorCode.CHUNK_PARTIAL_BYTES_EXCEEDED));
});

test('ERR_CHUNK_TRUNCATED: chunks end inside a message', async () => {
  await assert.rejects(assemble([part(0, Buffer.from([1]), 3)]), rejectsWith(ErrorCode.CHUNK_TRUNCATED));
});

test('ERR_CHUNK_INVALID_OPTION for bad assembler options', () => {
  assert.throws(() => new MessageAssembler({ maxMessageSize: 0 }), rejectsWith(ErrorCode.CHUNK_INVALID_OPTION));
  assert.throws(() => new MessageAssembler({ highWaterMark: -1 }), rejectsWith(ErrorCode.CHUNK_INVALID_OPTION));
});

test('partialBytes reports what the assembler holds', async () => {
  const a = new MessageAssembler();
  a.write(part(0, Buffer.alloc(7), 20));
  assert.equal(a.partialBytes, 7);
  a.destroy();
});

test('backpressure: with nobody reading, writes stop being accepted at the highWaterMark and resume, in order, once read', { timeout: 5000 }, async () => {
  const assembler = new MessageAssembler({ highWaterMark: 2 });
  // One-chunk messages on csid 4, payload = [i]: each write completes a message.
  const chunks = Array.from({ length: 8 }, (_, i) => part(0, Buffer.from([i]), 1));
  const accepted = chunks.map((c) => assembler.write(c));
  // Two messages fill the readable side; the third write's callback is then held, so everything
  // after it queues on the writable side and write() reports backpressure.
  assert.equal(assembler.readableLength, 2);
  assert.equal(accepted.at(-1), false);
  assert.ok(assembler.writableLength > 0);
  assembler.end();
  const got: number[] = [];
  for await (const m of assembler as AsyncIterable<Message>) got.push(m.data[0]!);
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7]);
});
