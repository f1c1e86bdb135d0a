/**
 * The peer servers for bench/peers.bench.ts, installed outside the project's dependencies and
 * started on loopback with a configuration equivalent to ours (live application, no recording, no
 * HLS, GOP cache where the server has one):
 *   - node-media-server 4.x: `npm install --prefix <tmp>/node-media-server node-media-server@4`
 *   - nginx with its RTMP module (Debian/Ubuntu `libnginx-mod-rtmp`): apt-get, one worker process
 * Installs are idempotent (skipped when present); what cannot be installed is reported, not fatal.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildServer } from './child-server.js';
import { onExitCleanup, processTree, resetPeakRss, sampleProcess, spawnTracked, stopChild, type ProcSample } from './proc.js';

export const PEERS_DIR = join(tmpdir(), 'rtmp-pipeline-peers');
const NMS_DIR = join(PEERS_DIR, 'nms');
const NMS_PACKAGE = join(NMS_DIR, 'node_modules', 'node-media-server', 'package.json');
const NGINX = '/usr/sbin/nginx';
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** process.memoryUsage() of a Node server after a full GC (bytes). */
export interface GcMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface RunningPeer {
  name: string;
  port: number;
  sample(): ProcSample;
  /** Peak RSS from now on (after a warm-up). */
  resetPeakRss(): void;
  /** Ours only: players still attached, media messages its players lost to overflow, connections its memory budget closed. */
  losses?(): Promise<{ players: number; dropped: number; budgetClosed: number; pauses: number; pausedMs: number }>;
  /** Node servers only: their memory after a full GC (they run with --expose-gc). */
  gcMemory?(): Promise<GcMemory>;
  stop(): Promise<void>;
}

export interface PeerKind {
  name: string;
  /** Installs what is missing; returns why it is unavailable, or undefined when ready. */
  ensure(): string | undefined;
  start(options?: { cpuProfDir?: string }): Promise<RunningPeer>;
}

function sh(command: string, args: string[], timeoutMs: number): { ok: boolean; output: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until something accepts on the port (the peers give no other ready signal). */
async function waitListening(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function losses(server: ChildServer): Promise<{ players: number; dropped: number; budgetClosed: number; pauses: number; pausedMs: number }> {
  const stats = await server.request('stats');
  return { players: Number(stats.players), dropped: Number(stats.dropped), budgetClosed: Number(stats.budgetClosed), pauses: Number(stats.pauses), pausedMs: Number(stats.pausedMs) };
}

export const ours: PeerKind = {
  name: 'rtmp-pipeline',
  ensure: () => undefined,
  async start(options = {}) {
    const server = await ChildServer.start('rtmp-server-child.ts', { cpuProfDir: options.cpuProfDir });
    return { name: 'rtmp-pipeline', port: server.port, sample: () => server.sample(), resetPeakRss: () => resetPeakRss(server.pid), losses: () => losses(server), gcMemory: async () => (await server.request('gc')) as unknown as GcMemory, stop: () => server.stop() };
  },
};

/**
 * Ours with a per-player backlog large enough for the whole test stream (64 MiB instead of 4 MiB):
 * like node-media-server, which queues without bound, it then never drops for a slow player.
 */
export const oursLargeBacklog: PeerKind = {
  name: 'rtmp-pipeline/64MiB',
  ensure: () => undefined,
  async start(options = {}) {
    const server = await ChildServer.start('rtmp-server-child.ts', { cpuProfDir: options.cpuProfDir, env: { BENCH_MAX_PLAYER_BACKLOG: String(64 << 20) } });
    return { name: 'rtmp-pipeline/64MiB', port: server.port, sample: () => server.sample(), resetPeakRss: () => resetPeakRss(server.pid), losses: () => losses(server), stop: () => server.stop() };
  },
};

export const nodeMediaServer: PeerKind = {
  name: 'node-media-server',
  ensure() {
    if (existsSync(NMS_PACKAGE)) return undefined;
    mkdirSync(NMS_DIR, { recursive: true });
    console.log(`installing node-media-server@4 into ${NMS_DIR} (npm, outside the project) ...`);
    const r = sh('npm', ['install', '--prefix', NMS_DIR, 'node-media-server@4', '--no-audit', '--no-fund', '--loglevel=error'], 300_000);
    if (!r.ok || !existsSync(NMS_PACKAGE)) return `npm install node-media-server@4 failed: ${r.output.split('\n').slice(-3).join(' ')}`;
    return undefined;
  },
  async start() {
    const port = await freePort();
    const dir = join(NMS_DIR, `run-${process.pid}-${port}`);
    mkdirSync(dir, { recursive: true });
    const runner = join(dir, 'run.cjs');
    // Live RTMP only: no HTTP/WebSocket-FLV listeners, no admin console, no recording, no auth.
    // Its GOP cache is always on.
    const config = {
      bind: '127.0.0.1',
      rtmp: { port },
      store: { path: join(dir, 'data') },
      webadmin: { enable: false },
      record: { auto: false, path: join(dir, 'record') },
      auth: { play: false, publish: false, secret: '' },
      notify: { url: '' },
    };
    writeFileSync(
      runner,
      [
        `const NodeMediaServer = require(${JSON.stringify(join(NMS_DIR, 'node_modules', 'node-media-server'))});`,
        `const nms = new NodeMediaServer(${JSON.stringify(config)}, ${JSON.stringify(join(dir, 'config.json'))});`,
        'nms.run();',
        "process.on('SIGTERM', () => process.exit(0));",
        "process.on('disconnect', () => process.exit(0));",
        // The bench's memory reading (bench/idle.bench.ts): after a full GC, like ours.
        "process.on('message', (m) => { if (m === 'gc') { global.gc(); process.send({ kind: 'gc', ...process.memoryUsage() }); } });",
      ].join('\n'),
    );
    const child = spawnTracked(process.execPath, ['--expose-gc', runner], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const gcMemory = (): Promise<GcMemory> => {
      const reply = new Promise<GcMemory>((resolve) => {
        const onMessage = (msg: { kind?: string } & GcMemory): void => {
          if (msg.kind !== 'gc') return;
          child.off('message', onMessage);
          resolve(msg);
        };
        child.on('message', onMessage);
      });
      child.send('gc');
      return reply;
    };
    try {
      await waitListening(port, child, 'node-media-server');
    } catch (err) {
      await stopChild(child, 'SIGKILL');
      throw err;
    }
    return { name: 'node-media-server', port, sample: () => sampleProcess(child.pid!), resetPeakRss: () => resetPeakRss(child.pid!), gcMemory, stop: () => stopChild(child) };
  },
};

export const nginxRtmp: PeerKind = {
  name: 'nginx-rtmp',
  ensure() {
    if (existsSync(NGINX) && existsSync(NGINX_RTMP_MODULE)) return undefined;
    if (process.getuid?.() !== 0) return 'nginx or its RTMP module is missing and installing needs root (apt-get install -y libnginx-mod-rtmp nginx)';
    const policy = sh('apt-cache', ['policy', 'libnginx-mod-rtmp'], 60_000);
    if (!/Candidate: (?!\(none\))/.test(policy.output)) {
      console.log('apt-get update (libnginx-mod-rtmp not in the package lists) ...');
      sh('apt-get', ['update'], 300_000);
    }
    console.log('installing nginx and libnginx-mod-rtmp (apt-get) ...');
    const r = sh('apt-get', ['install', '-y', '--no-install-recommends', 'libnginx-mod-rtmp', 'nginx'], 600_000);
    if (!r.ok || !existsSync(NGINX) || !existsSync(NGINX_RTMP_MODULE)) return `apt-get install libnginx-mod-rtmp nginx failed: ${r.output.split('\n').slice(-3).join(' ')}`;
    return undefined;
  },
  start: () => startNginxRtmp(),
};

let nginxRuns = 0;

/**
 * nginx-rtmp on loopback with a generated configuration: by default one `live` application (no
 * recording, no HLS); `applications` replaces it with the given `application NAME { ... }` blocks.
 * `port` reuses a port (a restarted destination); default a free one.
 */
export async function startNginxRtmp(options: { port?: number; applications?: string } = {}): Promise<RunningPeer> {
  const port = options.port ?? (await freePort());
  const dir = join(PEERS_DIR, 'nginx', `run-${process.pid}-${port}-${++nginxRuns}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  // One worker; live application, no recording, no HLS. nginx-rtmp has no GOP cache (late
  // joiners get the codec headers and wait for the next keyframe) - irrelevant here: every
  // player joins before the publisher.
  writeFileSync(
    conf,
    `load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
user root;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 4096; }
rtmp {
server {
  listen 127.0.0.1:${port};
  chunk_size 4096;
${options.applications ?? `    application live {
    live on;
    record off;
  }
`}  }
}
`,
  );
  const child = spawnTracked(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitListening(port, child, 'nginx');
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    throw err;
  }
  // The worker is not our child: kill it too if we exit abnormally.
  const tree = processTree(child.pid!);
  const killTree = (): void => {
    for (const pid of tree) {
      try {
        // Only what is still an nginx process (never a reused pid).
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nginx')) continue;
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  const forget = onExitCleanup(killTree);
  // CPU and memory of the master and its worker together.
  return {
    name: 'nginx-rtmp',
    port,
    sample: () => sampleProcess(child.pid!, true),
    resetPeakRss: () => resetPeakRss(child.pid!, true),
    stop: async () => {
      // SIGTERM: fast shutdown of master and worker (the worker is the master's child, gone with it).
      await stopChild(child, 'SIGTERM');
      killTree();
      forget();
    },
  };
}
