/**
 * The README's examples (spec/examples/*.ts) typecheck under the project's compiler options and
 * run as child processes against real servers and clients, so they cannot rot. When README.md
 * holds an example between `<!-- example:NAME -->` and `<!-- /example:NAME -->`, the text there
 * must be the file's, with the import path written as the package name.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { isRtmpError } from '../../lib/errors.js';
import { Server } from '../../lib/server/index.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = ['client-publish', 'server-hooks', 'message-loop', 'stream-management'] as const;
const exampleFile = (name: string): string => join(ROOT, 'spec/examples', `${name}.ts`);

/** The example as the README shows it: imported from the package, not from the source tree. */
function readmeText(source: string): string {
  return source.replaceAll("from '../../lib/index.js'", "from 'rtmp-pipeline'");
}

interface Example {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): Example {
  const proc = spawn(process.execPath, ['--import', 'tsx', exampleFile(name), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((done) =>
    proc.once('close', (code) => {
      running.delete(proc);
      done(code);
    }),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise((ok, fail) => {
        const check = (): void => {
          const m = pattern.exec(out);
          if (m) {
            proc.stdout!.off('data', check);
            ok(m);
          }
        };
        proc.stdout!.on('data', check);
        check();
        void exited.then(() => {
          const m = pattern.exec(out);
          if (m) ok(m);
          else fail(new Error(`${name} exited before printing ${pattern}:\n${out}\n${err}`));
        });
      });
    },
  };
}

async function localServer(): Promise<{ server: Server; port: number }> {
  const server = new Server({ addr: '127.0.0.1:0' });
  await server.listen();
  return { server, port: server.address()!.port };
}

const AUDIO = Buffer.from([0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]);

describe('README examples', { timeout: 240_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('examples'));
  });
  after(async () => {
    for (const p of running) p.kill('SIGKILL');
    await remove();
  });

  it('typecheck with the project compiler options', { timeout: 60_000 }, async () => {
    const config = join(dir, 'tsconfig.examples.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: true, typeRoots: [join(ROOT, 'node_modules/@types')] },
        include: EXAMPLES.map(exampleFile),
      }),
    );
    const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    tsc.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    const [code] = (await once(tsc, 'close')) as [number];
    assert.equal(code, 0, output);
  });

  it('client-publish: connects, publishes mystream, sends 10 audio messages a player receives', async () => {
    const { server, port } = await localServer();
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('mystream');
    const example = runExample('client-publish', [`rtmp://127.0.0.1:${port}/live`]);
    const received: Array<{ timestamp: number; payload: string }> = [];
    for await (const e of player.events()) {
      if (e.kind !== 'audio') continue;
      received.push({ timestamp: e.timestamp, payload: Buffer.from(e.payload).toString('hex') });
      if (received.length === 10) break;
    }
    assert.equal(await example.exited, 0, example.stderr());
    assert.equal(example.stdout(), 'publishing on stream 1\nsent 10 audio messages\n');
    assert.deepEqual(received, Array.from({ length: 10 }, (_, i) => ({ timestamp: i * 23, payload: AUDIO.toString('hex') })));
    await player.close();
    await server.close();
  });

  it('server-hooks: logs connects, publishes and plays, stops on SIGTERM', async () => {
    const example = runExample('server-hooks', [], { RTMP_ADDR: '127.0.0.1:0' });
    const port = Number((await example.waitFor(/listening on port (\d+)/))[1]);
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('cam');
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('cam');
    await example.waitFor(/Stream requested: cam/);
    await Promise.all([publisher.close(), player.close()]);
    example.proc.kill('SIGTERM');
    assert.equal(await example.exited, 0, example.stderr());
    assert.match(example.stdout(), /^listening on port \d+\nClient connected: 1\nStream published: cam \(live\)\nClient connected: 2\nStream requested: cam\nstopped\n$/);
  });

  it('message-loop: counts what it plays until the connection ends', async () => {
    const { server, port } = await localServer();
    const played = once(server, 'play');
    const example = runExample('message-loop', [`rtmp://127.0.0.1:${port}/live/loop`]);
    await played;
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('loop');
    await publisher.writeAudio(AUDIO, 0);
    for (let i = 0; i < 3; i++) await publisher.writeVideo(Buffer.from([0x17, 0x01, 0, 0, 0, i]), i * 40); // AVC keyframes
    await publisher.writeAudio(AUDIO, 23);
    await publisher.close();
    await server.close(); // Play.Stop, then the player's connection closes: the loop ends
    assert.equal(await example.exited, 0, example.stderr());
    assert.match(example.stdout(), /^playing\naudio 2 video 3 commands \d+ bytes 34\n$/);
  });

  it('stream-management: validates names, refuses duplicates, records each stream to FLV', async () => {
    const example = runExample('stream-management', [], { RTMP_ADDR: '127.0.0.1:0', RECORD_DIR: dir });
    const port = Number((await example.waitFor(/listening on port (\d+)/))[1]);
    const url = `rtmp://127.0.0.1:${port}/live`;
    const bad = new Client();
    await bad.connect(url);
    await assert.rejects(bad.publish('no/such name'), (err) => isRtmpError(err, 'ERR_PUBLISH_REJECTED') && /invalid stream name/.test((err as Error).message));
    await bad.close();
    const first = new Client();
    await first.connect(url);
    await first.publish('good');
    const second = new Client();
    await second.connect(url);
    await assert.rejects(second.publish('good'), (err) => /NetStream\.Publish\.BadName/.test((err as Error).message));
    await second.close();
    await first.writeMetadata({ width: 160, height: 120 });
    await first.writeAudio(AUDIO, 0);
    await first.writeVideo(Buffer.from([0x17, 0x01, 0, 0, 0, 9]), 40);
    await first.close();
    await example.waitFor(/recorded .*good\.flv/);
    const tags = readFlvTags(await readFile(join(dir, 'good.flv')));
    assert.deepEqual(
      tags.filter((t) => t.type !== 18).map((t) => [t.type, t.timestamp, t.data.toString('hex')]),
      [
        [8, 0, AUDIO.toString('hex')],
        [9, 40, '170100000009'],
      ],
    );
    assert.ok(tags.some((t) => t.type === 18 && t.data.includes(Buffer.from('onMetaData'))), 'metadata recorded');
    example.proc.kill('SIGTERM');
    assert.equal(await example.exited, 0, example.stderr());
    assert.match(example.stdout(), /publishing good\n/);
  });

  it('README.md shows each example exactly as its file', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    for (const name of EXAMPLES) {
      const open = `<!-- example:${name} -->`;
      const start = readme.indexOf(open);
      assert.ok(start >= 0, `README.md has no ${open} block`);
      const end = readme.indexOf(`<!-- /example:${name} -->`, start);
      assert.ok(end > start, `README: ${open} has no closing marker`);
      const block = readme.slice(start + open.length, end).trim();
      const fenced = /^```ts\n([\s\S]*)\n```$/.exec(block);
      assert.ok(fenced, `README: ${name} is not one \`\`\`ts block`);
      assert.equal(fenced[1] + '\n', readmeText(await readFile(exampleFile(name), 'utf8')), `README's ${name} differs from spec/examples/${name}.ts`);
    }
  });
});
