// Splicing into live connections: a chunk counter on the server side, an audio filter on the client side.
// Run: node --import tsx splice-live.ts
import { Transform } from 'node:stream';
import { Client, MessageType, Server, createPlayStream, type Chunk, type Message } from '../../lib/index.js';

const server = new Server({ addr: '127.0.0.1:0' });
let counted: Promise<void> | undefined;
// Count the chunks a publisher sends, without changing a byte: spliced from an event, on a live connection.
server.on('publish', (conn, name) => {
  let chunks = 0;
  conn.splice(
    'inbound',
    'chunks',
    new Transform({
      objectMode: true,
      transform(chunk: Chunk, _enc, done) {
        chunks++;
        done(null, chunk);
      },
    }),
  );
  counted = new Promise((resolve) => conn.once('close', () => resolve(console.log(`${name}: counted ${chunks} chunks after publish`))));
});
await server.listen();
const url = `rtmp://127.0.0.1:${server.address()!.port}/live/cam`;

const player = new Client();
await player.connect(url);
await player.play();

// Drop audio before it leaves the publisher: players get video only.
const publisher = new Client();
await publisher.connect(url);
publisher.splice(
  'outbound',
  'messages',
  new Transform({
    objectMode: true,
    transform(message: Message, _enc, done) {
      done(null, message.type === MessageType.Audio ? undefined : message);
    },
  }),
);
await publisher.publish();
await publisher.writeVideo(Buffer.from([0x17, 0x01, 0, 0, 0]), 0);
await publisher.writeAudio(Buffer.from([0xaf, 0x01, 0x21]), 0);
await publisher.writeVideo(Buffer.from([0x27, 0x01, 0, 0, 0]), 40);
await publisher.close();

const kinds: string[] = [];
for await (const event of createPlayStream(player)) kinds.push(event.kind);
await counted;
console.log(`player received: ${kinds.join(', ')}`);
await player.close();
await server.close();
