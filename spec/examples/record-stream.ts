// Record a played stream: one pipeline from the server to an FLV file.
// Run: node --import tsx record-stream.ts [rtmp://localhost:1935/live/mystream] [out.flv]
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Client, createPlayStream } from '../../lib/index.js';
import { FlvMuxer } from '../../lib/flv/index.js';

const url = process.argv[2] ?? 'rtmp://localhost:1935/live/mystream';
const file = process.argv[3] ?? 'out.flv';

const client = new Client();
await client.connect(url);
await client.play(); // the stream name from the URL
console.log('recording');
// Ctrl-C closes the client: the play stream ends and the file is completed, as when the publisher stops.
process.once('SIGINT', () => void client.close());

await pipeline(
  createPlayStream(client), // audio, video and metadata events until the stream ends
  new FlvMuxer(), // → FLV bytes
  createWriteStream(file),
);
await client.close();
console.log(`recorded ${file}`);
