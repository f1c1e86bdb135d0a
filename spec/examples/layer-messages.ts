// Message payload codecs: build a command and a metadata message, decode them back.
// Run: node --import tsx layer-messages.ts
import { createCommandMessage, createDataMessage, decodeMessage, setDataFrame } from '../../lib/message/index.js';

const connect = createCommandMessage({
  name: 'connect',
  transactionId: 1,
  commandObject: { app: 'live', tcUrl: 'rtmp://localhost/live' },
  args: [],
});
const metadata = createDataMessage(setDataFrame({ width: 1280, height: 720 }), { messageStreamId: 1 });

for (const incoming of [connect, metadata]) {
  const decoded = decodeMessage(incoming);
  if (decoded.kind === 'command') console.log(`command ${decoded.command.name} #${decoded.command.transactionId}`);
  if (decoded.kind === 'data') console.log(`data ${JSON.stringify(decoded.values)}`);
}
