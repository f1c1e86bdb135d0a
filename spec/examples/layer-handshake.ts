// The handshake on its own: our server side and our client side over a real TCP connection.
// Run: node --import tsx layer-handshake.ts
import { once } from 'node:events';
import net from 'node:net';
import { performClientHandshake, performServerHandshake } from '../../lib/handshake/index.js';

let serverDone!: () => void;
const served = new Promise<void>((resolve) => (serverDone = resolve));
const listener = net.createServer(async (socket) => {
  // server
  const hs = await performServerHandshake(socket, { timeout: 10_000 });
  // hs = { rest, peerVersion, scheme: 'digest' | 'simple', peerDigestValid?, peerSchema?, c2Valid?, peerEchoed? }
  console.log(`server: ${hs.scheme} scheme, client digest valid: ${hs.peerDigestValid}, ${hs.rest.length} bytes after C2`);
  serverDone();
  socket.destroy(); // a real server pipes the socket into a ChunkDecoder, after writing hs.rest to it
});
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const socket = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
await once(socket, 'connect');

// client (digest C1 9.0.124.2 by default; `scheme: 'simple'` sends version 0)
const hc = await performClientHandshake(socket, { scheme: 'digest', validatePeer: true });
await served;
console.log(`client: ${hc.scheme} scheme, server digest valid: ${hc.peerDigestValid}`);
socket.destroy();
listener.close();
