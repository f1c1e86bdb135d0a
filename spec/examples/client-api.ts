// The Client in both roles against a local server: one publishes, one plays and reads messages.
// Run: node --import tsx client-api.ts
import { Client, ClientState, MessageType, Server } from '../../lib/index.js';

const server = new Server({ addr: '127.0.0.1:0' });
await server.listen();
const url = `rtmp://127.0.0.1:${server.address()!.port}/live/mystream`;

const player = new Client();
await player.connect(url);
await player.play(); // alias: subscribe(); play(name, { start, duration, reset })
console.log(`player: ${player.state}`);

const client = new Client({ connectTimeout: 10_000, chunkSize: 4096 });
await client.connect(url, { signal: AbortSignal.timeout(15_000) });
await client.publish(); // name from the URL; or publish('name', 'live' | 'record' | 'append')
await client.writeMetadata({ width: 1280, height: 720, videocodecid: 7 });
await client.writeVideo(Buffer.from([0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f]), 0); // FLV VIDEODATA body; resolves when the pipeline can take more
await client.writeAudio(Buffer.from([0xaf, 0x01, 0x21]), 23);
console.log(`publisher: ${client.state === ClientState.Publishing ? 'publishing' : client.state}`);

const seen: string[] = [];
for await (const message of player) {
  // Message: type 8/9 media, 18 data, 20/17 commands
  if (message.type === MessageType.DataAMF0) seen.push('data');
  if (message.type === MessageType.Video) seen.push('video');
  if (message.type === MessageType.Audio) {
    seen.push('audio');
    break;
  }
}
console.log(`player read: ${seen.join(', ')}`);
await client.close(); // FCUnpublish + deleteStream, flush, end
await player.close();
await server.close();
