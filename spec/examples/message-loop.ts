// The message loop: play a stream and handle every message until the connection ends.
// Run: node --import tsx message-loop.ts [rtmp://localhost:1935/live/mystream]
import { Client, MessageType } from '../../lib/index.js';

const url = process.argv[2] ?? process.env.RTMP_URL ?? 'rtmp://localhost:1935/live/mystream';
const counts = { audio: 0, video: 0, commands: 0, bytes: 0 };

function handleAudio(data: Buffer): void {
  counts.audio++;
  counts.bytes += data.length;
}

function handleVideo(data: Buffer): void {
  counts.video++;
  counts.bytes += data.length;
}

function handleCommand(_data: Buffer): void {
  counts.commands++;
}

const client = new Client();
await client.connect(url);
await client.play(); // the stream name from the URL
console.log('playing');

// Handle incoming messages
for await (const msg of client) {
  switch (msg.type) {
    case MessageType.Audio:
      handleAudio(msg.data);
      break;
    case MessageType.Video:
      handleVideo(msg.data);
      break;
    case MessageType.CommandAMF0:
    case MessageType.CommandAMF3:
      handleCommand(msg.data);
      break;
  }
}
// The loop ends when the stream ends (Play.Stop, Play.Complete, UnpublishNotify or Stream EOF) or the connection closes.
console.log(`audio ${counts.audio} video ${counts.video} commands ${counts.commands} bytes ${counts.bytes}`);
await client.close();
