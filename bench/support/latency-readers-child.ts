/**
 * Readers for bench/latency.bench.ts, in a process of their own (never sharing the server's event
 * loop). Driven over IPC:
 *   { cmd: 'connect', mode: 'rtmp' | 'plain', port, count, stream }  → { kind: 'ready' } once every reader plays
 *   { cmd: 'finish', messages }  → { kind: 'result', latencies, received, incomplete } once every reader has
 *                                   message `messages - 1` or has been quiet for 3 s
 * Each media payload carries its send time (process.hrtime.bigint(), CLOCK_MONOTONIC, shared by every
 * process on the machine) at bytes 8..15 and its sequence number at 16..19; a reader records
 * (now − send time) in ms as soon as the whole message is parsed. Messages with a sequence number
 * below `skip` (the warm-up) are not recorded.
 */
import net from 'node:net';
import { ChunkReader, MSG, wirePlayer } from './wire-rtmp.js';

interface Reader {
  socket: net.Socket;
  next: number;
  received: number;
  lastAt: number;
}

let readers: Reader[] = [];
let latencies: number[] = [];
let skip = 0;

function onMedia(r: Reader, type: number, payload: Buffer): void {
  if ((type !== MSG.audio && type !== MSG.video) || payload.length < 20) return;
  const now = process.hrtime.bigint();
  const seq = payload.readUInt32BE(16);
  r.received++;
  r.next = seq + 1;
  r.lastAt = Date.now();
  if (seq >= skip) latencies.push(Number(now - payload.readBigUInt64BE(8)) / 1e6);
}

async function plainReader(port: number): Promise<Reader> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const r: Reader = { socket, next: 0, received: 0, lastAt: 0 };
  const chunks = new ChunkReader(() => {}, (type, _id, payload) => onMedia(r, type, payload));
  socket.write('R');
  await new Promise<void>((resolve) => {
    socket.once('data', (first: Buffer) => {
      // 'K': registered; anything after it is the stream.
      socket.on('data', (d: Buffer) => chunks.push(d));
      if (first.length > 1) chunks.push(first.subarray(1));
      resolve();
    });
  });
  return r;
}

async function rtmpReader(port: number, stream: string): Promise<Reader> {
  const r: Reader = { socket: undefined as unknown as net.Socket, next: 0, received: 0, lastAt: 0 };
  const conn = await wirePlayer(port, 'live', stream, (type, payload) => onMedia(r, type, payload));
  r.socket = conn.socket;
  return r;
}

process.on('message', (msg: { cmd: string; mode?: 'rtmp' | 'plain'; port?: number; count?: number; stream?: string; messages?: number; skip?: number }) => {
  if (msg.cmd === 'connect') {
    void (async () => {
      for (const r of readers) r.socket.destroy();
      readers = [];
      latencies = [];
      skip = msg.skip ?? 0;
      // A few at a time: a burst of 100 handshakes is not what is measured.
      const pending: Array<Promise<void>> = [];
      let index = 0;
      const worker = async (): Promise<void> => {
        while (index < msg.count!) {
          index++;
          readers.push(msg.mode === 'plain' ? await plainReader(msg.port!) : await rtmpReader(msg.port!, msg.stream!));
        }
      };
      for (let i = 0; i < 10; i++) pending.push(worker());
      try {
        await Promise.all(pending);
        process.send!({ kind: 'ready' });
      } catch (err) {
        process.send!({ kind: 'error', message: (err as Error).message });
      }
    })();
  } else if (msg.cmd === 'finish') {
    const last = msg.messages! - 1;
    const started = Date.now();
    const check = (): void => {
      const now = Date.now();
      const pending = readers.some((r) => r.next <= last && now - Math.max(r.lastAt, started) < 3000);
      if (pending) {
        setTimeout(check, 20);
        return;
      }
      const incomplete = readers.filter((r) => r.next <= last).length;
      const received = readers.reduce((t, r) => t + r.received, 0);
      for (const r of readers) r.socket.destroy();
      process.send!({ kind: 'result', latencies, received, incomplete });
      readers = [];
      latencies = [];
    };
    check();
  } else if (msg.cmd === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
process.send!({ kind: 'started' });
