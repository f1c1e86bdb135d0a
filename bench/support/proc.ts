/**
 * Bench support: CPU seconds and memory of other processes from /proc, child processes that are
 * always killed (normal end, failure, SIGINT/SIGTERM), and small formatting helpers.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every common kernel). */
const CLOCK_TICKS = 100;

export interface ProcSample {
  /** utime + stime of every process in the tree, in seconds. */
  cpuSeconds: number;
  /** The utime part (user space). */
  userSeconds: number;
  /** The stime part (kernel: socket writes, page faults...). */
  systemSeconds: number;
  /**
   * CPU of each process's main thread (utime + stime), seconds: for Node, the event loop. The rest
   * of `cpuSeconds` is its other threads: V8's optimizing compiler and GC helpers, libuv's pool.
   */
  mainThreadSeconds: number;
  /** Minor page faults (first touches of fresh memory: paid in kernel time). */
  minorFaults: number;
  /** Sum of VmHWM (peak resident set) over the tree, bytes. */
  peakRssBytes: number;
  /** Sum of VmRSS now, bytes. */
  rssBytes: number;
  /** write/writev/sendmsg-type system calls so far (`syscw` of /proc/<pid>/io): how the bytes were batched. */
  writeCalls: number;
  /** Bytes those calls wrote (`wchar`). */
  writtenBytes: number;
}

/** Fields of a /proc stat file (a process's, or one thread's under /proc/<pid>/task). */
interface Stat {
  /** The command name (field 2). */
  comm: string;
  cpu: number;
  user: number;
  system: number;
  ppid: number;
  minorFaults: number;
}

function statOf(pid: number, path = `/proc/${pid}/stat`): Stat | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name (field 2) may hold spaces: fields after its closing parenthesis are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    const user = Number(fields[11]) / CLOCK_TICKS;
    const system = Number(fields[12]) / CLOCK_TICKS;
    // minflt is field 10.
    return { comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), ppid: Number(fields[1]), cpu: user + system, user, system, minorFaults: Number(fields[7]) };
  } catch {
    return undefined;
  }
}

/** `syscw` and `wchar` of /proc/<pid>/io (zero when it cannot be read). */
function ioOf(pid: number): { calls: number; bytes: number } {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (key: string): number => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { calls: field('syscw'), bytes: field('wchar') };
  } catch {
    return { calls: 0, bytes: 0 };
  }
}

function statusKb(pid: number, key: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** `pid` and its descendants (nginx's workers, a shell's child). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** Pages of memory the kernel's TCP sockets hold now, system-wide (`mem` of the TCP line of /proc/net/sockstat). */
export function tcpMemoryPages(): number {
  try {
    return Number(/^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The kernel's TCP memory pressure threshold in pages (the middle value of net.ipv4.tcp_mem). */
export function tcpPressurePages(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/tcp_mem', 'utf8').trim().split(/\s+/)[1]);
  } catch {
    return Infinity;
  }
}

/**
 * Waits until the kernel's TCP memory is back to `pages` or less (what a previous run's sockets
 * still hold is freed asynchronously), at most `timeoutMs`; resolves with the pages held then.
 */
export async function tcpMemorySettled(pages: number, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let now = tcpMemoryPages();
  while (now > pages && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = tcpMemoryPages();
  }
  return now;
}

/**
 * Resets the peak RSS (VmHWM) of `pid` (and its descendants when `tree`) to the current RSS
 * (`/proc/<pid>/clear_refs`, Linux ≥ 4.0): a peak measured after a warm-up is the measured run's.
 */
export function resetPeakRss(pid: number, tree = false): void {
  for (const p of tree ? processTree(pid) : [pid]) writeFileSync(`/proc/${p}/clear_refs`, '5');
}

/** CPU and memory of `pid` (and its descendants when `tree`). */
export function sampleProcess(pid: number, tree = false): ProcSample {
  const pids = tree ? processTree(pid) : [pid];
  let cpuSeconds = 0;
  let userSeconds = 0;
  let systemSeconds = 0;
  let peakRssBytes = 0;
  let rssBytes = 0;
  let minorFaults = 0;
  let mainThreadSeconds = 0;
  let writeCalls = 0;
  let writtenBytes = 0;
  for (const p of pids) {
    const io = ioOf(p);
    writeCalls += io.calls;
    writtenBytes += io.bytes;
    const stat = statOf(p);
    mainThreadSeconds += statOf(p, `/proc/${p}/task/${p}/stat`)?.cpu ?? 0;
    cpuSeconds += stat?.cpu ?? 0;
    userSeconds += stat?.user ?? 0;
    systemSeconds += stat?.system ?? 0;
    minorFaults += stat?.minorFaults ?? 0;
    peakRssBytes += statusKb(p, 'VmHWM');
    rssBytes += statusKb(p, 'VmRSS');
  }
  return { cpuSeconds, userSeconds, systemSeconds, mainThreadSeconds, minorFaults, peakRssBytes, rssBytes, writeCalls, writtenBytes };
}

// --- children that never outlive the bench ----------------------------------------------------------

const children = new Set<ChildProcess>();

const cleanups = new Set<() => void>();

/** A synchronous cleanup run when this process exits (e.g. killing a daemon's worker processes). */
export function onExitCleanup(fn: () => void): () => void {
  hookExit();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function killAllChildren(): void {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** spawn() whose child is SIGKILLed when this process exits for any reason. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  hookExit();
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops a child: `signal` first, SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Rejects after `ms` with `what` in the message; the timer does not hold the process open. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline: ${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
export const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

/** A markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/**
 * User and system CPU seconds of `pid`'s main thread and of its other threads by name (/proc/<pid>/task/<tid>/stat):
 * shows what runs beside the main thread (V8 compiler and GC helpers, libuv pool).
 */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const stat = statOf(pid, `/proc/${pid}/task/${tid}/stat`);
    if (!stat) continue; // the thread ended between the listing and the read
    // Node leaves most threads unnamed ("node"): the main thread is the one whose id is the pid.
    const name = Number(tid) === pid ? 'main thread' : `other ${stat.comm.replace(/[0-9]+$/, '#').trim()}`;
    out.set(`${name} user`, (out.get(`${name} user`) ?? 0) + stat.user);
    out.set(`${name} sys`, (out.get(`${name} sys`) ?? 0) + stat.system);
  }
  return out;
}

/** `after - before` of two `threadCpu` samples, as "name s" pairs, busiest first. */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(2)}`)
    .join(', ');
}
