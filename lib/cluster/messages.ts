/**
 * What the primary and the workers say to each other over the cluster IPC channel. Every message
 * has `rtmp` set, so a user's own cluster messages pass by untouched.
 */
import type { WorkerSnapshot } from '../http/index.js';

/** Where a stream is published: the worker and its private loopback port. */
export interface DirectoryEntry {
  key: string;
  app: string;
  name: string;
  worker: number;
  port: number;
}

export type WorkerToPrimary =
  | { rtmp: 'ready'; internalPort: number; rtmpPort: number; rtmpHost: string; httpPort: number | null; httpHost: string | null; tlsPort: number | null }
  | { rtmp: 'claim'; id: number; app: string; name: string }
  | { rtmp: 'release'; app: string; name: string }
  /** Players here wait for a stream published nowhere yet (its publisher should wait for our relay). */
  | { rtmp: 'want'; app: string; name: string }
  | { rtmp: 'unwant'; app: string; name: string }
  | { rtmp: 'stats-request'; id: number }
  | { rtmp: 'stats-reply'; id: number; snapshot: WorkerSnapshot }
  | { rtmp: 'stopped' };

export type PrimaryToWorker =
  | { rtmp: 'claimed'; id: number; ok: boolean; worker: number | null; wanted: number[] }
  | { rtmp: 'directory'; entries: DirectoryEntry[] }
  | { rtmp: 'stats-collect'; id: number }
  | { rtmp: 'stats'; id: number; snapshots: WorkerSnapshot[] }
  | { rtmp: 'shutdown'; deadline: number };

export function isClusterMessage(value: unknown): value is { rtmp: string } {
  return value !== null && typeof value === 'object' && typeof (value as { rtmp?: unknown }).rtmp === 'string';
}

/** Environment variables the primary gives each worker. */
export const ENV_TOKEN = 'RTMP_PIPELINE_CLUSTER_TOKEN';
export const ENV_WORKER = 'RTMP_PIPELINE_CLUSTER_WORKER';
/** How many workers the cluster runs: the connection limit is shared among them. */
export const ENV_WORKERS = 'RTMP_PIPELINE_CLUSTER_WORKERS';
