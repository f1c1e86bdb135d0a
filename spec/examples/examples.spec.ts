/**
 * Every TypeScript/JavaScript code block in README.md and every docs/ Markdown file is a program in
 * spec/examples/: the suite typechecks each one under the project's compiler options and runs it as
 * a child process against real servers and clients, so what the docs show cannot rot. A doc shows
 * an example between `<!-- example:NAME -->` and `<!-- /example:NAME -->` as one ```ts block whose
 * text is the file's, with `../../lib/index.js` imports written as 'rtmp-pipeline' and
 * `../../lib/<layer>/index.js` as 'rtmp-pipeline/<layer>' (the package's public entry points). A ts
 * or js block without the markers fails the suite, and so does an example no test runs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { isRtmpError } from '../../lib/errors.js';
import { Server } from '../../lib/server/index.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { EXAMPLES, ROOT, SELF_CONTAINED, docText, exampleFile, runExample, running } from '../helpers/doc-examples.js';

/** Examples run by a test below (registered as the tests are declared). */
const EXECUTED = new Set<string>();
const runs = (name: string): string => {
  EXECUTED.add(name);
  return name;
};

/** README.md and every Markdown file under docs/. */
function docFiles(): string[] {
  const walk = (dir: string): string[] => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  };
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs')).sort()];
}

const CODE_LANGUAGES = /^(ts|typescript|tsx|js|javascript|jsx|mjs|cjs|mts|cts)$/i;

async function localServer(): Promise<{ server: Server; port: number }> {
  const server = new Server({ addr: '127.0.0.1:0' });
  await server.listen();
  return { server, port: server.address()!.port };
}

const AUDIO = Buffer.from([0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c]);

describe('README examples', { timeout: 600_000, concurrency: 3 }, () => {
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

  it(`${runs('client-publish')}: connects, publishes mystream, sends 10 audio messages a player receives`, async () => {
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

  it(`${runs('server-hooks')}: logs connects, publishes and plays, stops on SIGTERM`, async () => {
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

  it(`${runs('message-loop')}: counts what it plays until the connection ends`, async () => {
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

  it(`${runs('stream-management')}: validates names, refuses duplicates, records each stream to FLV`, async () => {
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

  it(`${runs('publish-file')} and ${runs('record-stream')}: one pipeline each, the recording holds every packet of the file`, async () => {
    const { server, port } = await localServer();
    const source = await generateFlv(dir, 'pipeline-source.flv', { seconds: 3, gop: 25 });
    const out = join(dir, 'pipeline-recorded.flv');
    const url = `rtmp://127.0.0.1:${port}/live/piped`;
    const recorder = runExample('record-stream', [url, out]);
    await recorder.waitFor(/^recording\n/);
    const started = performance.now();
    const publisher = runExample('publish-file', [source, url]);
    assert.equal(await publisher.exited, 0, publisher.stderr());
    const elapsed = performance.now() - started;
    assert.equal(publisher.stdout(), 'publishing\npublished\n');
    // The publisher stopped: the play stream ends, and with it the pipeline and the program.
    assert.equal(await recorder.exited, 0, recorder.stderr());
    assert.equal(recorder.stdout(), `recording\nrecorded ${out}\n`);
    await server.close();
    const want = readFlvTags(await readFile(source));
    const got = readFlvTags(await readFile(out));
    const media = (tags: typeof want): string[] => tags.filter((t) => t.type !== 18).map((t) => `${t.type} ${t.timestamp} ${t.data.toString('hex')}`);
    assert.equal(media(got).length, media(want).length);
    assert.deepEqual(media(got), media(want));
    assert.ok(got.some((t) => t.type === 18 && t.data.includes(Buffer.from('onMetaData'))), 'metadata recorded');
    // Real-time pacing: a 3 s file with 500 ms lead takes at least 2.4 s, however fast the server.
    const lastTimestamp = Math.max(...want.map((t) => t.timestamp));
    assert.ok(elapsed >= lastTimestamp - 500 - 50, `published in ${elapsed.toFixed(0)} ms, file is ${lastTimestamp} ms long`);
  });

  // The self-contained ones run in spec/examples/docs-examples.spec.ts.
  for (const name of Object.keys(SELF_CONTAINED)) runs(name);

  it('every example program is run by a test', async () => {
    // Here, or by another spec file of spec/examples/ that names it (e.g. a doc page's own suite).
    const others = readdirSync(join(ROOT, 'spec/examples')).filter((f) => f.endsWith('.spec.ts') && f !== 'examples.spec.ts');
    const elsewhere = await Promise.all(others.map((f) => readFile(join(ROOT, 'spec/examples', f), 'utf8')));
    const named = (name: string): boolean => elsewhere.some((text) => text.includes(`'${name}'`) || text.includes(`/${name}.ts`));
    assert.deepEqual(EXAMPLES.filter((name) => !EXECUTED.has(name) && !named(name)), [], 'examples in spec/examples/ that no test runs');
  });

  it('examples import only the public entry points (package.json exports) and node: modules', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const name of EXAMPLES) {
      const text = docText(await readFile(exampleFile(name), 'utf8'));
      for (const [, from] of text.matchAll(/^\s*(?:import|export)\b[^;]*?from '([^']+)'/gm)) {
        if (from!.startsWith('node:')) continue;
        const sub = from === 'rtmp-pipeline' ? '.' : from!.startsWith('rtmp-pipeline/') ? `./${from!.slice('rtmp-pipeline/'.length)}` : undefined;
        assert.ok(sub !== undefined && sub in pkg.exports, `spec/examples/${name}.ts imports '${from}', which is not a public entry point`);
      }
    }
  });

  it('README.md and docs/**/*.md: every ts/js block is an example, shown exactly as its file', async () => {
    const shown = new Set<string>();
    const problems: string[] = [];
    for (const file of docFiles()) {
      const where = relative(ROOT, file);
      const lines = (await readFile(file, 'utf8')).split('\n');
      let open: { name: string; line: number; body?: string[] } | undefined;
      let fence: { lang: string; line: number; body: string[] } | undefined;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (fence) {
          if (/^\s*```\s*$/.test(line)) {
            if (CODE_LANGUAGES.test(fence.lang)) {
              if (!open) problems.push(`${where}:${fence.line}: a \`\`\`${fence.lang} block outside <!-- example:NAME --> markers (make it a file in spec/examples/)`);
              else if (open.body) problems.push(`${where}:${fence.line}: example ${open.name} holds more than one code block`);
              else open.body = fence.body;
            }
            fence = undefined;
          } else fence.body.push(line);
          continue;
        }
        const fenceOpen = /^\s*```\s*([\w-]*)/.exec(line);
        if (fenceOpen) {
          fence = { lang: fenceOpen[1]!, line: i + 1, body: [] };
          continue;
        }
        const marker = /^<!-- (\/?)example:([\w-]+) -->\s*$/.exec(line.trim());
        if (!marker) continue;
        const [, closing, name] = marker;
        if (!closing) {
          if (open) problems.push(`${where}:${i + 1}: example ${name} opens inside example ${open.name}`);
          open = { name: name!, line: i + 1 };
          continue;
        }
        if (!open || open.name !== name) {
          problems.push(`${where}:${i + 1}: closing marker of ${name} without its opening`);
          continue;
        }
        if (!open.body) problems.push(`${where}:${open.line}: example ${name} holds no \`\`\`ts block`);
        else if (!EXAMPLES.includes(name!)) problems.push(`${where}:${open.line}: no spec/examples/${name}.ts`);
        else {
          const want = docText(await readFile(exampleFile(name!), 'utf8'));
          if (open.body.join('\n') + '\n' !== want) problems.push(`${where}:${open.line}: example ${name} differs from spec/examples/${name}.ts (the doc shows its text with public import paths)`);
          shown.add(name!);
        }
        open = undefined;
      }
      if (open) problems.push(`${where}:${open.line}: example ${open.name} is never closed`);
      if (fence) problems.push(`${where}:${fence.line}: unclosed code fence`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(EXAMPLES.filter((name) => !shown.has(name)), [], 'examples no doc shows');
  });
});
