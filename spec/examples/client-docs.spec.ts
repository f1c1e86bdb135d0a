/**
 * docs/client.md's examples (spec/examples/client-record.ts, client-call.ts) run as child processes
 * against our Server. examples.spec.ts checks that the doc shows each file exactly and typechecks them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { Server } from '../../lib/server/index.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { runExample } from '../helpers/doc-examples.js';
import { tempDir } from '../helpers/media.js';

describe('docs/client.md examples', { timeout: 240_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir('client-docs');
  });
  after(() => dir.remove());

  it('client-record: records until the publisher stops, then exits 0 with a complete file', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const file = join(dir.dir, 'recorded.flv');
    const played = once(server, 'play');
    const example = runExample('client-record', [`rtmp://127.0.0.1:${port}/live/rec`, file]);
    try {
      await played;
      const publisher = new Client();
      await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
      await publisher.publish('rec');
      for (let i = 0; i < 5; i++) await publisher.writeVideo(Buffer.from([i === 0 ? 0x17 : 0x27, 1, 0, 0, 0, i]), i * 40);
      await publisher.close(); // Play.UnpublishNotify: the recording's pipeline ends
      assert.equal(await example.exited, 0, example.stderr());
      assert.equal(example.stdout(), `stream ended: NetStream.Play.UnpublishNotify\nrecorded ${file}\n`);
      const videos = readFlvTags(await readFile(file)).filter((t) => t.type === 9);
      assert.deepEqual(videos.map((t) => t.data[5]), [0, 1, 2, 3, 4]);
    } finally {
      example.proc.kill('SIGKILL');
      await server.close();
    }
  });

  it('client-record: Ctrl-C aborts the pipeline, which stops the played stream', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const played = once(server, 'play');
    const example = runExample('client-record', [`rtmp://127.0.0.1:${port}/live/idle`, join(dir.dir, 'idle.flv')]);
    try {
      await played;
      example.proc.kill('SIGINT');
      assert.equal(await example.exited, 0, example.stderr());
      assert.equal(example.stdout(), 'stream ended: stopped\nstopped\n');
    } finally {
      example.proc.kill('SIGKILL');
      await server.close();
    }
  });

  it('client-call: a result, an _error, a TimeoutError from the signal, then a bounded close', async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    server.registerCommand('add', (_conn, command) => (command.args[0] as number) + (command.args[1] as number));
    // Answers after the caller's 200 ms signal has fired.
    server.registerCommand('slow', () => new Promise((resolve) => setTimeout(() => resolve('late'), 400)));
    await server.listen();
    try {
      const example = runExample('client-call', [`rtmp://127.0.0.1:${server.address()!.port}/live`]);
      assert.equal(await example.exited, 0, example.stderr());
      assert.equal(example.stdout(), 'add: 5\nmissing: refused\nslow: TimeoutError\n');
    } finally {
      await server.close();
    }
  });
});
