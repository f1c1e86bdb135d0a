/**
 * Every core: `startCluster()` runs N worker processes that share the server's ports, with any
 * stream playable on every worker (lib/cluster/cluster-worker.ts). Call it from the script that
 * node runs; like node:cluster, the same script runs in the primary (which forks) and in each
 * worker (which serves), so the hooks in `server` are real functions in every worker.
 *
 *   const node = await startCluster({ workers: 4, server: { addr: ':1935', onPublish } });
 *   if (node.role === 'primary') process.on('SIGTERM', () => node.primary.close());
 */
import cluster from 'node:cluster';
import type { ServerConfig } from '../server/index.js';
import { ClusterPrimary, type ClusterPrimaryOptions } from './cluster-primary.js';
import { ClusterWorker } from './cluster-worker.js';

export { ClusterPrimary, type ClusterPrimaryOptions, type WorkerInfo, type ClusterPrimaryEvents } from './cluster-primary.js';
export { ClusterWorker, DEFAULT_RELAY_IDLE_TIMEOUT, workerMaxConnections, type ClusterWorkerOptions } from './cluster-worker.js';
export { StreamDirectory } from './stream-directory.js';
export type { DirectoryEntry } from './messages.js';

export interface ClusterOptions extends ClusterPrimaryOptions {
  /** The server each worker runs (or a function that makes it, called in the worker). */
  server: ServerConfig | (() => ServerConfig);
  /** ms a stream pulled from another worker stays up after its last local player left. Default 5000. */
  relayIdleTimeout?: number;
}

export type ClusterNode = { role: 'primary'; primary: ClusterPrimary } | { role: 'worker'; worker: ClusterWorker };

/** In the primary: forks and resolves once every worker listens. In a worker: serves and resolves once it listens. */
export async function startCluster(options: ClusterOptions): Promise<ClusterNode> {
  if (cluster.isPrimary) {
    const primary = new ClusterPrimary(options);
    await primary.start();
    return { role: 'primary', primary };
  }
  const server = typeof options.server === 'function' ? options.server() : options.server;
  const worker = new ClusterWorker({ server, relayIdleTimeout: options.relayIdleTimeout, logger: options.logger });
  await worker.start();
  return { role: 'worker', worker };
}
