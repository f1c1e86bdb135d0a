import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as chunk from '../../lib/chunk/index.js';

test('the chunk barrel exports the stages, the pure fast-path functions and the limits', () => {
  for (const name of ['ChunkDecoder', 'MessageAssembler', 'MessageChunker', 'ChunkEncoder', 'ChunkParser', 'MessageCollector', 'ByteQueue', 'OutboundChunkState', 'ChunkStreamWriterState']) {
    assert.equal(typeof (chunk as Record<string, unknown>)[name], 'function', name);
  }
  for (const name of ['encodeChunkHeader', 'serializeMessage', 'chunkMessage', 'nextChunkSize', 'advanceChunkStream', 'basicHeaderSize', 'writeChunkHeader']) {
    assert.equal(typeof (chunk as Record<string, unknown>)[name], 'function', name);
  }
  assert.deepEqual(
    [chunk.DEFAULT_CHUNK_SIZE, chunk.DEFAULT_MAX_CHUNK_SIZE, chunk.DEFAULT_MAX_MESSAGE_SIZE, chunk.DEFAULT_MAX_CHUNK_STREAMS, chunk.DEFAULT_MAX_PARTIAL_BYTES],
    [128, 1048576, 0xffffff, 64, 32 * 1024 * 1024],
  );
});

test('ChunkParser reports the chunk streams it has seen', () => {
  const noop = (): void => {};
  const parser = new chunk.ChunkParser({}, { onChunk: noop, onSetChunkSize: noop, onWindowAckSize: noop, onAcknowledgement: noop });
  parser.push(Buffer.from([0x03, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xaa, 0x04, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xbb]));
  assert.equal(parser.chunkStreamCount, 2);
  assert.equal(parser.bufferedBytes, 0);
});
