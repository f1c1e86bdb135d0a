/**
 * docs/client.md's examples (spec/examples/client-record.ts, client-call.ts): the doc shows each
 * file exactly (imports written as the package name), they typecheck under the project's compiler
 * options, and they run as child processes against our Server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { Server } from '../../lib/server/index.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = ['client-record', 'client-call'] as const;
const exampleFile = (name: string): string => join(ROOT, 'spec/examples', `${name}.ts`);
const docText = (source: string): string => source.replaceAll("from '../../lib/index.js'", "from 'rtmp-pipeline'");

interface Run {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Resolves once stdout matches (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>;
}

function runExample(name: string, args: string[]): Run {
  const proc = spawn(process.execPath, ['--import', 'tsx', exampleFile(name), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = once(proc, 'close').then(([code]) => code as number | null);
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((ok, fail) => {
        const check = (): void => {
          if (!pattern.test(out)) return;
          proc.stdout!.off('data', check);
          ok();
        };
        proc.stdout!.on('data', check);
        check();
        void exited.then(() => (pattern.test(out) ? ok() : fail(new Error(`${name} exited before ${pattern}:\n${out}\n${err}`))));
      }),
  };
}

describe('docs/client.md examples', { timeout: 240_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    dir = await tempDir('client-docs');
  });
  after(() => dir.remove());

  it('docs/client.md shows each example exactly as its file', async () => {
    const doc = await readFile(join(ROOT, 'docs/client.md'), 'utf8');
    for (const name of EXAMPLES) {
      const open = `<!-- example:${name} -->`;
      const start = doc.indexOf(open);
      assert.ok(start >= 0, `docs/client.md has no ${open} block`);
      const end = doc.indexOf(`<!-- /example:${name} -->`, start);
      assert.ok(end > start, `${open} has no closing marker`);
      const fenced = /^```ts\n([\s\S]*)\n```$/.exec(doc.slice(start + open.length, end).trim());
      assert.ok(fenced, `${name} is not one \`\`\`ts block`);
      assert.equal(fenced[1] + '\n', docText(await readFile(exampleFile(name), 'utf8')));
    }
    // Every ```ts block in the page is one of them.
    assert.equal(doc.match(/```ts\n/g)?.length, EXAMPLES.length);
  });

  it('typecheck with the project compiler options', async () => {
    const config = join(dir.dir, 'tsconfig.client-docs.json');
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
