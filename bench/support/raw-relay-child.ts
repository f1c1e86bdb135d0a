/**
 * The fan-out baseline: plain Node sockets doing the least any relay must do. One publisher
 * socket sends length-prefixed messages ([u32 BE length][bytes]); each complete message is written
 * to every player socket with one plain `socket.write` of the same frame (no parsing beyond the
 * length, no chunking, no backpressure handling: the bench paces the publisher). Its CPU seconds
 * are what "plain socket writes of the same bytes" cost.
 *
 * A connection's first byte says what it is: 'P' publisher, 'R' player. IPC as in
 * rtmp-server-child.ts ({ port } once listening; 'stats', 'gc', 'stop').
 */
import net from 'node:net';

const players = new Set<net.Socket>();
let connections = 0;

function relay(frame: Buffer): void {
  for (const socket of players) socket.write(frame);
}

/** Splits the publisher's byte stream into frames; copies only a frame that spans reads. */
function publisher(socket: net.Socket, first: Buffer): void {
  let pending: Buffer | undefined; // a frame being filled across reads
  let filled = 0;
  let header = Buffer.alloc(0);
  const onData = (data: Buffer): void => {
    let pos = 0;
    while (pos < data.length) {
      if (pending) {
        const n = Math.min(pending.length - filled, data.length - pos);
        data.copy(pending, filled, pos, pos + n);
        filled += n;
        pos += n;
        if (filled === pending.length) {
          relay(pending);
          pending = undefined;
        }
        continue;
      }
      if (header.length > 0 || data.length - pos < 4) {
        const need = 4 - header.length;
        header = Buffer.concat([header, data.subarray(pos, pos + need)]);
        pos += Math.min(need, data.length - pos);
        if (header.length < 4) return;
        const length = header.readUInt32BE(0);
        pending = Buffer.allocUnsafe(4 + length);
        header.copy(pending, 0);
        filled = 4;
        header = Buffer.alloc(0);
        if (length === 0) {
          relay(pending);
          pending = undefined;
        }
        continue;
      }
      const length = data.readUInt32BE(pos);
      if (data.length - pos >= 4 + length) {
        relay(data.subarray(pos, pos + 4 + length));
        pos += 4 + length;
      } else {
        pending = Buffer.allocUnsafe(4 + length);
        filled = data.copy(pending, 0, pos);
        pos = data.length;
      }
    }
  };
  socket.on('data', onData);
  if (first.length > 0) onData(first);
}

const server = net.createServer((socket) => {
  connections++;
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.once('close', () => {
    connections--;
    players.delete(socket);
  });
  socket.once('data', (data: Buffer) => {
    if (data[0] === 0x50 /* P */) publisher(socket, data.subarray(1));
    else players.add(socket);
  });
});

process.on('message', (msg: string) => {
  if (msg === 'stats') process.send!({ kind: 'stats', connections, players: players.size, dropped: 0 });
  else if (msg === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.send!({ kind: 'gc', rss: m.rss, heapUsed: m.heapUsed });
  } else if (msg === 'stop') {
    for (const s of players) s.destroy();
    server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send!({ kind: 'listening', port: (server.address() as net.AddressInfo).port });
});
