/**
 * A server child process started with fork() and driven over IPC (rtmp-server-child.ts,
 * raw-relay-child.ts): its port, its stats, a GC'd memory reading, and a clean stop.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadline, sampleProcess, type ProcSample } from './proc.js';

interface Reply {
  kind: string;
  [key: string]: unknown;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

let build: string | undefined;

/** The server children (bench/support), compiled together. */
const CHILD_SCRIPTS = ['rtmp-server-child.ts', 'raw-relay-child.ts', 'plain-fanout-child.ts'] as const;

/**
 * The child compiled to plain JavaScript (tsc, once per bench process, into a temp folder removed
 * at exit), as the server runs in production: under tsx the child would also carry tsx's loader
 * thread (tens of MiB of RSS, and CPU for its hooks). BENCH_TSX=1 runs the .ts file under tsx instead.
 */
function compiled(script: string): string | undefined {
  if (process.env.BENCH_TSX) return undefined;
  const source = fileURLToPath(new URL(script, import.meta.url));
  const root = fileURLToPath(new URL('../..', import.meta.url));
  if (!build) {
    const dir = mkdtempSync(join(tmpdir(), 'rtmp-pipeline-bench-build-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--outDir', dir, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--skipLibCheck', '--types', 'node', '--noEmitOnError', 'false',
      ...CHILD_SCRIPTS.map((f) => fileURLToPath(new URL(f, import.meta.url)))];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    if (!existsSync(join(dir, 'bench', 'support', 'rtmp-server-child.js'))) {
      console.log(`(could not compile the server child, running it under tsx: ${(r.stdout + r.stderr).split('\n')[0]})`);
      process.env.BENCH_TSX = '1';
      return undefined;
    }
    build = dir;
  }
  const out = join(build, source.slice(root.length).replace(/\.ts$/, '.js'));
  return existsSync(out) ? out : undefined;
}

export class ChildServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Forks `script` (a file in bench/support) and waits until it listens. */
  static async start(script: (typeof CHILD_SCRIPTS)[number], options: { cpuProfDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildServer> {
    const js = compiled(script);
    const execArgv = js ? ['--expose-gc'] : ['--import', 'tsx', '--expose-gc'];
    if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
    // BENCH_CHILD_ARGS="--trace-gc ...": extra Node flags for the server child only.
    if (process.env.BENCH_CHILD_ARGS) execArgv.push(...process.env.BENCH_CHILD_ARGS.split(' ').filter(Boolean));
    const child = fork(js ?? fileURLToPath(new URL(script, import.meta.url)), [], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...options.env },
    });
    live.add(child);
    child.once('exit', () => live.delete(child));
    try {
      const [msg] = (await deadline(once(child, 'message'), 20_000, `${script} start`)) as [Reply];
      return new ChildServer(child, msg.port as number);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  sample(): ProcSample {
    return sampleProcess(this.pid);
  }

  async request(kind: 'stats' | 'gc' | 'heap-snapshot' | 'heap-sample-start' | 'heap-sample-stop', timeoutMs = 10_000): Promise<Reply> {
    const reply = new Promise<Reply>((resolve) => {
      const onMessage = (msg: Reply): void => {
        if (msg.kind !== kind) return;
        this.child.off('message', onMessage);
        resolve(msg);
      };
      this.child.on('message', onMessage);
    });
    this.child.send(kind);
    return deadline(reply, timeoutMs, `child ${kind}`);
  }

  /** Asks the child to stop (it writes its CPU profile if asked to); SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    try {
      this.child.send('stop');
    } catch {
      this.child.kill('SIGKILL');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
