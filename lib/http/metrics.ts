/**
 * Prometheus text exposition (format 0.0.4) of server snapshots. Each series carries a `worker`
 * label when the server runs with workers, so a scrape of any worker describes the whole cluster
 * (sum by nothing for the machine, by worker for the balance).
 *
 * Extra series (another layer's figures) come in through `extra` as ready samples.
 */
import type { WorkerSnapshot } from './stats-api.js';

export interface MetricSample {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
  labels?: Record<string, string>;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The series of one snapshot. */
export function snapshotSamples(snapshot: WorkerSnapshot): MetricSample[] {
  const t = snapshot.totals;
  const worker: Record<string, string> = snapshot.worker === null ? {} : { worker: String(snapshot.worker) };
  const samples: MetricSample[] = [];
  const add = (name: string, type: MetricSample['type'], help: string, value: number, labels: Record<string, string> = {}): void => {
    samples.push({ name, help, type, value, labels: { ...worker, ...labels } });
  };
  for (const [protocol, count] of Object.entries(t.connections)) {
    add('rtmp_connections', 'gauge', 'Open connections by protocol (cluster: internal worker-to-worker relays).', count, { protocol });
  }
  add('rtmp_connections_accepted_total', 'counter', 'RTMP connections that completed the handshake.', t.connectionsAccepted);
  add('rtmp_connections_refused_total', 'counter', 'Connections refused at accept (maxConnections).', t.connectionsRefused);
  add('rtmp_streams', 'gauge', 'Live streams with a publisher (a relayed stream counts on each worker that serves it).', t.streams);
  add('rtmp_players', 'gauge', 'Players of live streams (RTMP and HTTP-FLV, internal relays excluded).', t.players);
  add('rtmp_received_bytes_total', 'counter', 'Bytes received from clients.', t.bytesIn);
  add('rtmp_sent_bytes_total', 'counter', 'Bytes sent to clients.', t.bytesOut);
  add('rtmp_dropped_messages_total', 'counter', 'Media messages players lost to overflow (drop until keyframe).', t.droppedMessages);
  add('rtmp_dropped_bytes_total', 'counter', 'Payload bytes players lost to overflow.', t.droppedBytes);
  if (t.budget) {
    add('rtmp_memory_budget_bytes', 'gauge', 'Memory budget limit.', t.budget.limitBytes);
    add('rtmp_memory_budget_used_bytes', 'gauge', 'Memory budget in use.', t.budget.usedBytes);
  }
  add('rtmp_process_resident_memory_bytes', 'gauge', 'Resident set size of the server process.', t.residentMemoryBytes);
  add('rtmp_process_heap_used_bytes', 'gauge', 'V8 heap in use.', t.heapUsedBytes);
  return samples;
}

/** Renders samples: one HELP and TYPE per metric name, then its series. */
export function renderMetrics(samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const s of samples) {
    let list = byName.get(s.name);
    if (!list) byName.set(s.name, (list = []));
    list.push(s);
  }
  let out = '';
  for (const [name, list] of byName) {
    out += `# HELP ${name} ${escapeHelp(list[0]!.help)}\n# TYPE ${name} ${list[0]!.type}\n`;
    for (const s of list) out += `${name}${formatLabels(s.labels)} ${formatValue(s.value)}\n`;
  }
  return out;
}

export function renderSnapshots(snapshots: readonly WorkerSnapshot[], extra: readonly MetricSample[] = []): string {
  return renderMetrics([...snapshots.flatMap(snapshotSamples), ...extra]);
}

function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
