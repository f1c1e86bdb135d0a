/**
 * `Server`: TCP (and optionally TLS, for rtmps) listeners, the connection table, limits, hooks and
 * the live stream registry.
 *
 *   accept ─▶ maxConnections check (refused sockets are closed before the handshake)
 *          ─▶ handshake (handshakeTimeout) ─▶ ServerConnection.start() ─▶ 'connection'
 *          ─▶ connect (onConnect) ─▶ 'connect' ─▶ publish/play (onPublish/onPlay) ─▶ 'publish'/'play'
 *          ─▶ socket closes ─▶ 'unpublish' (if publishing) ─▶ onDisconnect ─▶ 'disconnect'
 *
 * Hooks may be async; a throw or rejection refuses the request before anything starts. An error
 * may carry a `statusCode` string to choose the status code sent back.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { ErrorCode, SessionError } from '../errors.js';
import { performServerHandshake } from '../handshake/index.js';
import { ConnectAuthenticator, type ServerAuthOption } from '../auth/index.js';
import { logValue, silentLogger, type Logger } from '../logger.js';
import { installSeedAliases, serverSeedAliases, type ServerSeedAliases } from '../seed-aliases.js';
import type { Message } from '../message/index.js';
import { type ConnectionLimits, boundedClose, closeOptions, type CloseOptions, isPeerGone, type StageSplices } from '../session/index.js';
import type { GopCacheLimits } from './gop-cache.js';
import {
  DEFAULT_MAX_STREAMS_PER_CONNECTION,
  ServerConnection,
  type ServerCommandHandler,
  type ConnectInfo,
  type ServerHost,
} from './server-connection.js';
import { StreamRegistry, type StreamType } from './stream-registry.js';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT } from './phase-deadlines.js';
import { DEFAULT_MAX_NAME_LENGTH } from './stream-name.js';
import type { StreamRequestInfo } from './stream-query.js';
// Recording and VOD: options, the server's recordings and VOD library.
import { Recordings, type RecordingConfig } from './recorder.js';
import { VodLibrary, type VodConfig } from './vod.js';
import { DEFAULT_MAX_PLAYER_BACKLOG } from './subscriber.js';
import { isPromiseLike, type EnhancedCapabilities } from '../command/index.js';
import { resolveServerCapabilities, type ServerEnhancedOptions } from './enhanced.js';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget } from './memory-budget.js';
import { resolveFanoutLimits, type FanoutFlowLimits } from './fanout-flow.js';
import { Relay, type RelayHost, type RelayOptions } from './relay/index.js'; // [relay] issue 13
// [http] HTTP-FLV, stats API and metrics (issue 13): lib/http/
import { HttpServer, type HttpServerOptions } from '../http/index.js';

/** User stages for one connection, per direction and boundary. */
export interface ConnectionStages {
  inbound?: StageSplices;
  outbound?: StageSplices;
}

export interface ServerLimits extends ConnectionLimits {
  /** Message streams (createStream) per connection. Default 16. */
  maxStreamsPerConnection?: number;
  /** Bytes a player may have queued before it drops media until the next keyframe. Default 4 MiB. */
  maxPlayerBacklog?: number;
  /**
   * Fan-out flow control: while most of a stream's players are full, stop reading its publisher
   * instead of dropping (`pausePublisher`, `pauseAt`, `pauseShare`, `resumeShare`, `ackWindow`; see docs/flow-control.md).
   */
  fanout?: FanoutFlowLimits;
  /** GOP cache bounds per stream (payload bytes default 16 MiB, frames default 4096). */
  gopCache?: GopCacheLimits;
  /**
   * Bytes of partial inbound messages and outbound backlogs across all connections; over it the
   * connection holding the most is closed (ERR_MEMORY_BUDGET). 0 = no cap. Default 256 MiB
   * (see docs/robustness-memory.md).
   */
  memoryBudget?: number;
}

export interface ServerTlsOptions extends tls.TlsOptions {
  /** PEM private key. */
  key: tls.TlsOptions['key'];
  /** PEM certificate (chain). */
  cert: tls.TlsOptions['cert'];
  /** Where the TLS listener listens: 'host:port', ':port' or a port. Default ':443'. */
  addr?: string | number;
}

export interface ServerConfig extends RecordingConfig, VodConfig {
  /** Listen address: 'host:port', ':port' (every interface) or a port number; port 0 picks a free one. Default ':1935'. */
  addr?: string | number;
  /** ms without a byte from a client before it is pinged; twice that closes it. 0 = never. Default 30,000. */
  readTimeout?: number;
  /** ms a write may make no progress before the connection closes. 0 = never. Default 30,000. */
  writeTimeout?: number;
  /** ms for the RTMP handshake (and the TLS one). Default 10,000. */
  handshakeTimeout?: number;
  /** ms from the end of the handshake to an accepted connect; bytes arriving do not extend it. 0 = never. Default 10,000. */
  connectTimeout?: number;
  /** ms a connected client may go without publishing or playing (again after it stops). 0 = never. Default 30,000. */
  idleTimeout?: number;
  /** Longest app or stream name in UTF-8 bytes (tcUrl: twice that); longer ones are refused. Default 1024. */
  maxNameLength?: number;
  /** Chunk size the server sends with (announced after connect). Default 4096. */
  chunkSize?: number;
  /** Window acknowledgement size and peer bandwidth announced after connect. Default 2,500,000. */
  windowAckSize?: number;
  /** Connections at once (handshaking ones included); more are closed at accept. Default 1000. */
  maxConnections?: number;
  /** Console/pino-compatible logger. Silent by default. */
  logger?: Logger;
  /** RTMPS: a TLS listener beside the plain one. */
  tls?: ServerTlsOptions;
  /** User stages for each connection: an object, or a function called per connection (return fresh streams). */
  stages?: ConnectionStages | ((conn: ServerConnection) => ConnectionStages | undefined);
  limits?: ServerLimits;
  /** Keep metadata, sequence headers and the last GOP for late joiners. Default true. */
  gopCache?: boolean;
  /**
   * Require authentication (Adobe challenge, as ffmpeg/OBS do for rtmp://user:pass@host/app):
   * `{ username, password }`, a list of them, a `(username) => password` lookup, or AuthOptions.
   * Checked before onConnect, which still decides everything else.
   */
  auth?: ServerAuthOption;
  /**
   * Enhanced RTMP v2: what the connect `_result` states to clients that sent Enhanced fields
   * (fourCcList, ...FourCcInfoMap, capsEx). Default: forwards every codec, capsEx Multitrack|ModEx.
   * `false`: every client gets the legacy reply.
   */
  enhanced?: ServerEnhancedOptions | false;
  /** [relay] Push every publish to other servers and/or pull plays of unknown streams from an origin (lib/server/relay). */
  relay?: RelayOptions;
  /** [http] HTTP-FLV, /api/streams, /api/connections and /metrics on this address ('host:port') or with these options. */
  http?: string | number | HttpServerOptions;
  onConnect?(conn: ServerConnection, info: ConnectInfo): void | Promise<void>;
  onDisconnect?(conn: ServerConnection): void | Promise<void>;
  /** `info.query`: the parsed query of the requested name (`key?token=abc`); `streamName` is without it. */
  onPublish?(conn: ServerConnection, streamName: string, streamType: StreamType, info: StreamRequestInfo): void | Promise<void>;
  onPlay?(conn: ServerConnection, streamName: string, info: StreamRequestInfo): void | Promise<void>;
  onMessage?(conn: ServerConnection, message: Message): void | Promise<void>;
}

export type ServerState = 'idle' | 'listening' | 'closing' | 'closed';

export const DEFAULT_ADDR = ':1935';
export const DEFAULT_TLS_ADDR = ':443';
export const DEFAULT_MAX_CONNECTIONS = 1000;

export interface ServerEvents {
  /** A client finished the handshake. */
  connection: [conn: ServerConnection];
  /** A client's connect was accepted. */
  connect: [conn: ServerConnection, info: ConnectInfo];
  publish: [conn: ServerConnection, streamName: string, streamType: StreamType, info: StreamRequestInfo];
  play: [conn: ServerConnection, streamName: string, info: StreamRequestInfo];
  unpublish: [conn: ServerConnection, streamName: string];
  disconnect: [conn: ServerConnection, err: Error | undefined];
  /** A socket refused at accept because of maxConnections. */
  refused: [remoteAddress: string | undefined];
  /** Listener errors, and connection errors (with the connection). Only emitted when someone listens. */
  error: [err: Error, conn?: ServerConnection];
}

/** Parses 'host:port', '[v6]:port', ':port', 'port' or a number. */
export function parseAddr(addr: string | number): { host: string | undefined; port: number } {
  if (typeof addr === 'number') return { host: undefined, port: checkPort(addr, addr) };
  const text = addr.trim();
  const at = text.lastIndexOf(':');
  if (at < 0) return { host: undefined, port: checkPort(Number(text), addr) };
  let host = text.slice(0, at);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port: checkPort(Number(text.slice(at + 1)), addr) };
}

function checkPort(port: number, addr: string | number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SessionError(ErrorCode.INVALID_OPTION, `invalid listen address ${JSON.stringify(addr)}: need host:port, :port or a port`);
  }
  return port;
}

/** An error's stable code (`ERR_*` for ours, `ECONNRESET` and the like for socket errors). */
function errorCode(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

function checkNonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new SessionError(ErrorCode.INVALID_OPTION, `${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return v;
}

/** start/stop/getConnections/getConnectionCount: the seed's names, in lib/seed-aliases.ts. */
export interface Server extends ServerSeedAliases<ServerConnection, CloseOptions> {}
export class Server extends EventEmitter<ServerEvents> implements ServerHost {
  readonly config: ServerConfig;
  readonly registry: StreamRegistry;
  /** Recordings (`recordDir`): undefined without one. */
  readonly recordings: Recordings | undefined;
  /** VOD files and players (`vodDir`): undefined without one. */
  readonly vod: VodLibrary | undefined;
  readonly settings: ServerHost['settings'];
  readonly hooks: ServerHost['hooks'];
  readonly authenticator: ConnectAuthenticator | undefined;
  /** The Enhanced RTMP answer to connect (see `enhanced`), or false. */
  readonly enhanced: EnhancedCapabilities | false;
  /** The server-wide memory budget (`limits.memoryBudget`): `memory.stats()` for its counters. */
  readonly memory: MemoryBudget;
  /** [relay] The push/pull relays (`relay` option): undefined without one. */
  readonly relay: Relay | undefined;
  /** [http] The HTTP side (`http` option): undefined without one. */
  readonly http: HttpServer | undefined;
  private readonly logger: Logger;
  private readonly handlers = new Map<string, ServerCommandHandler>();
  private readonly connectionTable = new Map<string, ServerConnection>();
  private readonly sockets = new Set<Duplex>();
  private readonly netServers: net.Server[] = [];
  private plain: net.Server | undefined;
  private secure: tls.Server | undefined;
  private stateValue: ServerState = 'idle';
  private closing: Promise<void> | undefined;
  private closeResult: Promise<void> | undefined;
  private nextId = 1;
  private readonly maxConnections: number;
  private readonly handshakeTimeout: number;

  constructor(config: ServerConfig = {}) {
    super();
    this.config = config;
    this.logger = config.logger ?? silentLogger;
    // Validate up front: a bad option fails here, not at the first connection.
    parseAddr(config.addr ?? DEFAULT_ADDR);
    if (config.tls) parseAddr(config.tls.addr ?? DEFAULT_TLS_ADDR);
    this.maxConnections = checkNonNegative('maxConnections', config.maxConnections, DEFAULT_MAX_CONNECTIONS);
    this.handshakeTimeout = checkNonNegative('handshakeTimeout', config.handshakeTimeout, 10_000);
    checkNonNegative('readTimeout', config.readTimeout, 0);
    checkNonNegative('writeTimeout', config.writeTimeout, 0);
    const limits = config.limits ?? {};
    this.settings = {
      chunkSize: checkNonNegative('chunkSize', config.chunkSize, 4096) || 4096,
      windowAckSize: checkNonNegative('windowAckSize', config.windowAckSize, 2_500_000) || 2_500_000,
      maxPlayerBacklog: checkNonNegative('limits.maxPlayerBacklog', limits.maxPlayerBacklog, DEFAULT_MAX_PLAYER_BACKLOG),
      maxStreamsPerConnection: checkNonNegative('limits.maxStreamsPerConnection', limits.maxStreamsPerConnection, DEFAULT_MAX_STREAMS_PER_CONNECTION),
      connectTimeout: checkNonNegative('connectTimeout', config.connectTimeout, DEFAULT_CONNECT_TIMEOUT),
      idleTimeout: checkNonNegative('idleTimeout', config.idleTimeout, DEFAULT_IDLE_TIMEOUT),
      maxNameLength: checkNonNegative('maxNameLength', config.maxNameLength, DEFAULT_MAX_NAME_LENGTH) || DEFAULT_MAX_NAME_LENGTH,
    };
    this.hooks = {
      onConnect: config.onConnect,
      onPublish: config.onPublish,
      onPlay: config.onPlay,
      onMessage: config.onMessage,
    };
    this.memory = new MemoryBudget(limits.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
    this.authenticator = config.auth ? new ConnectAuthenticator(config.auth) : undefined;
    this.enhanced = resolveServerCapabilities(config.enhanced);
    const flow = resolveFanoutLimits(limits.fanout, this.settings.maxPlayerBacklog, this.memory.limit);
    this.settings.playerAckWindow = flow.ackWindow;
    this.registry = new StreamRegistry({ gopCache: config.gopCache ?? true, gopCacheLimits: limits.gopCache, flow });
    this.recordings = config.recordDir ? new Recordings({ ...config, recordDir: config.recordDir, logger: this.logger }) : undefined;
    this.vod = config.vodDir ? new VodLibrary({ ...config, vodDir: config.vodDir, maxBacklog: this.settings.maxPlayerBacklog, logger: this.logger }) : undefined;
    // [relay]
    this.relay = config.relay ? new Relay(this as RelayHost, config.relay, { logger: this.logger, maxBacklog: this.settings.maxPlayerBacklog }) : undefined;
    const http = typeof config.http === 'object' ? config.http : config.http !== undefined ? { addr: config.http } : undefined; // [http]
    this.http = http ? new HttpServer(this, { logger: this.logger, ...http }) : undefined;
  }

  get state(): ServerState {
    return this.stateValue;
  }

  /** Live connections (handshake done), oldest first. */
  get connections(): ServerConnection[] {
    return [...this.connectionTable.values()];
  }

  get connectionCount(): number {
    return this.connectionTable.size;
  }


  /** Where the plain listener listens (the real port when addr asked for port 0). */
  address(): net.AddressInfo | undefined {
    const a = this.plain?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Where the TLS listener listens. */
  tlsAddress(): net.AddressInfo | undefined {
    const a = this.secure?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Answer a custom command: the handler's return value (or promise) is the `_result`, a throw the `_error`. */
  registerCommand(name: string, handler: ServerCommandHandler): this {
    this.handlers.set(name, handler);
    return this;
  }

  unregisterCommand(name: string): this {
    this.handlers.delete(name);
    return this;
  }

  commandHandler(name: string): ServerCommandHandler | undefined {
    return this.handlers.get(name);
  }

  /** Starts the listeners; resolves once they listen. */
  async listen(): Promise<void> {
    if (this.stateValue !== 'idle') throw new SessionError(ErrorCode.SERVER_STATE, `listen() on a server that is ${this.stateValue}`);
    this.stateValue = 'listening';
    try {
      this.plain = net.createServer((socket) => this.accept(socket, false));
      await this.startListener(this.plain, this.config.addr ?? DEFAULT_ADDR);
      if (this.config.tls) {
        const { addr, ...tlsOptions } = this.config.tls;
        this.secure = tls.createServer({ ...tlsOptions, handshakeTimeout: this.handshakeTimeout || undefined }, (socket) =>
          this.accept(socket, true),
        );
        this.secure.on('tlsClientError', (err) => this.logger.debug(`TLS handshake failed: ${logValue(err.message)}`));
        await this.startListener(this.secure, addr ?? DEFAULT_TLS_ADDR);
      }
      await this.http?.listen(); // [http]
    } catch (err) {
      for (const l of this.netServers) l.close();
      this.stateValue = 'closed';
      throw err;
    }
  }

  private startListener(listener: net.Server, addr: string | number): Promise<void> {
    const { host, port } = parseAddr(addr);
    this.netServers.push(listener);
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      listener.once('error', onError);
      listener.listen(port, host, () => {
        listener.off('error', onError);
        listener.on('error', (err) => this.reportError(err));
        this.logger.info(`rtmp${listener === this.secure ? 's' : ''} listening on ${JSON.stringify(listener.address())}`);
        resolve();
      });
    });
  }

  private accept(socket: net.Socket, secure: boolean): void {
    socket.on('error', (err) => this.logger.debug(`socket ${socket.remoteAddress}: ${logValue(err.message)}`));
    if (this.stateValue !== 'listening') {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= this.maxConnections) {
      // Refused before the handshake: existing connections are not touched.
      this.logger.warn(`refusing ${socket.remoteAddress}: maxConnections (${this.maxConnections}) reached`);
      socket.destroy();
      this.emit('refused', socket.remoteAddress);
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    performServerHandshake(socket, { timeout: this.handshakeTimeout }).then(
      (result) => {
        if (this.stateValue !== 'listening' || socket.destroyed) {
          socket.destroy();
          return;
        }
        this.startConnection(socket, secure, result.rest);
      },
      (err: Error) => {
        this.logger.debug(`handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${errorCode(err)} ${logValue(err.message)}`);
        socket.destroy();
      },
    );
  }

  private startConnection(socket: net.Socket, secure: boolean, rest: Buffer): void {
    const c = this.config;
    const memoryAccount = this.memory.open();
    const conn = new ServerConnection(socket, this, {
      memoryAccount,
      id: String(this.nextId++),
      secure,
      chunkSize: this.settings.chunkSize,
      windowAckSize: this.settings.windowAckSize,
      readTimeout: c.readTimeout,
      writeTimeout: c.writeTimeout,
      limits: c.limits,
      logger: this.logger,
    });
    try {
      const stages = typeof c.stages === 'function' ? c.stages(conn) : c.stages;
      if (stages) conn.connectionOptions.stages = stages;
      this.connectionTable.set(conn.id, conn);
      this.memory.attach(memoryAccount, conn);
      conn.once('close', () => this.memory.release(memoryAccount));
      conn.start(rest);
    } catch (err) {
      this.connectionTable.delete(conn.id);
      this.reportError(err as Error, conn);
      conn.destroy(err as Error);
      return;
    }
    this.emit('connection', conn);
  }

  notify(event: 'connect' | 'publish' | 'play' | 'unpublish', conn: ServerConnection, ...args: unknown[]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, conn, ...args);
    } catch (err) {
      this.logger.error(`a '${event}' listener threw: ${logValue((err as Error).message)}`);
    }
  }

  connectionClosed(conn: ServerConnection, err: Error | undefined): void {
    if (!this.connectionTable.delete(conn.id)) return;
    if (err) {
      // Why a peer was dropped, with the stable code first so operators (and the fault tests) can
      // match on it: `connection 7 (127.0.0.1:50123) closed: ERR_CHUNK_SIZE_INVALID chunk size ...`.
      // A peer that just left (ECONNRESET, EPIPE) is no news for operators: info.
      this.logger[isPeerGone(err) ? 'info' : 'warn'](`connection ${conn.id} (${conn.remoteAddress}:${conn.remotePort}) closed: ${errorCode(err)} ${logValue(err.message)}`);
      this.reportError(err, conn);
    }
    const done = (): void => {
      this.emit('disconnect', conn, err);
    };
    let result: unknown;
    try {
      result = this.config.onDisconnect?.(conn);
    } catch (hookErr) {
      this.logger.warn(`onDisconnect threw: ${logValue((hookErr as Error).message)}`);
    }
    if (isPromiseLike(result)) {
      result.then(done, (hookErr: Error) => {
        this.logger.warn(`onDisconnect rejected: ${logValue(hookErr.message)}`);
        done();
      });
    } else done();
  }

  private reportError(err: Error, conn?: ServerConnection): void {
    this.logger.debug(`${conn ? `connection ${conn.id}` : 'server'}: ${logValue(err.message)}`);
    if (this.listenerCount('error') > 0) this.emit('error', err, conn);
  }

  /**
   * Graceful shutdown: stop accepting, tell publishers (Unpublish.Success) and players
   * (Play.UnpublishNotify or Play.Stop, then Stream EOF), flush and close every connection.
   * Connections still open after `timeout` ms (default 5000; 0 = no deadline) are destroyed;
   * resolves once everything is closed. Aborting `signal` destroys them at once and rejects with
   * `signal.reason`. A later call returns the first call's promise.
   */
  close(options?: CloseOptions): Promise<void> {
    if (this.closeResult) return this.closeResult;
    let timeout: number;
    try {
      ({ timeout } = closeOptions(options));
    } catch (err) {
      return Promise.reject(err);
    }
    this.closeResult = boundedClose(
      () => this.shutdownOnce(timeout),
      () => {
        for (const conn of this.connections) conn.destroy();
        for (const socket of this.sockets) socket.destroy();
      },
      { ...options, timeout: 0 }, // each connection has the deadline (below)
    );
    return this.closeResult;
  }

  private shutdownOnce(timeout: number): Promise<void> {
    if (this.closing) return this.closing;
    if (this.stateValue === 'idle') {
      this.stateValue = 'closed';
      return Promise.resolve();
    }
    this.stateValue = 'closing';
    this.closing = this.shutdown(timeout).finally(() => {
      this.stateValue = 'closed';
    });
    return this.closing;
  }

  private async shutdown(deadline: number): Promise<void> {
    const listenersClosed = this.netServers.map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    // Sockets still in the handshake have nothing to be told.
    const connected = new Set(this.connections.map((c) => c.socket));
    for (const socket of this.sockets) if (!connected.has(socket)) socket.destroy();
    const relaysClosed = this.relay?.close(); // [relay] pushes flush and end, pulls stop
    this.registry.shutdown();
    const httpClosed = this.http?.close(); // [http] HTTP-FLV players end with their streams
    const vodStopped = this.vod?.shutdown(); // VOD players hear Play.Stop
    await Promise.all(this.connections.map((c) => c.close({ timeout: deadline })));
    await Promise.all([vodStopped, this.recordings?.closeAll(), relaysClosed]); // recordings flushed and closed
    for (const socket of this.sockets) socket.destroy();
    this.memory.stop();
    await Promise.all([...listenersClosed, httpClosed]);
  }
}
installSeedAliases(Server.prototype, serverSeedAliases);
