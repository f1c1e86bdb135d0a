// Call a method on the server with a timeout and an AbortSignal, then close with a deadline.
// Run: node --import tsx client-call.ts rtmp://localhost:1935/live
import { Client, ErrorCode, isRtmpError } from '../../lib/index.js';

const url = process.argv[2] ?? 'rtmp://localhost:1935/live';
const client = new Client();
await client.connect(url, { signal: AbortSignal.timeout(10_000) });
try {
  // args as an array; the answer is the `_result` command event
  const reply = await client.call('add', [2, 3], { timeout: 5000 });
  console.log(`add: ${String(reply.args[0])}`);

  // An _error answer rejects with ERR_COMMAND_FAILED; err.info is the server's object
  await client.call('missing').catch((err: unknown) => {
    if (isRtmpError(err, ErrorCode.COMMAND_FAILED)) console.log('missing: refused');
  });

  // An answer too slow for us: the signal's reason is the rejection (a TimeoutError here)
  await client.call('slow', [], { signal: AbortSignal.timeout(200) }).catch((err: Error) => {
    console.log(`slow: ${err.name}`);
  });
} finally {
  await client.close({ timeout: 2000 }); // destroyed if the server has not closed within 2 s
}
