/**
 * rtmp-server: flags → Server config (in-process), and the real process: help, usage errors,
 * logging, ffmpeg publishing into it, graceful SIGTERM, and the `npm start` default address.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../lib/cli/args.js';
import { SERVER_FLAGS, serverPlanFromFlags } from '../../lib/cli/server-cli.js';
import { Client } from '../../lib/client/index.js';
import { ffmpeg, killAll, runningProcesses } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { cli, startServerCli, waitForStderr } from './support.js';

const plan = (argv: string[], env: NodeJS.ProcessEnv = {}) => serverPlanFromFlags(parseArgs(argv, SERVER_FLAGS), env);

describe('rtmp-server: flags', () => {
  it('no flags: the seed default address :1935 (every interface, so rtmp://127.0.0.1:1935 too), info logging, no auth', () => {
    assert.deepEqual(plan([]), { config: { addr: ':1935' }, logLevel: 'info' });
  });

  it('--record-all records every live publish and needs --record-dir', () => {
    assert.deepEqual(plan(['--record-dir', '/tmp/rec', '--record-all']).config, { addr: ':1935', recordDir: '/tmp/rec', recordAll: true });
    assert.throws(() => plan(['--record-all']), /--record-all needs --record-dir/);
  });

  it("maps the seed's flags and ours onto the Server config", () => {
    const p = plan([
      '-addr', '127.0.0.1:1940', '-max-connections', '100', '-require-auth', '-username', 'admin', '-password', 'secret',
      '--chunk-size', '8192', '--record-dir', '/tmp/rec', '--vod-dir', '/tmp/vod', '--log-level', 'debug',
    ]);
    assert.deepEqual(p, {
      config: {
        addr: '127.0.0.1:1940',
        maxConnections: 100,
        auth: { username: 'admin', password: 'secret' },
        chunkSize: 8192,
        recordDir: '/tmp/rec',
        vodDir: '/tmp/vod',
      },
      logLevel: 'debug',
    });
    assert.deepEqual(plan(['--require-auth', '--username', 'a'], { RTMP_PASSWORD: 'envpw' }).config.auth, { username: 'a', password: 'envpw' });
  });

  it('reads --tls-cert/--tls-key files and takes --tls-addr', async () => {
    const { dir, remove } = await tempDir('cli-tls');
    try {
      await writeFile(join(dir, 'c.pem'), 'CERT');
      await writeFile(join(dir, 'k.pem'), 'KEY');
      const p = plan(['--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem'), '--tls-addr', '127.0.0.1:0']);
      assert.equal(p.config.tls?.cert?.toString(), 'CERT');
      assert.equal(p.config.tls?.key?.toString(), 'KEY');
      assert.equal(p.config.tls?.addr, '127.0.0.1:0');
      assert.equal(plan(['--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem')]).config.tls?.addr, ':443');
      assert.throws(() => plan(['--tls-cert', join(dir, 'nope.pem'), '--tls-key', join(dir, 'k.pem')]), /ENOENT/);
    } finally {
      await remove();
    }
  });

  it('refuses bad combinations with UsageError', () => {
    for (const argv of [
      ['--require-auth'],
      ['--require-auth', '--username', 'a'],
      ['--username', 'a', '--password', 'b'],
      ['--tls-cert', 'c.pem'],
      ['--tls-addr', ':443'],
      ['--max-connections', '0'],
      ['--max-connections', '1.5'],
      ['--chunk-size', '64'],
      ['--log-level', 'loud'],
    ]) {
      assert.throws(() => plan(argv), UsageError, argv.join(' '));
    }
  });
});

describe('rtmp-server: the process', { timeout: 60_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;
  before(async () => {
    ({ dir, remove } = await tempDir('server-cli'));
    source = await generateFlv(dir, 'source.flv', { seconds: 1 });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('--help prints the usage and exit codes on stdout and exits 0', async () => {
    const result = await cli('rtmp-server', ['--help']).exited;
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout.toString();
    for (const flag of ['--addr', '--max-connections', '--require-auth', '--username', '--password', '--chunk-size', '--record-dir', '--vod-dir', '--tls-cert', '--tls-key', '--tls-addr', '--log-level', '--help']) {
      assert.ok(text.includes(`  ${flag}`), flag);
    }
    assert.match(text, /Exit codes:/);
  });

  it('a bad flag exits 1 with the reason on stderr; an address in use exits 2', async () => {
    const bad = await cli('rtmp-server', ['--addr']).exited;
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--addr needs a value/);
    assert.equal(bad.stdout.length, 0);
    const busy = net.createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    const inUse = await cli('rtmp-server', ['--addr', `127.0.0.1:${port}`]).exited;
    busy.close();
    assert.equal(inUse.code, 2);
    assert.match(inUse.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });

  it('logs connects, publishes and plays, and SIGTERM shuts it down gracefully with exit 0', async () => {
    // debug: the disconnect line says when the publisher's connection is gone (it may close after 'unpublish').
    const { server, port } = await startServerCli(['--log-level', 'debug']);
    const viewer = new Client();
    await viewer.connect(`rtmp://127.0.0.1:${port}/live`);
    await viewer.play('cam');
    const publisher = await ffmpeg(['-i', source, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/cam`]).exited;
    assert.equal(publisher.code, 0, publisher.stderr);
    await waitForStderr(server, /unpublish #\d+ 127\.0\.0\.1:\d+ live\/cam/);
    await waitForStderr(server, /disconnect #2 /);
    const viewerClosed = once(viewer, 'close');
    server.proc.kill('SIGTERM');
    const result = await server.exited;
    assert.equal(result.code, 0, result.stderr);
    await viewerClosed;
    const log = result.stderr;
    assert.match(log, /INFO connect #1 127\.0\.0\.1:\d+ app=live/);
    assert.match(log, /INFO play #1 127\.0\.0\.1:\d+ live\/cam/);
    assert.match(log, /INFO publish #2 127\.0\.0\.1:\d+ live\/cam \(live\)/);
    assert.match(log, /INFO SIGTERM: shutting down \(1 connections\)/);
    assert.match(log, /INFO rtmp-server stopped/);
    assert.equal(result.stdout.length, 0, 'nothing on stdout');
  });

  it('--require-auth: ffmpeg with the credentials publishes, without them it is refused', async () => {
    const { server, port } = await startServerCli(['--require-auth', '--username', 'admin', '--password', 'secret']);
    const ok = await ffmpeg(['-i', source, '-c', 'copy', '-f', 'flv', `rtmp://admin:secret@127.0.0.1:${port}/live/a`]).exited;
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await ffmpeg(['-i', source, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/b`]).exited;
    assert.notEqual(refused.code, 0);
    server.proc.kill('SIGINT');
    const result = await server.exited;
    assert.equal(result.code, 0);
    assert.match(result.stderr, /connect #\d+ \S+ app=live user=admin/);
    assert.match(result.stderr, /publish #\d+ \S+ live\/a/);
    assert.doesNotMatch(result.stderr, /publish #\d+ \S+ live\/b/);
    assert.match(result.stderr, /SIGINT: shutting down/);
  });

  it('npm start (no flags) listens on rtmp://127.0.0.1:1935 when that port is free', async (t) => {
    const probe = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(1935, () => probe.close(() => resolve(true)));
    });
    if (!free) {
      // Port 1935 is taken on this machine: the default itself is covered by the flags test above.
      t.skip('port 1935 is busy on this machine: the default address is checked by parsing only (test above)');
      return;
    }
    const server = cli('rtmp-server', []);
    await waitForStderr(server, /rtmp-server listening on rtmp:\/\/\S+:1935/);
    const client = new Client();
    await client.connect('rtmp://127.0.0.1:1935/live');
    await client.close();
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  });

  it('leaves no process behind', () => {
    assert.equal(runningProcesses(), 0);
  });
});
