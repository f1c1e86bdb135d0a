/**
 * The cluster primary: forks the workers (node:cluster; they share the RTMP and HTTP ports, the
 * primary accepting and handing connections round-robin), keeps the directory of which worker
 * publishes which stream, answers the workers' claims and stats requests, replaces a worker that
 * crashed, and drains them all on close().
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../logger.js';
import type { WorkerSnapshot } from '../http/index.js';
import { newClusterToken } from './internal-relay.js';
import { ENV_TOKEN, ENV_WORKER, ENV_WORKERS, isClusterMessage, type PrimaryToWorker, type WorkerToPrimary } from './messages.js';
import { StreamDirectory } from './stream-directory.js';

export interface ClusterPrimaryOptions {
  /** Worker processes. */
  workers: number;
  /** Script the workers run (default: this process's, as node:cluster does). */
  exec?: string;
  /** Its arguments (default: this process's). */
  args?: string[];
  /** node flags of the workers (default: this process's, `--import tsx` included). */
  execArgv?: string[];
  /** ms before a crashed worker is replaced; doubles while workers keep crashing within 10 s of their start, up to 30 s. Default 500. */
  respawnDelay?: number;
  /** ms a worker gets to answer a stats request. Default 2000. */
  statsTimeout?: number;
  logger?: Logger;
}

export interface WorkerInfo {
  id: number;
  pid: number | undefined;
  ready: boolean;
  internalPort: number;
  startedAt: number;
}

export interface ClusterPrimaryEvents {
  /** A worker listens (the first ones and every replacement). */
  ready: [info: WorkerInfo];
  /** A worker exited; `replaced` says whether another one is started for it. */
  exit: [info: WorkerInfo, code: number | null, signal: string | null, replaced: boolean];
}

const STABLE_AFTER = 10_000;
const MAX_RESPAWN_DELAY = 30_000;

export class ClusterPrimary extends EventEmitter<ClusterPrimaryEvents> {
  readonly directory = new StreamDirectory();
  private readonly token = newClusterToken();
  private readonly infos = new Map<number, WorkerInfo>();
  private readonly workers = new Map<number, Worker>();
  private readonly logger: Logger;
  private readonly respawnDelay: number;
  private crashes = 0;
  private closing: Promise<void> | undefined;
  private ports: { rtmp: number; rtmpHost: string; http: number | null; httpHost: string | null; tls: number | null } | undefined;
  private readonly statsRequests = new Map<string, { snapshots: WorkerSnapshot[]; waiting: Set<number>; finish(): void }>();
  private nextCollect = 1;

  constructor(readonly options: ClusterPrimaryOptions) {
    super();
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be a whole number >= 1, got ${options.workers}`);
    if (!cluster.isPrimary) throw new Error('ClusterPrimary runs in the primary process (see startCluster)');
    this.logger = options.logger ?? silentLogger;
    this.respawnDelay = options.respawnDelay ?? 500;
  }

  /** Where the workers listen (known once one is ready). */
  get rtmpPort(): number | undefined {
    return this.ports?.rtmp;
  }

  get rtmpHost(): string | undefined {
    return this.ports?.rtmpHost;
  }

  get httpPort(): number | null | undefined {
    return this.ports?.http;
  }

  get httpHost(): string | null | undefined {
    return this.ports?.httpHost;
  }

  get tlsPort(): number | null | undefined {
    return this.ports?.tls;
  }

  /** The live workers. */
  get workerInfos(): WorkerInfo[] {
    return [...this.infos.values()];
  }

  /** Forks the workers; resolves once all listen, rejects if one exits before it does. */
  start(): Promise<void> {
    cluster.setupPrimary({
      ...(this.options.exec !== undefined ? { exec: this.options.exec } : {}),
      ...(this.options.args !== undefined ? { args: this.options.args } : {}),
      ...(this.options.execArgv !== undefined ? { execArgv: this.options.execArgv } : {}),
    });
    const started = [...Array(this.options.workers)].map(() => this.fork());
    return Promise.all(started).then(() => undefined);
  }

  /** Drains every worker (`timeout` ms each, as `Server.close`); resolves once all have exited. */
  close(options: { timeout?: number } = {}): Promise<void> {
    const deadline = options.timeout ?? 5000;
    this.closing ??= Promise.all(
      [...this.workers.values()].map((worker) => {
        const exited = new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', () => resolve());
        });
        this.sendTo(worker, { rtmp: 'shutdown', deadline });
        // A worker that does not finish in time is killed.
        const kill = setTimeout(() => worker.process.kill('SIGKILL'), deadline + 3000);
        return exited.finally(() => clearTimeout(kill));
      }),
    ).then(() => undefined);
    return this.closing;
  }

  private fork(): Promise<void> {
    const worker = cluster.fork({ [ENV_TOKEN]: this.token, [ENV_WORKER]: '1', [ENV_WORKERS]: String(this.options.workers) });
    const info: WorkerInfo = { id: worker.id, pid: worker.process.pid, ready: false, internalPort: 0, startedAt: Date.now() };
    this.infos.set(worker.id, info);
    this.workers.set(worker.id, worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        const m = message as WorkerToPrimary;
        if (m.rtmp === 'ready') {
          info.ready = true;
          info.internalPort = m.internalPort;
          this.ports ??= { rtmp: m.rtmpPort, rtmpHost: m.rtmpHost, http: m.httpPort, httpHost: m.httpHost, tls: m.tlsPort };
          this.logger.info(`worker ${worker.id} (pid ${info.pid}) ready`);
          this.sendTo(worker, { rtmp: 'directory', entries: this.directory.list() });
          this.emit('ready', info);
          resolve();
        } else this.onWorkerMessage(worker, info, m);
      });
      worker.on('exit', (code, signal) => {
        this.infos.delete(worker.id);
        this.workers.delete(worker.id);
        for (const request of this.statsRequests.values()) {
          request.waiting.delete(worker.id);
          if (request.waiting.size === 0) request.finish();
        }
        if (this.directory.dropWorker(worker.id)) this.broadcastDirectory();
        const replace = !this.closing && !worker.exitedAfterDisconnect;
        this.logger[replace ? 'warn' : 'info'](`worker ${worker.id} (pid ${info.pid}) exited (${signal ?? code})${replace ? ': replacing it' : ''}`);
        this.emit('exit', info, code, signal, replace);
        if (!info.ready) reject(new Error(`worker ${worker.id} exited (${signal ?? code}) before it listened`));
        if (replace && info.ready) {
          this.crashes = Date.now() - info.startedAt < STABLE_AFTER ? this.crashes + 1 : 0;
          const delay = Math.min(this.respawnDelay * 2 ** this.crashes, MAX_RESPAWN_DELAY);
          setTimeout(() => {
            if (!this.closing) this.fork().catch((err: Error) => this.logger.error(`replacement worker failed: ${err.message}`));
          }, delay);
        }
      });
    });
  }

  private onWorkerMessage(worker: Worker, info: WorkerInfo, m: WorkerToPrimary): void {
    switch (m.rtmp) {
      case 'claim': {
        const key = `${m.app}/${m.name}`;
        const ok = this.directory.claim(m.app, m.name, worker.id, info.internalPort);
        const wanted = ok ? this.directory.wanting(key, worker.id) : [];
        this.sendTo(worker, { rtmp: 'claimed', id: m.id, ok, worker: ok ? worker.id : (this.directory.holder(key)?.worker ?? null), wanted });
        if (ok) this.broadcastDirectory();
        return;
      }
      case 'release':
        if (this.directory.release(`${m.app}/${m.name}`, worker.id)) this.broadcastDirectory();
        return;
      case 'want':
        this.directory.want(`${m.app}/${m.name}`, worker.id);
        return;
      case 'unwant':
        this.directory.unwant(`${m.app}/${m.name}`, worker.id);
        return;
      case 'stats-request':
        void this.collect().then((snapshots) => this.sendTo(worker, { rtmp: 'stats', id: m.id, snapshots }));
        return;
      case 'stats-reply': {
        const request = this.statsRequests.get(`${m.id}`);
        if (!request || !request.waiting.delete(worker.id)) return;
        request.snapshots.push(m.snapshot);
        if (request.waiting.size === 0) request.finish();
        return;
      }
      case 'stopped':
        worker.disconnect();
        return;
    }
  }

  /** Every ready worker's stats snapshot, ordered by worker id (a worker that does not answer in time is left out). */
  collect(): Promise<WorkerSnapshot[]> {
    const id = this.nextCollect++;
    const ready = [...this.workers.values()].filter((w) => this.infos.get(w.id)?.ready);
    return new Promise((resolve) => {
      const request = {
        snapshots: [] as WorkerSnapshot[],
        waiting: new Set(ready.map((w) => w.id)),
        finish: () => {
          clearTimeout(timer);
          this.statsRequests.delete(`${id}`);
          resolve(request.snapshots.sort((a, b) => (a.worker ?? 0) - (b.worker ?? 0)));
        },
      };
      const timer = setTimeout(() => request.finish(), this.options.statsTimeout ?? 2000);
      this.statsRequests.set(`${id}`, request);
      if (ready.length === 0) return request.finish();
      for (const w of ready) this.sendTo(w, { rtmp: 'stats-collect', id });
    });
  }

  private broadcastDirectory(): void {
    const entries = this.directory.list();
    for (const worker of this.workers.values()) this.sendTo(worker, { rtmp: 'directory', entries });
  }

  private sendTo(worker: Worker, message: PrimaryToWorker): void {
    if (worker.isConnected()) worker.send(message);
  }
}
