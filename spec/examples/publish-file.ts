// Publish an FLV file: one pipeline from the file to the server, at the file's own pace.
// Run: node --import tsx publish-file.ts in.flv [rtmp://localhost:1935/live/mystream]
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Client, createPublishStream } from '../../lib/index.js';
import { FlvDemuxer, RealtimePacer } from '../../lib/flv/index.js';

const file = process.argv[2] ?? 'in.flv';
const url = process.argv[3] ?? 'rtmp://localhost:1935/live/mystream';

const client = new Client();
await client.connect(url);
await client.publish(); // the stream name from the URL
console.log('publishing');
try {
  await pipeline(
    createReadStream(file),
    new FlvDemuxer(), // FLV bytes → audio, video and data events
    new RealtimePacer({ lead: 500 }), // the file's own pace; leave it out to send as fast as the server takes it
    createPublishStream(client), // onto the publish stream, with backpressure
  );
  console.log('published');
} finally {
  await client.close(); // FCUnpublish: players get Play.UnpublishNotify
}
