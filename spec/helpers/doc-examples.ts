/**
 * Running the docs' example programs (spec/examples/*.ts) as child processes, as a reader would
 * (`node --import tsx spec/examples/NAME.ts`), and the table of the self-contained ones with what
 * each must print. Used by spec/examples/examples.spec.ts and spec/examples/docs-examples.spec.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLES_DIR = join(ROOT, 'spec/examples');
export const exampleFile = (name: string): string => join(EXAMPLES_DIR, `${name}.ts`);
/** Every example program: each .ts file of spec/examples but the specs. */
export const EXAMPLES = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
/** The example as the docs show it: imported from the package's entry points, not from the source tree. */
export function docText(source: string): string {
  return source
    .replaceAll("from '../../lib/index.js'", "from 'rtmp-pipeline'")
    .replace(/from '\.\.\/\.\.\/lib\/([a-z]+)\/index\.js'/g, "from 'rtmp-pipeline/$1'");
}

export interface Example {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export const running = new Set<ChildProcess>();

export function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): Example {
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


/** The docs' self-contained examples: each starts what it needs, prints what happened and exits 0. */
export const SELF_CONTAINED: Record<string, RegExp> = {
    'server-options': /^without the token: ERR_CONNECT_REJECTED\n127\.0\.0\.1 publishes cam\ngetAnswer answered 42\nclosed\n$/,
    'recording-and-vod': /^live\/clip saved\nclip played to the end\nplayed 3 video frames from the file\n$/,
    authentication: /^wrong password: ERR_CONNECT_REJECTED\nadmin connected\n$/,
    'enhanced-rtmp': /^client states: hvc1 av01 Opus\nserver capsEx: 2\n$/,
    'client-api': /^player: subscribing\npublisher: publishing\nplayer read: data, data, video, audio\n$/,
    errors: /^ERR_INVALID_URL: not an rtmp:\/\/ URL\nERR_CONNECT_REJECTED: the server refused \(NetConnection\.Connect\.Rejected\)\n$/,
    'layer-handshake': /^server: digest scheme, client digest valid: true, 0 bytes after C2\nclient: digest scheme, server digest valid: true\n$/,
    'layer-chunks': /^encoded 329 bytes\nmessage type 9, 300 bytes at 40 ms\nmessage type 8, 3 bytes at 46 ms\n$/,
    'layer-messages': /^command connect #1\ndata \["@setDataFrame","onMetaData",\{"width":1280,"height":720\}\]\n$/,
    'layer-amf': /^connect 1 \{ app: 'live', tcUrl: 'rtmp:\/\/host\/live' \}\nread 3 values; wrote 38 bytes\ntrue true\n$/,
    'layer-flv': /^header: audio true, video false\ndata@0 audio@0 audio@23\naudio: aac, 44100 Hz, 2 channels\n$/,
    'splice-drop-audio': /^player received: video 0, video 40\n$/,
    'splice-live': /^cam: counted 4 chunks after publish\nplayer received: video, video\n$/,
  };
