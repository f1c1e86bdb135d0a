/**
 * `rtmp-server`: the library's Server from the command line. Flags follow the seed's example
 * server (`-addr`, `-max-connections`, `-require-auth -username -password`) plus chunk size,
 * recording, VOD, RTMPS and log level. Logs go to stderr; SIGINT/SIGTERM close it gracefully.
 */
import { readFileSync } from 'node:fs';
import { createStreamLogger, logValue, LogLevels, type LogLevel, type Logger } from '../logger.js';
import { DEFAULT_ADDR, DEFAULT_MAX_CONNECTIONS, DEFAULT_TLS_ADDR, Server, type ServerConfig } from '../server/index.js';
import { formatFlags, helpOrVersion, parseArgs, UsageError, type FlagSpecs, type ParsedFlags } from './args.js';
import { ExitCode, SERVER_EXIT_CODE_HELP } from './exit-codes.js';
import { versionLine } from './version.js';
import { runClusterCli } from './cluster-cli.js'; // [cluster-http]
import { drainOnSignal } from './drain-on-signal.js';

export const SERVER_FLAGS: FlagSpecs = {
  addr: { type: 'string', value: 'ADDR', help: "listen address: 'host:port', ':port' (every interface) or a port", default: DEFAULT_ADDR },
  'max-connections': { type: 'number', value: 'N', help: 'connections at once; more are refused at accept', default: String(DEFAULT_MAX_CONNECTIONS) },
  'require-auth': { type: 'boolean', help: 'require Adobe authentication (rtmp://user:pass@host/app in ffmpeg/OBS)' },
  username: { type: 'string', value: 'NAME', help: 'user name for --require-auth' },
  password: { type: 'string', value: 'PASS', help: 'password for --require-auth (or the RTMP_PASSWORD environment variable)' },
  'chunk-size': { type: 'number', value: 'BYTES', help: 'chunk size the server sends with', default: '4096' },
  'record-dir': { type: 'string', value: 'DIR', help: "where publish(name, 'record'|'append') writes <app>/<name>.flv" },
  'record-all': { type: 'boolean', help: 'with --record-dir: also record every live publish to <app>/<name>.flv' },
  'vod-dir': { type: 'string', value: 'DIR', help: 'play(name) streams <DIR>/<app>/<name>.flv on demand' },
  'tls-cert': { type: 'string', value: 'FILE', help: 'PEM certificate (chain) for an RTMPS listener' },
  'tls-key': { type: 'string', value: 'FILE', help: 'PEM private key for the RTMPS listener' },
  'tls-addr': { type: 'string', value: 'ADDR', help: 'RTMPS listen address', default: DEFAULT_TLS_ADDR },
  push: { type: 'string', value: 'URL', repeatable: true, help: 'republish every stream to rtmp[s]://host[:port]/app under its name (nginx-rtmp push)' },
  pull: { type: 'string', value: 'URL', repeatable: true, help: 'edge: a play of APP/NAME not published here pulls NAME from rtmp[s]://host[:port]/app' },
  'pull-idle-timeout': { type: 'duration', value: 'TIME', help: 'with --pull: stop an upstream this long after its last player left', default: '10s' },
  http: { type: 'string', value: 'ADDR', help: 'HTTP-FLV (/APP/NAME.flv), /api/streams, /api/connections and /metrics on this address' }, // [cluster-http]
  workers: { type: 'number', value: 'N', help: 'N worker processes share the ports; every stream plays on every worker' }, // [cluster-http]
  'log-level': { type: 'string', value: 'LEVEL', help: `${LogLevels.join(', ')}`, default: 'info' },
  'connect-timeout': { type: 'number', value: 'MS', help: 'close a client whose connect is not accepted this long after the handshake (0: never)', default: '10000' },
  'idle-timeout': { type: 'number', value: 'MS', help: 'close a connected client that neither publishes nor plays for this long (0: never)', default: '30000' },
  'max-name-length': { type: 'number', value: 'BYTES', help: 'longest app or stream name accepted', default: '1024' },
  help: { type: 'boolean', help: 'show this help (also -h)' },
  version: { type: 'boolean', help: 'print the version' },
};

export const SERVER_USAGE = `Usage: rtmp-server [flags]

An RTMP/RTMPS server: live streams from publishers (ffmpeg, OBS, rtmp-client) to players.
Flags may be written --flag value, --flag=value or -flag value.

${formatFlags(SERVER_FLAGS)}

Examples:
  rtmp-server
  rtmp-server --addr :1935 --max-connections 100
  rtmp-server --require-auth --username admin --password secret
  rtmp-server --tls-cert cert.pem --tls-key key.pem --tls-addr :443
  rtmp-server --push rtmp://a.rtmp.youtube.com/live2/KEY --push rtmp://backup:1935/live
  rtmp-server --addr :1936 --pull rtmp://origin:1935/live
  rtmp-server --workers 4 --http :8080

${SERVER_EXIT_CODE_HELP}
`;


export interface ServerCliPlan {
  config: ServerConfig;
  logLevel: LogLevel;
  /** [cluster-http] --workers: run as a cluster of this many workers. */
  workers?: number;
}

/**
 * Flags → Server config. `env` supplies RTMP_PASSWORD. Throws UsageError for bad combinations;
 * reading TLS files happens here too (their errors are not UsageErrors).
 */
export function serverPlanFromFlags(flags: ParsedFlags, env: NodeJS.ProcessEnv = {}): ServerCliPlan {
  const logLevel = String(flags['log-level'] ?? 'info') as LogLevel;
  if (!LogLevels.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LogLevels.join(', ')}`);
  const config: ServerConfig = { addr: (flags.addr as string | undefined) ?? DEFAULT_ADDR };
  const positiveInt = (name: string): number | undefined => {
    const v = flags[name] as number | undefined;
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new UsageError(`--${name} must be a whole number >= 1`);
    return v;
  };
  const nonNegativeInt = (name: string): number | undefined => {
    const v = flags[name] as number | undefined;
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new UsageError(`--${name} must be a whole number >= 0`);
    return v;
  };
  const connectTimeout = nonNegativeInt('connect-timeout');
  if (connectTimeout !== undefined) config.connectTimeout = connectTimeout;
  const idleTimeout = nonNegativeInt('idle-timeout');
  if (idleTimeout !== undefined) config.idleTimeout = idleTimeout;
  const maxNameLength = positiveInt('max-name-length');
  if (maxNameLength !== undefined) config.maxNameLength = maxNameLength;
  const maxConnections = positiveInt('max-connections');
  if (maxConnections !== undefined) config.maxConnections = maxConnections;
  const chunkSize = positiveInt('chunk-size');
  if (chunkSize !== undefined) {
    // RTMP 1.0 §5.4.1: 1 to 2^31-1; below 128 no real peer copes.
    if (chunkSize < 128 || chunkSize > 0x7fffffff) throw new UsageError('--chunk-size must be 128..2147483647');
    config.chunkSize = chunkSize;
  }
  const username = flags.username as string | undefined;
  const password = (flags.password as string | undefined) ?? env.RTMP_PASSWORD;
  if (flags['require-auth']) {
    if (!username || password === undefined || password === '') {
      throw new UsageError('--require-auth needs --username and --password (or RTMP_PASSWORD)');
    }
    config.auth = { username, password };
  } else if (username !== undefined || flags.password !== undefined) {
    throw new UsageError('--username/--password only apply with --require-auth');
  }
  if (flags['record-dir'] !== undefined) config.recordDir = flags['record-dir'] as string;
  if (flags['record-all']) {
    if (config.recordDir === undefined) throw new UsageError('--record-all needs --record-dir');
    config.recordAll = true;
  }
  if (flags['vod-dir'] !== undefined) config.vodDir = flags['vod-dir'] as string;
  const cert = flags['tls-cert'] as string | undefined;
  const key = flags['tls-key'] as string | undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (flags['tls-addr'] !== undefined && cert === undefined) throw new UsageError('--tls-addr needs --tls-cert and --tls-key');
  if (cert !== undefined && key !== undefined) {
    config.tls = { cert: readFileSync(cert), key: readFileSync(key), addr: (flags['tls-addr'] as string | undefined) ?? DEFAULT_TLS_ADDR };
  }
  // [relay] issue 13
  const push = flags.push as string[] | undefined;
  const pull = flags.pull as string[] | undefined;
  if (flags['pull-idle-timeout'] !== undefined && !pull) throw new UsageError('--pull-idle-timeout needs --pull');
  if (push || pull) {
    for (const url of [...(push ?? []), ...(pull ?? [])]) {
      if (!/^rtmps?:\/\/[^/]+\/[^/?]/i.test(url)) throw new UsageError(`--push/--pull need rtmp[s]://host[:port]/app, got ${JSON.stringify(url)}`);
    }
    config.relay = {};
    if (push) config.relay.push = push;
    if (pull) config.relay.pull = pull;
    if (flags['pull-idle-timeout'] !== undefined) config.relay.idleTimeout = flags['pull-idle-timeout'] as number;
  }
  if (flags.http !== undefined) config.http = flags.http as string; // [cluster-http]
  const workers = positiveInt('workers');
  return { config, logLevel, ...(workers !== undefined ? { workers } : {}) };
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Where SIGINT/SIGTERM come from (the process; a test double in tests). */
  signals: NodeJS.EventEmitter;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process });

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Runs the server until SIGINT/SIGTERM; resolves with the exit code. */
export async function runServerCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const asked = helpOrVersion(argv);
  if (asked) {
    io.stdout.write(asked === 'help' ? SERVER_USAGE : versionLine('rtmp-server'));
    return ExitCode.Ok;
  }
  let plan: ServerCliPlan;
  try {
    const flags = parseArgs(argv, SERVER_FLAGS);
    if (flags.help) {
      io.stdout.write(SERVER_USAGE);
      return ExitCode.Ok;
    }
    plan = serverPlanFromFlags(flags, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`rtmp-server: ${err.message}\nTry rtmp-server --help.\n`);
      return ExitCode.Usage;
    }
    io.stderr.write(`rtmp-server: ${(err as Error).message}\n`);
    return ExitCode.Io;
  }
  const log: Logger = createStreamLogger(plan.logLevel, io.stderr);
  if (plan.workers !== undefined) return runClusterCli(plan, log, io); // [cluster-http] lib/cli/cluster-cli.ts
  let server: Server;
  try {
    server = new Server({ ...plan.config, logger: log });
  } catch (err) {
    io.stderr.write(`rtmp-server: ${(err as Error).message}\n`);
    return ExitCode.Usage;
  }
  const who = (conn: { id: string; remoteAddress?: string | undefined; remotePort?: number | undefined }): string =>
    `#${conn.id} ${conn.remoteAddress ?? '?'}:${conn.remotePort ?? '?'}`;
  server.on('connect', (conn, info) => log.info(`connect ${who(conn)} app=${logValue(info.app)}${info.username ? ` user=${logValue(info.username)}` : ''}`));
  server.on('publish', (conn, name, type) => log.info(`publish ${who(conn)} ${logValue(`${conn.app}/${name}`)} (${type})`));
  server.on('unpublish', (conn, name) => log.info(`unpublish ${who(conn)} ${logValue(`${conn.app}/${name}`)}`));
  server.on('play', (conn, name) => log.info(`play ${who(conn)} ${logValue(`${conn.app}/${name}`)}`));
  server.on('disconnect', (conn) => log.debug(`disconnect ${who(conn)}`));
  server.on('refused', (address) => log.warn(`refused ${address ?? '?'}: too many connections`));
  server.on('error', (err, conn) => log.debug(`${conn ? `connection ${conn.id}` : 'server'}: ${logValue(err.message)}`));
  // [relay] each relay's state changes, with why it retries
  const relayLog = (s: { app: string; name: string; url: string; state: string; error?: Error; retryIn?: number }, arrow: string): void =>
    (s.state === 'retrying' ? log.warn : log.info).call(log, `relay ${s.app}/${s.name} ${arrow} ${s.url}: ${s.state}${s.error ? ` (${logValue(s.error.message)})` : ''}${s.retryIn !== undefined ? `, retry in ${s.retryIn} ms` : ''}`);
  server.relay?.on('push', (status) => relayLog(status, '->'));
  server.relay?.on('pull', (status) => relayLog(status, '<-'));

  try {
    await server.listen();
  } catch (err) {
    io.stderr.write(`rtmp-server: cannot listen on ${plan.config.addr}: ${(err as Error).message}\n`);
    return ExitCode.Connect;
  }
  // Where it listens is printed at every level but silent: with port 0 it is the only way to know.
  const announce = (text: string): void => {
    if (plan.logLevel === 'silent') return;
    if (plan.logLevel === 'debug' || plan.logLevel === 'info') log.info(text);
    else io.stderr.write(`${text}\n`);
  };
  const a = server.address()!;
  announce(`rtmp-server listening on rtmp://${displayHost(a.address)}:${a.port}${plan.config.auth ? ' (authentication required)' : ''}`);
  const t = server.tlsAddress();
  if (t) announce(`rtmp-server listening on rtmps://${displayHost(t.address)}:${t.port}`);
  const h = server.http?.address(); // [cluster-http]
  if (h) announce(`rtmp-server http on http://${displayHost(h.address)}:${h.port}`);

  return drainOnSignal(io.signals, log, () => `shutting down (${server.connectionCount} connections)`, () => server.close({ timeout: 5000 }));
}
