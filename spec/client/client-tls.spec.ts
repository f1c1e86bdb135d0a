import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, ClientState } from '../../lib/client/client.js';
import type { CommandEvent } from '../../lib/command/events.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { tempDir } from '../helpers/media.js';
import { standardReplies, startFakeServer } from './fake-server.js';

let key: Buffer;
let cert: Buffer;
let remove: () => Promise<void>;

before(async () => {
  const tmp = await tempDir('client-tls');
  remove = tmp.remove;
  // A self-signed certificate for 127.0.0.1, made for this run.
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(tmp.dir, 'key.pem'), '-out', join(tmp.dir, 'cert.pem'),
  ]);
  [key, cert] = await Promise.all([readFile(join(tmp.dir, 'key.pem')), readFile(join(tmp.dir, 'cert.pem'))]);
});
after(() => remove());

test('rtmps://: connects over TLS with the given CA, publishes; tcUrl says rtmps', async () => {
  const server = await startFakeServer((c) => standardReplies(c), { tls: { key, cert } });
  try {
    const client = new Client({ tls: { ca: cert } });
    await client.connect(server.url('/live/key'));
    assert.equal(client.state, ClientState.Connected);
    assert.equal(await client.publish(), 1);
    await client.writeVideo(Buffer.from([0x17, 1, 0, 0, 0, 5]), 0);
    const c = await server.connection(0);
    const connect = c.events.find((e) => e.kind === 'command' && e.name === 'connect') as CommandEvent;
    assert.equal((connect.commandObject as { tcUrl: string }).tcUrl, `rtmps://127.0.0.1:${server.port}/live`);
    const video = await c.find((e) => e.kind === 'video');
    assert.deepEqual([...(video as { payload: Buffer }).payload], [0x17, 1, 0, 0, 0, 5]);
    await client.close();
  } finally {
    await server.close();
  }
});

test('rtmps://: an untrusted certificate fails the connect (rejectUnauthorized by default)', async () => {
  const server = await startFakeServer((c) => standardReplies(c), { tls: { key, cert } });
  try {
    const client = new Client();
    await assert.rejects(client.connect(server.url('/live')), (err: Error) => {
      assert.ok(isRtmpError(err, ErrorCode.SESSION_CLOSED), String(err));
      assert.match(err.message, /certificate/);
      return true;
    });
    assert.equal(client.state, ClientState.Error);
    const insecure = new Client({ tls: { rejectUnauthorized: false } });
    await insecure.connect(server.url('/live'));
    assert.equal(insecure.state, ClientState.Connected);
    await insecure.close();
  } finally {
    await server.close();
  }
});
