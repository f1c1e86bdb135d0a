/**
 * The server's HTTP side, on node's own `http`: HTTP-FLV playback, the stats API and Prometheus
 * metrics for one `Server`.
 *
 *   GET /APP/NAME.flv    the live stream as FLV (lib/http/http-flv.ts)
 *   GET /api/streams     every live stream: publisher, codecs, bitrate, players and their drops
 *   GET /api/connections every connection (RTMP, RTMPS, HTTP-FLV)
 *   GET /metrics         Prometheus text (lib/http/metrics.ts)
 *
 * An HTTP-FLV request goes through the RTMP hooks as a play would: onConnect (with the URL's app,
 * query and an http:// tcUrl), then onPlay; a throw refuses it with 403 (or the error's
 * `httpStatus`). A server with `auth` (the Adobe challenge, which HTTP cannot carry) refuses
 * HTTP-FLV with 401: authorize HTTP players in the hooks instead (a token in the query).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { silentLogger, type Logger } from '../logger.js';
import { parseAddr, type Server, type ConnectInfo, type ServerConnection, parseQuery } from '../server/index.js';
import { HttpFlvPlayer, parseFlvPath } from './http-flv.js';
import { METRICS_CONTENT_TYPE, renderSnapshots, type MetricSample } from './metrics.js';
import { ServerStats, type WorkerSnapshot } from './stats-api.js';

export interface HttpServerOptions {
  /** Listen address: 'host:port', ':port' or a port; port 0 picks a free one. */
  addr: string | number;
  /** Bytes an HTTP-FLV player may have queued before it drops to the next keyframe. Default: the server's maxPlayerBacklog. */
  maxPlayerBacklog?: number;
  /** A memory budget to report in /metrics and the stats (another layer's): limit and use in bytes. */
  budget?: () => { limitBytes: number; usedBytes: number } | undefined;
  /** More series for /metrics. */
  extraMetrics?: () => MetricSample[];
  /** Where the stats come from. Default: this process; with workers, every worker (lib/cluster). */
  collect?: () => Promise<WorkerSnapshot[]>;
  /** The worker id shown in the stats (lib/cluster sets it). */
  worker?: number | null;
  logger?: Logger;
}

export interface HttpServerEvents {
  /** An HTTP-FLV player joined its stream (after the hooks). */
  play: [player: HttpFlvPlayer];
  /** An HTTP-FLV player's response ended. */
  end: [player: HttpFlvPlayer];
}

/** A hook's refusal may choose the HTTP status. */
interface HttpRefusal {
  httpStatus?: unknown;
  message?: unknown;
}

export class HttpServer extends EventEmitter<HttpServerEvents> {
  readonly stats: ServerStats;
  private readonly http: http.Server;
  private readonly logger: Logger;
  private nextId = 1;
  private closing: Promise<void> | undefined;

  constructor(
    readonly server: Server,
    readonly options: HttpServerOptions,
  ) {
    super();
    parseAddr(options.addr);
    this.logger = options.logger ?? silentLogger;
    this.stats = new ServerStats(server, options.worker ?? null);
    this.stats.budget = options.budget;
    this.http = http.createServer((req, res) => this.route(req, res));
    // Players stream for hours: no request timeout; idle keep-alive sockets still time out.
    this.http.requestTimeout = 0;
  }

  address(): net.AddressInfo | undefined {
    const a = this.http.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  listen(): Promise<void> {
    const { host, port } = parseAddr(this.options.addr);
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        this.http.on('error', (err) => this.logger.warn(`http: ${err.message}`));
        this.logger.info(`http listening on ${JSON.stringify(this.http.address())}`);
        resolve();
      });
    });
  }

  /** Stops listening, ends every HTTP-FLV response (after what is queued), closes the sockets. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      for (const player of [...this.stats.httpPlayers]) player.finish();
      if (!this.http.listening) return resolve();
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      // Responses just ended flush and then close; anything left at the deadline goes.
      setTimeout(() => this.http.closeAllConnections(), 2000).unref();
    });
    return this.closing;
  }

  /** Stats of every process that serves (one, or every worker). */
  collect(): Promise<WorkerSnapshot[]> {
    return this.options.collect ? this.options.collect() : Promise.resolve([this.stats.snapshot()]);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers': '*' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n');
    const path = url.pathname;
    if (path === '/api/streams' || path === '/api/connections' || path === '/metrics') {
      this.collect().then(
        (snapshots) => {
          if (path === '/metrics') return send(res, 200, METRICS_CONTENT_TYPE, renderSnapshots(snapshots, this.options.extraMetrics?.() ?? []));
          const workers = snapshots.map((s) => ({ worker: s.worker, pid: s.pid, totals: s.totals }));
          const body = path === '/api/streams' ? { streams: snapshots.flatMap((s) => s.streams) } : { connections: snapshots.flatMap((s) => s.connections) };
          send(res, 200, 'application/json', `${JSON.stringify({ ...body, workers }, null, 2)}\n`);
        },
        (err: Error) => plain(res, 503, `stats unavailable: ${err.message}\n`),
      );
      return;
    }
    const stream = parseFlvPath(path);
    if (stream) {
      void this.playFlv(req, res, url, stream.app, stream.name);
      return;
    }
    plain(res, 404, 'not found\n');
  }

  private async playFlv(req: http.IncomingMessage, res: http.ServerResponse, url: URL, app: string, name: string): Promise<void> {
    const server = this.server;
    if (server.authenticator) return plain(res, 401, 'this server requires RTMP authentication; HTTP-FLV is authorized by the hooks only\n');
    const query = parseQuery(url.search.slice(1));
    const host = req.headers.host ?? 'localhost';
    const tcUrl = `http://${host}/${app}`;
    const player = new HttpFlvPlayer(
      `http-${this.nextId++}`,
      app,
      name,
      query,
      tcUrl,
      req,
      res,
      this.options.maxPlayerBacklog ?? server.settings.maxPlayerBacklog,
      (p) => {
        server.registry.unsubscribe(p.subscriber);
        this.stats.httpPlayerEnded(p);
        this.emit('end', p);
      },
    );
    // The hooks get the player where they get a ServerConnection: it has the fields they read
    // (id, app, query, remoteAddress, remotePort, tcUrl).
    const asConnection = player as unknown as ServerConnection;
    const info: ConnectInfo = { app, tcUrl, query, objectEncoding: 0, commandObject: { app, tcUrl }, args: [] };
    try {
      await server.hooks.onConnect?.(asConnection, info);
      await server.hooks.onPlay?.(asConnection, name, { query, requestedName: name });
    } catch (err) {
      const refusal = err as HttpRefusal;
      const status = typeof refusal.httpStatus === 'number' ? refusal.httpStatus : 403;
      this.logger.info(`http-flv ${player.id} ${app}/${name} refused: ${String(refusal.message ?? err)}`);
      return plain(res, status, `refused: ${String(refusal.message ?? 'forbidden')}\n`);
    }
    if (res.destroyed || player.closed || server.state !== 'listening') return plain(res, 503, 'server is closing\n');
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'video/x-flv', 'Access-Control-Allow-Origin': '*' });
      res.end();
      return;
    }
    this.stats.httpPlayers.add(player);
    const worker = this.options.worker;
    this.logger.info(`http-flv play${worker !== undefined && worker !== null ? ` worker ${worker}` : ''} ${player.id} ${player.remoteAddress ?? '?'}:${player.remotePort ?? '?'} ${app}/${name}`);
    player.start(server.registry);
    this.emit('play', player);
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-cache' });
  res.end(body);
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}
