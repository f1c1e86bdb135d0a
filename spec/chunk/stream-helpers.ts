/** Drives the chunk layer's Transforms in tests and collects what comes out. */
import { once } from 'node:events';
import { ChunkDecoder, type ChunkDecoderOptions } from '../../lib/chunk/chunk-decoder.js';
import { ChunkEncoder } from '../../lib/chunk/chunk-encoder.js';
import { MessageAssembler, type MessageAssemblerOptions } from '../../lib/chunk/message-assembler.js';
import { MessageChunker } from '../../lib/chunk/message-chunker.js';
import type { Chunk } from '../../lib/chunk/chunk.js';
import type { Message } from '../../lib/message/message.js';

export interface Decoded {
  chunks: Chunk[];
  messages: Message[];
  setChunkSizes: number[];
  windowAckSizes: number[];
  /** [index of the write after which it fired, sequence number] */
  acknowledgements: Array<[number, number]>;
}

/**
 * Writes `pieces` one by one into ChunkDecoder → MessageAssembler and resolves with everything
 * they emitted once both ended; rejects with the first stream error.
 */
export async function decodePieces(
  pieces: Buffer[],
  options: ChunkDecoderOptions = {},
  assemblerOptions: MessageAssemblerOptions = {},
): Promise<Decoded> {
  const decoder = new ChunkDecoder(options);
  const assembler = new MessageAssembler(assemblerOptions);
  const out: Decoded = { chunks: [], messages: [], setChunkSizes: [], windowAckSizes: [], acknowledgements: [] };
  let writeIndex = 0;
  decoder.on('data', (c: Chunk) => {
    out.chunks.push(c);
    assembler.write(c);
  });
  decoder.on('setChunkSize', (n) => out.setChunkSizes.push(n));
  decoder.on('windowAckSize', (n) => out.windowAckSizes.push(n));
  decoder.on('acknowledgement', (n) => out.acknowledgements.push([writeIndex, n]));
  decoder.on('end', () => assembler.end());
  assembler.on('data', (m: Message) => out.messages.push(m));
  const failed = new Promise<never>((_, reject) => {
    decoder.on('error', reject);
    assembler.on('error', reject);
  });
  const ended = once(assembler, 'end');
  for (const p of pieces) {
    decoder.write(p);
    writeIndex++;
  }
  decoder.end();
  await Promise.race([ended, failed]);
  return out;
}

/** Every split of `bytes` into two pieces, plus byte by byte. */
export function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let k = 1; k < bytes.length; k++) out.push([bytes.subarray(0, k), bytes.subarray(k)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

/** Writes chunks into a ChunkEncoder and resolves with all bytes it produced. */
export async function encodeChunks(chunks: unknown[]): Promise<Buffer> {
  const encoder = new ChunkEncoder();
  const parts: Buffer[] = [];
  encoder.on('data', (b: Buffer) => parts.push(b));
  const failed = new Promise<never>((_, reject) => encoder.on('error', reject));
  const ended = once(encoder, 'end');
  for (const c of chunks) encoder.write(c);
  encoder.end();
  await Promise.race([ended, failed]);
  return Buffer.concat(parts);
}

/** Messages through MessageChunker; resolves with the chunks it emitted. */
export async function chunkMessages(messages: unknown[], chunkSize?: number): Promise<Chunk[]> {
  const chunker = new MessageChunker(chunkSize === undefined ? {} : { chunkSize });
  const out: Chunk[] = [];
  chunker.on('data', (c: Chunk) => out.push(c));
  const failed = new Promise<never>((_, reject) => chunker.on('error', reject));
  const ended = once(chunker, 'end');
  for (const m of messages) chunker.write(m);
  chunker.end();
  await Promise.race([ended, failed]);
  return out;
}

/** Messages through MessageChunker → ChunkEncoder; resolves with the bytes. */
export async function encodeMessages(messages: unknown[], chunkSize?: number): Promise<Buffer> {
  return encodeChunks(await chunkMessages(messages, chunkSize));
}
