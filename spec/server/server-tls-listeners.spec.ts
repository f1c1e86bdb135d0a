/**
 * RTMPS connections print no MaxListenersExceededWarning: the socket carries both pipelines (and
 * TLS's own listeners); the connection declares exactly what it attaches, so the headroom left for
 * anything else stays the default (a real leak still warns).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { tempDir } from '../helpers/media.js';

let key: Buffer;
let cert: Buffer;
let remove: () => Promise<void>;

before(async () => {
  const tmp = await tempDir('server-tls-listeners');
  remove = tmp.remove;
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(tmp.dir, 'key.pem'), '-out', join(tmp.dir, 'cert.pem'),
  ]);
  [key, cert] = await Promise.all([readFile(join(tmp.dir, 'key.pem')), readFile(join(tmp.dir, 'cert.pem'))]);
});
after(() => remove());

it('5 RTMPS publishers and players: no process warning, default headroom on every socket', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.prependListener('warning', onWarning);
  const server = new Server({ addr: '127.0.0.1:0', tls: { key, cert, addr: '127.0.0.1:0' } });
  const connections: ServerConnection[] = [];
  server.on('connection', (conn) => connections.push(conn));
  await server.listen();
  const url = `rtmps://127.0.0.1:${server.tlsAddress()!.port}/live`;
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const publisher = new Client({ tls: { ca: cert } });
      const player = new Client({ tls: { ca: cert } });
      clients.push(publisher, player);
      await publisher.connect(url);
      await publisher.publish(`s${i}`);
      await player.connect(url);
      await player.play(`s${i}`);
      await publisher.writeVideo(Buffer.from([0x17, 1, 0, 0, 0, i]), 0);
      for await (const e of player.events()) if (e.kind === 'video') break;
    }
    assert.equal(connections.length, 10);
    for (const socket of [...connections.map((c) => c.socket), ...clients.map((c) => c.connection!.socket)]) {
      const headroom = socket.getMaxListeners() - socket.listenerCount('close');
      assert.ok(headroom > 0 && headroom <= 10, `headroom ${headroom}`);
    }
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
  } finally {
    process.off('warning', onWarning);
    for (const c of clients) c.destroy();
    await server.close();
  }
});

