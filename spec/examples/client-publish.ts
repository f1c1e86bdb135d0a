// A client that publishes: connect, publish "mystream", send messages, close.
// Run: node --import tsx client-publish.ts [rtmp://localhost:1935/live]
import { Client, MessageType, StreamType, createMessage } from '../../lib/index.js';

const url = process.argv[2] ?? process.env.RTMP_URL ?? 'rtmp://localhost:1935/live';

// Create the client configuration (times in ms)
const client = new Client({
  connectTimeout: 30_000,
  readTimeout: 30_000,
  writeTimeout: 30_000,
  appName: 'live',
  streamName: 'mystream',
});

// Connect: TCP, handshake, connect (and the Adobe challenge if the URL holds user:pass@)
await client.connect(url);
try {
  // Start publishing: resolves on NetStream.Publish.Start, rejects if the server refuses
  const streamId = await client.publish('mystream', StreamType.Live);
  console.log(`publishing on stream ${streamId}`);

  // Send messages: FLV-style audio bodies (0xAF = AAC, 44 kHz, 16-bit, stereo; 0x01 = raw frame)
  for (let i = 0; i < 10; i++) {
    const audioData = Buffer.from([0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]);
    const msg = createMessage(4, streamId, MessageType.Audio, audioData, i * 23);
    await client.writeMessage(msg); // resolves when the connection can take more
  }
  console.log('sent 10 audio messages');
} finally {
  await client.close(); // FCUnpublish, deleteStream, flush, disconnect
}
