/**
 * Worker-to-worker delivery (nginx-rtmp's auto push, pulled instead of pushed): a stream lives in
 * the registry of the worker whose connection publishes it; a worker with players for it plays it
 * once from that worker's private loopback port and publishes it into its own registry, from
 * where its players get it as from a local publisher (GOP cache included). So each worker
 * serializes a stream once for all its players, and the publisher's worker once per worker.
 *
 *   OriginPort  (publisher's worker) a loopback listener whose connections are ServerConnections of
 *               the worker's registry without hooks, auth, recording or limits: the internal
 *               relay is not a user. A per-cluster token in connect keeps other local processes out.
 *   WorkerPull  (player's worker) our Client playing from an OriginPort; media and metadata go
 *               into the local registry as the publisher of the same `app/name`.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client } from '../client/index.js';
import { decodeOnStatus, type RtmpEvent } from '../command/index.js';
import { performServerHandshake } from '../handshake/index.js';
import type { Logger } from '../logger.js';
import { StatusCode, ServerConnection, type ServerHost, type Server, type LiveStream } from '../server/index.js';
import type { DescribedTarget, PeerInfo } from '../http/index.js';

/** The connect fields that carry the cluster token and the pulling worker's id. */
export const TOKEN_FIELD = 'rtmpPipelineClusterToken';
export const WORKER_FIELD = 'rtmpPipelineClusterWorker';

/** A relay player may queue this many times a user player's backlog before it drops (loopback rarely lags). */
const RELAY_BACKLOG_FACTOR = 4;

export class OriginPort {
  private readonly listener: net.Server;
  private readonly connections = new Set<ServerConnection>();
  private readonly sockets = new Set<net.Socket>();
  private nextId = 1;

  constructor(
    server: Server,
    token: string,
    private readonly logger: Logger,
    /** A worker's relay started playing `app/name` here. */
    onRelayPlay: (worker: number, app: string, name: string) => void = () => {},
  ) {
    const host: ServerHost = {
      registry: server.registry,
      settings: { ...server.settings, maxPlayerBacklog: server.settings.maxPlayerBacklog * RELAY_BACKLOG_FACTOR },
      hooks: {
        onConnect: (_conn, info) => {
          if (info.commandObject[TOKEN_FIELD] !== token) throw Object.assign(new Error('not a worker of this cluster'), { statusCode: StatusCode.ConnectRejected });
        },
        // Internal connections only play: a publish here would bypass the cluster's claims.
        onPublish: () => {
          throw new Error('internal port: play only');
        },
      },
      commandHandler: () => undefined,
      notify: (event, conn, ...args) => {
        if (event === 'play') onRelayPlay(Number(conn.connectInfo?.commandObject[WORKER_FIELD]), conn.app, String(args[0]));
      },
      connectionClosed: (conn) => {
        this.connections.delete(conn);
      },
      enhanced: server.enhanced,
    };
    this.listener = net.createServer((socket) => {
      socket.on('error', () => {});
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      performServerHandshake(socket, { timeout: 10_000 }).then(
        ({ rest }) => {
          if (socket.destroyed) return;
          const conn = new ServerConnection(socket, host, {
            id: `cluster-${this.nextId++}`,
            chunkSize: server.settings.chunkSize,
            windowAckSize: server.settings.windowAckSize,
            logger: this.logger,
          });
          this.connections.add(conn);
          conn.start(rest);
        },
        () => socket.destroy(),
      );
    });
  }

  /** Listens on 127.0.0.1, a port of its own (`exclusive`: not shared through the cluster primary). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
        this.listener.off('error', reject);
        resolve((this.listener.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.close({ timeout: 2000 })));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** A fresh cluster token. */
export function newClusterToken(): string {
  return randomUUID();
}

/** The registry's publisher for a pulled stream: statuses sent to it go nowhere. */
class PullTarget implements DescribedTarget {
  readonly outboundBacklog = 0;
  closed = false;
  constructor(private readonly pull: WorkerPull) {}
  send(_event: RtmpEvent): boolean {
    return true;
  }
  describe(): PeerInfo & { bytesIn: number } {
    return { id: `cluster-pull-${this.pull.origin}`, protocol: 'cluster', address: '127.0.0.1', port: this.pull.port, bytesIn: this.pull.bytesIn };
  }
}

export interface WorkerPullOptions {
  app: string;
  name: string;
  port: number;
  /** The worker that publishes (for the stats). */
  origin: number;
  /** This worker's id (the origin waits for it when its players were there first). */
  worker: number;
  token: string;
  logger: Logger;
}

/** One stream pulled from another worker into this worker's registry. */
export class WorkerPull {
  readonly app: string;
  readonly name: string;
  readonly port: number;
  readonly origin: number;
  /** Settles once the pull has ended and its local publish is gone. */
  readonly done: Promise<void>;
  private readonly client: Client;
  private readonly target = new PullTarget(this);
  private live: LiveStream | undefined;
  private stopped = false;
  private stopTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: Server,
    private readonly options: WorkerPullOptions,
  ) {
    this.app = options.app;
    this.name = options.name;
    this.port = options.port;
    this.origin = options.origin;
    this.client = new Client({
      appName: options.app,
      connectFields: { [TOKEN_FIELD]: options.token, [WORKER_FIELD]: options.worker },
      connectTimeout: 10_000,
      commandTimeout: 10_000,
      // The relay reads as fast as the loopback gives; a large queue rides out GC pauses.
      messageQueueSize: 1024,
      bufferLength: 0,
      logger: options.logger,
    });
    this.done = this.run().catch((err: Error) => {
      this.options.logger.debug(`cluster pull ${this.app}/${this.name} from worker ${this.origin}: ${err.message}`);
    }).finally(() => this.finish());
  }

  get bytesIn(): number {
    const socket = this.client.connection?.socket as net.Socket | undefined;
    return socket?.bytesRead ?? 0;
  }

  /** Ends the pull (the local players hear the stream end, as when a publisher leaves). */
  stop(): void {
    this.cancelStop();
    if (this.stopped) return;
    this.stopped = true;
    this.client.destroy();
  }

  /**
   * Ends the pull in `ms` unless it ends first. The directory says a publisher left before its last
   * messages have come through this pull (IPC and the relay's TCP connection race): the origin's
   * Play.UnpublishNotify, after the last message, normally ends the pull first.
   */
  stopAfter(ms: number): void {
    this.stopTimer ??= setTimeout(() => this.stop(), ms).unref();
  }

  cancelStop(): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
  }

  private async run(): Promise<void> {
    await this.client.connect(`rtmp://127.0.0.1:${this.port}/${this.app}`);
    if (this.stopped) return;
    await this.client.play(this.name);
    if (this.stopped) return;
    const registry = this.server.registry;
    this.live = registry.publish(this.app, this.name, { target: this.target, streamId: 1, type: 'live' });
    if (!this.live) return; // published here meanwhile: nothing to pull
    for await (const event of this.client.events()) {
      if (this.stopped) break;
      const live = this.live;
      if (event.kind === 'audio' || event.kind === 'video') registry.media(live, event);
      else if (event.kind === 'data') {
        if (!event.name.startsWith('|')) registry.data(live, event);
      } else if (event.kind === 'command' && event.name === 'onStatus') {
        const code = decodeOnStatus(event).code;
        // The publisher left (or its worker stops): so does this stream here.
        if (code === StatusCode.PlayUnpublishNotify || code === StatusCode.PlayStop) break;
      }
    }
  }

  private finish(): void {
    this.cancelStop();
    this.stopped = true;
    this.target.closed = true;
    const live = this.live;
    this.live = undefined;
    if (live && live.publisher?.target === this.target) this.server.registry.unpublish(live);
    this.client.destroy();
  }
}
