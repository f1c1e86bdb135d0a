// Splice a stage into every server connection: drop the audio publishers send, so players get video only.
// Run: node --import tsx splice-drop-audio.ts
import { Transform } from 'node:stream';
import { Client, MessageType, Server, createPlayStream, type Message } from '../../lib/index.js';

// A stage for the inbound `messages` boundary: Messages in, Messages out (object mode).
function dropAudio(): Transform {
  return new Transform({
    objectMode: true,
    transform(message: Message, _enc, done) {
      done(null, message.type === MessageType.Audio ? undefined : message);
    },
  });
}

// A fresh stage for each connection.
const server = new Server({ addr: '127.0.0.1:0', stages: () => ({ inbound: { messages: dropAudio() } }) });
await server.listen();
const url = `rtmp://127.0.0.1:${server.address()!.port}/live/cam`;

const player = new Client();
await player.connect(url);
await player.play();

const publisher = new Client();
await publisher.connect(url);
await publisher.publish();
await publisher.writeVideo(Buffer.from([0x17, 0x01, 0, 0, 0]), 0); // an AVC keyframe
await publisher.writeAudio(Buffer.from([0xaf, 0x01, 0x21]), 0); // an AAC frame
await publisher.writeVideo(Buffer.from([0x27, 0x01, 0, 0, 0]), 40);
await publisher.close(); // the player's stream ends (Play.UnpublishNotify)

const received: string[] = [];
for await (const event of createPlayStream(player)) received.push(`${event.kind} ${event.timestamp}`);
console.log(`player received: ${received.join(', ')}`);
await player.close();
await server.close();
