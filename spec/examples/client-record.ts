// Record a live stream to FLV: one pipeline() from the client to a file. It ends when the stream
// ends (Stream EOF, UnpublishNotify, Play.Stop or Play.Complete, however the server says it);
// Ctrl-C aborts the pipeline, which stops the played stream.
// Run: node --import tsx client-record.ts rtmp://localhost:1935/live/mystream out.flv
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, FlvMuxer } from '../../lib/index.js';

const [url = 'rtmp://localhost:1935/live/mystream', file = 'out.flv'] = process.argv.slice(2);
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

const client = new Client();
await client.connect(url, { signal: AbortSignal.timeout(10_000) });
client.on('playEnd', (end) => console.log(`stream ended: ${end.reason}`));
await client.play(); // the stream name from the URL; { waitForPublisher: true } plays on across publisher restarts

try {
  await pipeline(Readable.from(client), new FlvMuxer(), createWriteStream(file), { signal: stop.signal });
  console.log(`recorded ${file}`);
} catch (err) {
  if (!stop.signal.aborted) throw err;
  console.log('stopped');
} finally {
  await client.close({ timeout: 2000 });
}
