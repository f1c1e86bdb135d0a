/**
 * Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time per function (name, file,
 * line), busiest first, and self time per file, with '(idle)' left out of the percentages.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads, shared by processes). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: ProfileRow[];
  files: ProfileRow[];
}

/** A span of the monotonic clock in microseconds (`monotonicMicros()` in any process). */
export interface ProfileWindow {
  from: number;
  to: number;
}

/** Now on the clock V8 stamps profile samples with, in microseconds. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** With `window`, only the samples taken inside it count (e.g. the measured phase of a bench). */
export function summarizeProfile(file: string, top = 20, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const perFunction = new Map<string, number>();
  const perFile = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // timeDeltas[i] is the time since the previous sample: it belongs to sample i-1.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (window && (at < window.from || at > window.to)) continue;
    const frame = byId.get(profile.samples[i]!)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const where = frame.url ? basename(frame.url.replace(/^file:\/\//, '')) : '';
    const key = `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + us);
    const fileKey = where || frame.functionName || '(native)';
    perFile.set(fileKey, (perFile.get(fileKey) ?? 0) + us);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / Math.max(1, busy) }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, functions: rows(perFunction), files: rows(perFile) };
}

export function formatProfile(summary: ProfileSummary, top = 15): string {
  const lines = [`busy ${summary.busyMs.toFixed(0)} ms (idle ${summary.idleMs.toFixed(0)} ms)`, '', '| self ms | % busy | function |', '| ---: | ---: | --- |'];
  for (const r of summary.functions.slice(0, top)) lines.push(`| ${r.ms.toFixed(0)} | ${r.percent.toFixed(1)} | ${r.name.replace(/\|/g, '\\|')} |`);
  lines.push('', '| self ms | % busy | file |', '| ---: | ---: | --- |');
  for (const r of summary.files.slice(0, 10)) lines.push(`| ${r.ms.toFixed(0)} | ${r.percent.toFixed(1)} | ${r.name} |`);
  return lines.join('\n');
}

/** A node of a sampling heap profile (HeapProfiler.stopSampling). */
export interface HeapSampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapSampleNode[];
}

/** Sampled bytes per allocating function (with its caller), largest first. */
export function formatHeapSample(root: { head?: HeapSampleNode } | HeapSampleNode | undefined, top = 20): string {
  const head = root && 'head' in root ? root.head : (root as HeapSampleNode | undefined);
  if (!head) return '(no heap sample)';
  const bySite = new Map<string, number>();
  let total = 0;
  const name = (n: HeapSampleNode): string =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${basename(n.callFrame.url.replace(/^file:\/\//, ''))}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  const walk = (n: HeapSampleNode, parent: string): void => {
    if (n.selfSize > 0) {
      const key = `${name(n)} ← ${parent}`;
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, name(n));
  };
  walk(head, '(root)');
  const lines = [`sampled bytes that outlived a scavenge: ${(total / 1024).toFixed(0)} KiB`, '', '| KiB | % | allocated in ← called from |', '| ---: | ---: | --- |'];
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`| ${(bytes / 1024).toFixed(0)} | ${((100 * bytes) / Math.max(1, total)).toFixed(1)} | ${site.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}
