/**
 * Idle connections for bench/idle.bench.ts, from a process of their own (the server's memory is
 * what is measured). Driven over IPC:
 *   { cmd: 'open', port, count, createStream }  → { kind: 'opened', opened, failed } once each has done the
 *                                                 handshake and connect (and createStream when asked)
 *   { cmd: 'close' }                            → { kind: 'closed' } once every socket has closed
 * The connections then stay idle: no media, no commands (pings from the server are answered).
 */
import { wireConnect, wireCreateStream, wireNetConnect, type WireConnection } from './wire-rtmp.js';

let conns: WireConnection[] = [];

process.on('message', (msg: { cmd: string; port?: number; count?: number; createStream?: boolean }) => {
  if (msg.cmd === 'open') {
    void (async () => {
      let failed = 0;
      let index = 0;
      const worker = async (): Promise<void> => {
        while (index < msg.count!) {
          index++;
          try {
            const conn = await wireConnect(msg.port!);
            conns.push(conn);
            await wireNetConnect(conn, msg.port!, 'live', false);
            if (msg.createStream) await wireCreateStream(conn);
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      process.send!({ kind: 'opened', opened: msg.count! - failed, failed });
    })();
  } else if (msg.cmd === 'close') {
    const all = conns;
    conns = [];
    for (const c of all) c.socket.destroy();
    void Promise.all(all.map((c) => c.closed)).then(() => process.send!({ kind: 'closed' }));
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ kind: 'started' });
