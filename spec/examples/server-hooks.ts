// A server with hooks: log connects, publishes and plays; a hook that throws refuses the request.
// Run: RTMP_ADDR=:1935 node --import tsx server-hooks.ts   (Ctrl-C stops it gracefully)
import { Server, type ServerConnection, type StreamType } from '../../lib/index.js';

function onConnect(conn: ServerConnection): void {
  console.log(`Client connected: ${conn.id}`);
}

function onPublish(_conn: ServerConnection, streamName: string, streamType: StreamType): void {
  console.log(`Stream published: ${streamName} (${streamType})`);
}

function onPlay(_conn: ServerConnection, streamName: string): void {
  console.log(`Stream requested: ${streamName}`);
}

// Create the server configuration (times in ms)
const server = new Server({
  addr: process.env.RTMP_ADDR ?? ':1935',
  readTimeout: 30_000,
  writeTimeout: 30_000,
  maxConnections: 1000,
  onConnect,
  onPublish,
  onPlay,
});

// Start the server
await server.start();
console.log(`listening on port ${server.address()!.port}`);

// The server runs until stopped
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => console.log('stopped'));
  });
}
