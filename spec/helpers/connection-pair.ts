import net from 'node:net';
import { once } from 'node:events';
import { performClientHandshake, performServerHandshake } from '../../lib/handshake/index.js';
import { RtmpConnection, type ConnectionOptions } from '../../lib/session/connection.js';

/**
 * Two started `RtmpConnection`s (or subclasses) talking over a real loopback socket, handshake done.
 * `close()` tears everything down.
 */
export async function connectionPair<A extends RtmpConnection, B extends RtmpConnection>(
  makeServerSide: (socket: net.Socket) => A,
  makeClientSide: (socket: net.Socket) => B,
): Promise<{ server: A; client: B; close(): Promise<void> }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const clientSocket = net.connect(port, '127.0.0.1');
  const [[serverSocket]] = await Promise.all([accepted, once(clientSocket, 'connect')]);
  listener.close();
  const [serverHs, clientHs] = await Promise.all([performServerHandshake(serverSocket), performClientHandshake(clientSocket)]);
  const server = makeServerSide(serverSocket);
  const client = makeClientSide(clientSocket);
  server.start(serverHs.rest);
  client.start(clientHs.rest);
  return {
    server,
    client,
    async close() {
      server.destroy();
      client.destroy();
      await Promise.all([server.closed || once(server, 'close'), client.closed || once(client, 'close')]);
    },
  };
}

export const plainPair = (options: ConnectionOptions = {}, clientOptions: ConnectionOptions = options) =>
  connectionPair(
    (s) => new RtmpConnection(s, options),
    (s) => new RtmpConnection(s, clientOptions),
  );
