/**
 * The latency baseline (bench/latency.bench.ts): the least a relay can do. A connection's first
 * byte says what it is: 'P' the publisher, 'R' a reader (answered with one byte 'K' once it is
 * registered). Each read from the publisher is written at once, as it is, to every reader with one
 * `socket.write`: no parsing, no RTMP, no batching. The publisher sends an RTMP chunk stream (set
 * chunk size, then media) that the readers parse as they would from a real server.
 * IPC as in rtmp-server-child.ts: { port } once listening; 'stop'.
 */
import net from 'node:net';

const readers = new Set<net.Socket>();

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.once('close', () => readers.delete(socket));
  socket.once('data', (data: Buffer) => {
    if (data[0] === 0x50 /* P */) {
      const relay = (chunk: Buffer): void => {
        for (const reader of readers) reader.write(chunk);
      };
      socket.on('data', relay);
      if (data.length > 1) relay(data.subarray(1));
    } else {
      readers.add(socket);
      socket.write('K');
    }
  });
});

process.on('message', (msg: string) => {
  if (msg === 'stop') {
    for (const s of readers) s.destroy();
    server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send!({ kind: 'listening', port: (server.address() as net.AddressInfo).port });
});
