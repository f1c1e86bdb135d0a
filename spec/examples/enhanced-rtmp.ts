// Enhanced RTMP capabilities: what the client states in connect, what the server answers.
// Run: node --import tsx enhanced-rtmp.ts
import { CapsExMask, FourCcInfoMask } from '../../lib/command/index.js';
import { Client, Server } from '../../lib/index.js';

const server = new Server({
  addr: '127.0.0.1:0',
  // Default: CanForward for every FourCC of the spec and "*", capsEx Multitrack | ModEx.
  enhanced: { capsEx: CapsExMask.Multitrack }, // or `enhanced: false` for no answer
  onConnect(_conn, info) {
    console.log(`client states: ${info.enhanced?.fourCcList?.join(' ')}`); // undefined for legacy clients
  },
});
await server.listen();

const client = new Client({
  enhanced: {
    fourCcList: ['hvc1', 'av01', 'Opus'],
    videoFourCcInfoMap: { hvc1: FourCcInfoMask.CanDecode | FourCcInfoMask.CanEncode },
    capsEx: CapsExMask.Multitrack | CapsExMask.ModEx,
  },
});
await client.connect(`rtmp://127.0.0.1:${server.address()!.port}/live`);
console.log(`server capsEx: ${client.serverCapabilities?.capsEx}`); // what the server stated, or undefined
await client.close();
await server.close();
