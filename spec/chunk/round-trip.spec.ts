import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundChunkState, nextChunkSize } from '../../lib/chunk/outbound-state.js';
import { serializeMessage } from '../../lib/chunk/serialize-message.js';
import { createPrng } from '../helpers/prng.js';
import { randomMessages, randomSplit } from './random-corpus.js';
import { decodePieces, encodeMessages } from './stream-helpers.js';
import { vectors } from './vectors.js';

for (const v of vectors) {
  test(`round trip: ${v.name}`, async () => {
    const bytes = await encodeMessages(v.messages, v.chunkSize);
    const { messages } = await decodePieces([bytes], v.chunkSize === undefined ? {} : { chunkSize: v.chunkSize });
    assert.deepEqual(messages, v.messages);
  });
}

test('random round trip: MessageChunker → ChunkEncoder → ChunkDecoder → MessageAssembler returns every message', async () => {
  const rng = createPrng(0xc0ffee);
  for (let run = 0; run < 60; run++) {
    const messages = randomMessages(rng);
    const chunkSize = 1 + rng.int(rng.int(2) === 0 ? 200 : 70000);
    const bytes = await encodeMessages(messages, chunkSize);
    const pieces = randomSplit(rng, bytes);
    const { messages: decoded } = await decodePieces(pieces, { chunkSize });
    assert.equal(decoded.length, messages.length, `run ${run}`);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      const d = decoded[i]!;
      assert.deepEqual(
        [d.chunkStreamId, d.messageStreamId, d.timestamp, d.type, d.length],
        [m.chunkStreamId, m.messageStreamId, m.timestamp >>> 0, m.type, m.length],
        `run ${run}, message ${i}`,
      );
      assert.ok(d.data.equals(m.data), `run ${run}, message ${i} data`);
    }
  }
});

test('serializeMessage writes the same bytes as MessageChunker → ChunkEncoder for random sequences', async () => {
  const rng = createPrng(0x5e71a1);
  for (let run = 0; run < 60; run++) {
    const messages = randomMessages(rng);
    const chunkSize = 1 + rng.int(rng.int(2) === 0 ? 200 : 70000);
    const state = new OutboundChunkState();
    let size = chunkSize;
    const serialized: Buffer[] = [];
    for (const m of messages) {
      serialized.push(serializeMessage(m, state, size));
      size = nextChunkSize(m, size);
    }
    assert.ok(Buffer.concat(serialized).equals(await encodeMessages(messages, chunkSize)), `run ${run}`);
  }
});
