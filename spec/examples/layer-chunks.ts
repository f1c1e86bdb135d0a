// The chunk layer on its own: messages → chunks → bytes, and back, through the Transform stages.
// Run: node --import tsx layer-chunks.ts
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChunkDecoder, ChunkEncoder, MessageAssembler, MessageChunker } from '../../lib/chunk/index.js';
import { MessageType, createMessage, type Message } from '../../lib/message/index.js';

const video = createMessage(6, 1, MessageType.Video, Buffer.alloc(300, 0x27), 40); // 300 bytes: 3 chunks of at most 128
const audio = createMessage(4, 1, MessageType.Audio, Buffer.from([0xaf, 0x01, 0x21]), 46);

// Outbound: Message → Chunk objects (smallest headers) → bytes.
const wire: Buffer[] = [];
await pipeline(
  Readable.from([video, audio]),
  new MessageChunker({ chunkSize: 128 }),
  new ChunkEncoder(),
  new Writable({
    write(bytes: Buffer, _enc, done) {
      wire.push(bytes);
      done();
    },
  }),
);
const bytes = Buffer.concat(wire);
console.log(`encoded ${bytes.length} bytes`);

// Inbound: bytes → Chunk objects → Message, fed 7 bytes at a time (any split works).
const decoder = new ChunkDecoder();
decoder.on('setChunkSize', (size: number) => console.log('peer chunk size', size)); // (none here)
const received: Message[] = [];
await pipeline(
  Readable.from(Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7))),
  decoder,
  new MessageAssembler(),
  new Writable({
    objectMode: true,
    write(message: Message, _enc, done) {
      received.push(message);
      done();
    },
  }),
);
for (const m of received) console.log(`message type ${m.type}, ${m.data.length} bytes at ${m.timestamp} ms`);
