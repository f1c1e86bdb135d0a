/**
 * `rtmp-server --workers N`: the same command line runs as the cluster primary (it forks N
 * workers running this same command line, announces where they listen, drains them on
 * SIGINT/SIGTERM) and as each worker (it serves; SIGINT is the primary's to handle, since a
 * terminal's Ctrl-C reaches the whole process group; SIGTERM drains that worker alone, and the
 * primary replaces it).
 */
import cluster from 'node:cluster';
import { logValue, type Logger } from '../logger.js';
import { ClusterPrimary, ClusterWorker } from '../cluster/index.js';
import { drainOnSignal } from './drain-on-signal.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo, ServerCliPlan } from './server-cli.js';

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function runClusterCli(plan: ServerCliPlan, log: Logger, io: CliIo): Promise<number> {
  return cluster.isPrimary ? runPrimary(plan, log, io) : runWorker(plan, log, io);
}

async function runWorker(plan: ServerCliPlan, log: Logger, io: CliIo): Promise<number> {
  let worker: ClusterWorker;
  try {
    worker = new ClusterWorker({ server: { ...plan.config, logger: log } });
  } catch (err) {
    io.stderr.write(`rtmp-server: ${(err as Error).message}\n`);
    return ExitCode.Usage;
  }
  const server = worker.server;
  const who = (conn: { id: string; remoteAddress?: string | undefined; remotePort?: number | undefined }): string =>
    `worker ${worker.id} #${conn.id} ${conn.remoteAddress ?? '?'}:${conn.remotePort ?? '?'}`;
  server.on('publish', (conn, name, type) => log.info(`publish ${who(conn)} ${logValue(`${conn.app}/${name}`)} (${type})`));
  server.on('unpublish', (conn, name) => log.info(`unpublish ${who(conn)} ${logValue(`${conn.app}/${name}`)}`));
  server.on('play', (conn, name) => log.info(`play ${who(conn)} ${logValue(`${conn.app}/${name}`)}`));
  server.on('error', (err, conn) => log.debug(`${conn ? `connection ${conn.id}` : 'server'}: ${logValue(err.message)}`));
  try {
    await worker.start();
  } catch (err) {
    io.stderr.write(`rtmp-server: worker ${worker.id} cannot listen: ${(err as Error).message}\n`);
    return ExitCode.Connect;
  }
  return new Promise<number>((resolve) => {
    const onInt = (): void => {};
    const onTerm = (): void => {
      log.info(`worker ${worker.id}: SIGTERM: draining`);
      void worker.stop().then(() => resolve(ExitCode.Ok));
    };
    io.signals.on('SIGINT', onInt);
    io.signals.on('SIGTERM', onTerm);
  });
}

async function runPrimary(plan: ServerCliPlan, log: Logger, io: CliIo): Promise<number> {
  const primary = new ClusterPrimary({ workers: plan.workers!, logger: log });
  try {
    await primary.start();
  } catch (err) {
    io.stderr.write(`rtmp-server: ${(err as Error).message}\n`);
    await primary.close({ timeout: 1000 });
    return ExitCode.Connect;
  }
  const announce = (text: string): void => {
    if (plan.logLevel === 'silent') return;
    if (plan.logLevel === 'debug' || plan.logLevel === 'info') log.info(text);
    else io.stderr.write(`${text}\n`);
  };
  const host = displayHost(primary.rtmpHost ?? '?');
  announce(`rtmp-server listening on rtmp://${host}:${primary.rtmpPort} (${plan.workers} workers)${plan.config.auth ? ' (authentication required)' : ''}`);
  if (primary.tlsPort) announce(`rtmp-server listening on rtmps://${host}:${primary.tlsPort}`);
  if (primary.httpPort) announce(`rtmp-server http on http://${displayHost(primary.httpHost ?? '?')}:${primary.httpPort}`);
  return drainOnSignal(io.signals, log, () => `draining ${primary.workerInfos.length} workers`, () => primary.close({ timeout: 5000 }));
}
