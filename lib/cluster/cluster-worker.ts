/**
 * A cluster worker: one `Server` on the shared port (the primary hands it connections), plus the
 * private port other workers pull its streams from (lib/cluster/internal-relay.ts).
 *
 * The user's hooks run in the worker that got the connection, as in one process, wrapped so that:
 * - onPublish, once the user's hook accepted, claims the name from the primary: a name published
 *   on another worker is refused with Publish.BadName, as a duplicate is in one process;
 * - onPlay (RTMP and HTTP-FLV), once accepted, starts pulling the stream from the worker that
 *   publishes it, unless this worker has it already. Players that wait for a publisher are served
 *   the same way when one appears anywhere (the primary broadcasts every change of its directory).
 * A pulled stream stops `relayIdleTimeout` ms after its last local player left.
 */
import cluster from 'node:cluster';
import { silentLogger, type Logger } from '../logger.js';
import { type HttpServerOptions, ServerStats, type WorkerSnapshot } from '../http/index.js';
import { DEFAULT_MAX_CONNECTIONS, Server, type ServerConfig, type ServerConnection, StatusCode } from '../server/index.js';
import { OriginPort, WorkerPull } from './internal-relay.js';
import { ENV_TOKEN, ENV_WORKERS, isClusterMessage, type DirectoryEntry, type PrimaryToWorker, type WorkerToPrimary } from './messages.js';

export const DEFAULT_RELAY_IDLE_TIMEOUT = 5000;
/** ms a publish waits for the relays of workers whose players were there first. */
const RELAY_WAIT = 5000;
/** ms a pull whose publisher left (says the directory) gets to bring its last messages. */
const PULL_END_GRACE = 2000;

export interface ClusterWorkerOptions {
  /** The server's configuration in this worker (hooks included: they run here). */
  server: ServerConfig;
  /** ms a pulled stream stays up after its last local player left. Default 5000. */
  relayIdleTimeout?: number;
  logger?: Logger;
}

function ignoreSignal(): void {}

interface Pending<T> {
  resolve(value: T): void;
}

export class ClusterWorker {
  readonly id: number;
  readonly server: Server;
  /** This worker's figures (the HTTP side's when it has one). */
  readonly stats: ServerStats;
  private readonly logger: Logger;
  private readonly originPort: OriginPort;
  private readonly token: string;
  private internalPort = 0;
  private directory = new Map<string, DirectoryEntry>();
  private readonly pulls = new Map<string, WorkerPull>();
  private readonly idleSince = new Map<string, number>();
  private readonly claimsOf = new Map<ServerConnection, Set<string>>();
  private readonly pendingClaims = new Map<number, Pending<{ ok: boolean; worker: number | null; wanted: number[] }>>();
  /** Streams this worker told the primary it waits for. */
  private readonly wanted = new Map<string, { app: string; name: string }>();
  /** Relays of other workers that play a stream here, by key (until its publish starts). */
  private readonly relayPlays = new Map<string, Set<number>>();
  private readonly relayWaiters = new Map<string, () => void>();
  private readonly pendingStats = new Map<number, Pending<WorkerSnapshot[]>>();
  private nextRequest = 1;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly relayIdleTimeout: number;
  private stopping: Promise<void> | undefined;
  private readonly onMessage = (message: unknown): void => this.handle(message);

  constructor(options: ClusterWorkerOptions) {
    if (!cluster.isWorker || !cluster.worker) throw new Error('ClusterWorker runs in a cluster worker (see startCluster)');
    this.id = cluster.worker.id;
    this.token = process.env[ENV_TOKEN] ?? '';
    this.logger = options.server.logger ?? options.logger ?? silentLogger;
    this.relayIdleTimeout = options.relayIdleTimeout ?? DEFAULT_RELAY_IDLE_TIMEOUT;
    const config = options.server;
    const userPublish = config.onPublish;
    const userPlay = config.onPlay;
    const http = config.http === undefined ? undefined : typeof config.http === 'object' ? config.http : { addr: config.http };
    const clusterHttp: HttpServerOptions | undefined = http && { ...http, worker: this.id, collect: () => this.collectStats() };
    this.server = new Server({
      ...config,
      maxConnections: workerMaxConnections(config.maxConnections, Number(process.env[ENV_WORKERS]) || 1),
      ...(clusterHttp ? { http: clusterHttp } : {}),
      onPublish: async (conn, name, type, info) => {
        await userPublish?.(conn, name, type, info);
        const claim = await this.claim(conn.app, name);
        if (!claim.ok) {
          throw Object.assign(new Error(`${name} is already being published${claim.worker !== null ? ` (worker ${claim.worker})` : ''}`), {
            statusCode: StatusCode.PublishBadName,
          });
        }
        let set = this.claimsOf.get(conn);
        if (!set) this.claimsOf.set(conn, (set = new Set()));
        set.add(`${conn.app}/${name}`);
        // Players on other workers were there first: as in one process they get the stream from its
        // first message, so the publish starts once their relays play here (bounded wait).
        if (claim.wanted.length > 0) await this.relaysPlaying(`${conn.app}/${name}`, claim.wanted, RELAY_WAIT);
      },
      onPlay: async (conn, name, info) => {
        await userPlay?.(conn, name, info);
        this.ensurePull(conn.app, name);
        const key = `${conn.app}/${name}`;
        if (!this.directory.has(key) && !this.wanted.has(key)) {
          this.wanted.set(key, { app: conn.app, name });
          this.send({ rtmp: 'want', app: conn.app, name });
        }
      },
    });
    this.server.on('unpublish', (conn, name) => {
      if (this.claimsOf.get(conn)?.delete(`${conn.app}/${name}`)) this.send({ rtmp: 'release', app: conn.app, name });
    });
    this.server.on('disconnect', (conn) => {
      // Claims of publishes that never started (refused after the hook) go with the connection.
      for (const key of this.claimsOf.get(conn) ?? []) this.send({ rtmp: 'release', app: conn.app, name: key.slice(conn.app.length + 1) });
      this.claimsOf.delete(conn);
    });
    // Without an HTTP side the primary's collect() still gets every worker's figures.
    this.stats = this.server.http?.stats ?? new ServerStats(this.server, this.id);
    this.originPort = new OriginPort(this.server, this.token, this.logger, (worker, app, name) => this.relayPlayed(worker, `${app}/${name}`));
    this.idleTimer = setInterval(() => this.stopIdlePulls(), 1000);
    this.idleTimer.unref();
    process.on('message', this.onMessage);
    // A terminal's Ctrl-C reaches every process of the group: the primary drains the workers.
    process.on('SIGINT', ignoreSignal);
    // The primary let go (after our drain, or it died): drain if not done yet, then leave.
    process.once('disconnect', () => {
      void this.stop().then(() => process.exit(0));
    });
  }

  /** Listens (shared port, private port, HTTP) and tells the primary. */
  async start(): Promise<void> {
    this.internalPort = await this.originPort.listen();
    await this.server.listen();
    const a = this.server.address()!;
    this.send({
      rtmp: 'ready',
      internalPort: this.internalPort,
      rtmpPort: a.port,
      rtmpHost: a.address,
      httpPort: this.server.http?.address()?.port ?? null,
      httpHost: this.server.http?.address()?.address ?? null,
      tlsPort: this.server.tlsAddress()?.port ?? null,
    });
  }

  /** Drains this worker: players and publishers are told, connections flushed and closed. */
  stop(deadline = 5000): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.idleTimer);
      await this.server.close({ timeout: deadline });
      for (const pull of this.pulls.values()) pull.stop();
      await Promise.all([...this.pulls.values()].map((p) => p.done));
      await this.originPort.close();
      process.off('message', this.onMessage);
      process.off('SIGINT', ignoreSignal);
      this.send({ rtmp: 'stopped' });
    })();
    return this.stopping;
  }

  /** Pulled streams (for tests and stats): `app/name` → the worker it comes from. */
  get pulledStreams(): Map<string, number> {
    return new Map([...this.pulls].map(([key, pull]) => [key, pull.origin]));
  }

  private send(message: WorkerToPrimary): void {
    if (process.connected) process.send!(message);
  }

  private relayPlayed(worker: number, key: string): void {
    const waiter = this.relayWaiters.get(key);
    if (!waiter) return; // a publish only waits for relays while it starts
    let set = this.relayPlays.get(key);
    if (!set) this.relayPlays.set(key, (set = new Set()));
    set.add(worker);
    waiter();
  }

  /** Resolves once a relay from each of `workers` plays `key` here, or after `ms`. */
  private relaysPlaying(key: string, workers: number[], ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        const playing = this.relayPlays.get(key);
        if (!workers.every((w) => playing?.has(w))) return;
        done();
      };
      const done = (): void => {
        clearTimeout(timer);
        this.relayWaiters.delete(key);
        this.relayPlays.delete(key);
        resolve();
      };
      const timer = setTimeout(() => {
        this.logger.warn(`cluster: ${key} starts before the relays of workers ${workers.filter((w) => !this.relayPlays.get(key)?.has(w)).join(', ')} play (${ms} ms)`);
        done();
      }, ms);
      this.relayWaiters.set(key, check);
      check();
    });
  }

  private claim(app: string, name: string): Promise<{ ok: boolean; worker: number | null; wanted: number[] }> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingClaims.set(id, { resolve });
      this.send({ rtmp: 'claim', id, app, name });
    });
  }

  private collectStats(): Promise<WorkerSnapshot[]> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingStats.set(id, { resolve });
      this.send({ rtmp: 'stats-request', id });
    });
  }

  private handle(raw: unknown): void {
    if (!isClusterMessage(raw)) return;
    const message = raw as PrimaryToWorker;
    switch (message.rtmp) {
      case 'claimed': {
        const pending = this.pendingClaims.get(message.id);
        this.pendingClaims.delete(message.id);
        pending?.resolve({ ok: message.ok, worker: message.worker, wanted: message.wanted });
        return;
      }
      case 'directory':
        this.directory = new Map(message.entries.map((e) => [e.key, e]));
        // A pull whose publisher is gone (or moved) ends, once its last messages had time to come
        // through (it normally ends on its own, at the origin's UnpublishNotify); players wait for the next one.
        for (const [key, pull] of this.pulls) {
          if (this.directory.get(key)?.worker !== pull.origin) pull.stopAfter(PULL_END_GRACE);
          else pull.cancelStop();
        }
        // Players waiting here for a stream that is now published elsewhere.
        for (const entry of message.entries) {
          if (entry.worker !== this.id && (this.server.registry.get(entry.app, entry.name)?.players.size ?? 0) > 0) this.ensurePull(entry.app, entry.name);
        }
        return;
      case 'stats-collect':
        this.send({ rtmp: 'stats-reply', id: message.id, snapshot: this.stats.snapshot() });
        return;
      case 'stats': {
        const pending = this.pendingStats.get(message.id);
        this.pendingStats.delete(message.id);
        pending?.resolve(message.snapshots);
        return;
      }
      case 'shutdown':
        void this.stop(message.deadline);
        return;
    }
  }

  /** Pulls `app/name` from the worker that publishes it, unless it is here already. */
  private ensurePull(app: string, name: string): void {
    const key = `${app}/${name}`;
    if (this.pulls.has(key) || this.stopping) return;
    const entry = this.directory.get(key);
    if (!entry || entry.worker === this.id || this.server.registry.isPublished(app, name)) return;
    const pull = new WorkerPull(this.server, { app, name, port: entry.port, origin: entry.worker, worker: this.id, token: this.token, logger: this.logger });
    this.pulls.set(key, pull);
    this.idleSince.delete(key);
    this.logger.debug(`cluster: worker ${this.id} pulls ${key} from worker ${entry.worker}`);
    void pull.done.then(() => {
      if (this.pulls.get(key) === pull) this.pulls.delete(key);
      // Still wanted and still published elsewhere (say the origin restarted the stream): pull again.
      const again = this.directory.get(key);
      if (!this.stopping && again && (this.server.registry.get(app, name)?.players.size ?? 0) > 0) {
        setTimeout(() => this.ensurePull(app, name), 250).unref(); // not a tight loop when the origin refuses
      }
    });
  }

  private stopIdlePulls(): void {
    const now = Date.now();
    for (const [key, { app, name }] of this.wanted) {
      if ((this.server.registry.get(app, name)?.players.size ?? 0) > 0) continue;
      this.wanted.delete(key);
      this.send({ rtmp: 'unwant', app, name });
    }
    for (const [key, pull] of this.pulls) {
      const players = this.server.registry.get(pull.app, pull.name)?.players.size ?? 0;
      if (players > 0) {
        this.idleSince.delete(key);
        continue;
      }
      const since = this.idleSince.get(key) ?? now;
      this.idleSince.set(key, since);
      if (now - since >= this.relayIdleTimeout) {
        this.idleSince.delete(key);
        pull.stop();
      }
    }
  }
}

/**
 * `maxConnections` bounds the whole cluster as it bounds one process: each of N workers takes its
 * share (at least 1), so the total never exceeds it. Round-robin hand-out keeps the shares even.
 */
export function workerMaxConnections(maxConnections: number | undefined, workers: number): number {
  const total = maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  if (total === 0) return 0; // refuses every connection, as in one process
  return Math.max(1, Math.floor(total / Math.max(1, workers)));
}
