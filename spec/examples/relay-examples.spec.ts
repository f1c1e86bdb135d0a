/**
 * docs/deployment.md's example (spec/examples/relay-server.ts) runs as a child process between
 * two of our servers (origin and "platform"), and the doc shows it exactly as the file is.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { labels, listening, player, publisher, send, syntheticStream } from '../server/relay/relay-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FILE = join(ROOT, 'spec/examples/relay-server.ts');

describe('docs/deployment.md example: relay-server', { timeout: 60_000 }, () => {
  it('pushes a publish to the platform under its stream key and pulls a play from the origin', async () => {
    const origin = await listening();
    const platform = await listening();
    const proc = spawn(process.execPath, ['--import', 'tsx', FILE], {
      cwd: ROOT,
      env: { ...process.env, RTMP_ADDR: '127.0.0.1:0', ORIGIN: origin.url, PLATFORM: `${platform.url}/stream-key` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((done) => proc.once('close', done));
    const printed = (pattern: RegExp): Promise<RegExpMatchArray> =>
      new Promise((ok, fail) => {
        const check = (): void => {
          const m = pattern.exec(out);
          if (m) ok(m);
        };
        // Added after the collecting listener: `out` already has the chunk.
        proc.stdout.on('data', check);
        check();
        void exited.then(() => fail(new Error(`exited before printing ${pattern}:\n${out}\n${err}`)));
      });
    try {
      const edge = `rtmp://127.0.0.1:${(await printed(/listening on port (\d+)/))[1]}/live`;
      // Push: a publish on the edge reaches the platform as "stream-key".
      const watcher = await player(platform.url, 'stream-key');
      const stream = syntheticStream(20);
      const source = await publisher(edge, 'show');
      await send(source, stream);
      await watcher.received(stream.length);
      assert.deepEqual(labels(watcher.media), labels(stream));
      await printed(/push live\/show -> rtmp:\/\/127\.0\.0\.1:\d+\/live\/stream-key: publishing/);
      // Pull: a play on the edge of what the origin has.
      const remote = await player(edge, 'from-origin');
      await printed(/pull live\/from-origin <- rtmp:\/\/127\.0\.0\.1:\d+\/live: playing/);
      const originSource = await publisher(origin.url, 'from-origin');
      await send(originSource, stream);
      await remote.received(stream.length);
      assert.deepEqual(labels(remote.media), labels(stream));
      await Promise.all([source.close(), originSource.close(), watcher.client.close(), remote.client.close()]);
      proc.kill('SIGTERM');
      await printed(/stopped/);
      assert.equal(await exited, 0, err);
    } finally {
      proc.kill('SIGKILL');
      await Promise.all([origin.server.close(), platform.server.close()]);
    }
  });

  it('docs/deployment.md shows the example exactly as its file', async () => {
    const doc = await readFile(join(ROOT, 'docs/deployment.md'), 'utf8');
    const start = doc.indexOf('<!-- example:relay-server -->');
    const end = doc.indexOf('<!-- /example:relay-server -->');
    assert.ok(start >= 0 && end > start, 'the doc has the example block');
    const fenced = /```ts\n([\s\S]*?)\n```/.exec(doc.slice(start, end));
    assert.ok(fenced, 'one ```ts block');
    const file = (await readFile(FILE, 'utf8')).replaceAll("from '../../lib/index.js'", "from 'rtmp-pipeline'");
    assert.equal(fenced[1] + '\n', file);
  });
});
