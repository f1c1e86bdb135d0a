/**
 * A loopback TCP relay in front of a server that reports when a text (e.g. `NetStream.Play.Start`)
 * first goes by from the server to the client: the readiness signal for peers that give none
 * (an ffmpeg player on nginx-rtmp). Bytes pass through unchanged.
 */
import { once } from 'node:events';
import net from 'node:net';

export interface TcpTap {
  port: number;
  /** Resolves the first time `text` is seen going to a client (any connection). */
  seen(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpTap(targetPort: number): Promise<TcpTap> {
  const waiters: Array<{ text: string; resolve(): void }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let tail = '';
    upstream.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (text.includes(waiters[i]!.text)) waiters.splice(i, 1)[0]!.resolve();
      }
      tail = text.slice(-64);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: (text) => new Promise<void>((resolve) => waiters.push({ text, resolve })),
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
