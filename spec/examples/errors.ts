// Typed errors: match on err.code (stable), never on the message text.
// Run: node --import tsx errors.ts
import { Client, ErrorCode, Server, isRtmpError } from '../../lib/index.js';

try {
  await new Client().connect('http://example.com/live');
} catch (err) {
  if (isRtmpError(err, ErrorCode.INVALID_URL)) console.log(`${err.code}: not an rtmp:// URL`);
}

const server = new Server({
  addr: '127.0.0.1:0',
  onConnect() {
    throw new Error('closed for maintenance');
  },
});
await server.listen();
const client = new Client();
try {
  await client.connect(`rtmp://127.0.0.1:${server.address()!.port}/live`);
} catch (err) {
  if (isRtmpError(err, ErrorCode.CONNECT_REJECTED)) console.log(`${err.code}: the server refused (${(err as Error & { info?: { code?: string } }).info?.code})`);
}
await server.close();
