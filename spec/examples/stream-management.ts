// Server-side stream management: validate names, refuse duplicates, record each stream to FLV.
// Run: RTMP_ADDR=:1935 RECORD_DIR=/tmp node --import tsx stream-management.ts
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { FlvMuxer, Server, type ServerConnection, type StreamType } from '../../lib/index.js';

const recordDir = process.env.RECORD_DIR ?? '.';
const active = new Set<string>();

function isValidStreamName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

function isStreamActive(name: string): boolean {
  return active.has(name);
}

// Write what the publisher sends to <RECORD_DIR>/<name>.flv until it stops.
async function recordStream(streamName: string, conn: ServerConnection): Promise<void> {
  const file = join(recordDir, `${streamName}.flv`);
  await pipeline(Readable.from(conn), new FlvMuxer(), createWriteStream(file));
  console.log(`recorded ${file}`);
}

// Server-side stream management
async function onPublish(conn: ServerConnection, streamName: string, _streamType: StreamType): Promise<void> {
  // Validate stream name
  if (!isValidStreamName(streamName)) {
    throw new Error('invalid stream name'); // → NetStream.Publish.Denied
  }
  // Check if already publishing
  if (isStreamActive(streamName)) {
    throw Object.assign(new Error('stream already exists'), { statusCode: 'NetStream.Publish.BadName' });
  }
  active.add(streamName);
  conn.once('close', () => active.delete(streamName));
  // Start recording (or relaying) in the background
  recordStream(streamName, conn).catch((err: Error) => console.error(`recording ${streamName} failed: ${err.message}`));
}

const server = new Server({ addr: process.env.RTMP_ADDR ?? ':1935', onPublish });
server.on('publish', (_conn, name) => console.log(`publishing ${name}`));
await server.listen();
console.log(`listening on port ${server.address()!.port}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
