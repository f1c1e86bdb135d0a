/**
 * End-to-end latency at N=100 players with a real-time publisher (issue 10 item 7): our server
 * against "plain socket writes", the same publisher and the same readers, in one run.
 *
 *   node --import tsx bench/latency.bench.ts        (or: npm run bench -- latency)
 *   LATENCY_N=100          players
 *   LATENCY_SECONDS=7      media seconds per run (the first LATENCY_WARMUP=1 s is not recorded)
 *   LATENCY_ROUNDS=2       rounds; each runs ours then the baseline (alternating: a slow spell of
 *                          the shared machine hits both); latencies of all rounds pooled
 *   LATENCY_MBPS=4         video bitrate (30 fps, a keyframe 3× the average size every 2 s) + 128 kbps audio
 *   LATENCY_PROCS=2        reader processes (the players are split between them)
 *
 * Processes: the server under test (a child: our `Server`, compiled, default config but no read or
 * write timeouts: bench/support/rtmp-server-child.ts), the readers (LATENCY_PROCS children:
 * bench/support/latency-readers-child.ts), and this process, the publisher. The publisher writes
 * each audio/video message at its media time (real time, setTimeout-paced) as RTMP chunks, with
 * its send time (process.hrtime.bigint(): CLOCK_MONOTONIC, one clock for every process) in the
 * payload; a reader records (receive − send) when it has parsed the whole message. Publisher and
 * readers are the bench's own minimal RTMP code (bench/support/wire-rtmp.ts), not lib/: the bench
 * measures any build of the server.
 *
 * Baseline (bench/support/plain-fanout-child.ts): a plain Node TCP server that writes each read
 * of the publisher's socket, as it is, to the N reader sockets at once. The publisher sends it the
 * same chunk stream (set chunk size, then the same media messages), the readers parse it with the
 * same code. So p99(ours)/p99(plain) isolates what our server adds. Goal: ≤ 1.5×.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ChildServer } from './support/child-server.js';
import { deadline, percentile, table } from './support/proc.js';
import { MSG, chunkMessage, wirePublisher } from './support/wire-rtmp.js';

const N = Number(process.env.LATENCY_N ?? 100);
const SECONDS = Number(process.env.LATENCY_SECONDS ?? 7);
const WARMUP = Number(process.env.LATENCY_WARMUP ?? 1);
const ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 2);
const MBPS = Number(process.env.LATENCY_MBPS ?? 4);
const PROCS = Math.max(1, Math.min(N, Number(process.env.LATENCY_PROCS ?? 2)));
const STREAM = 'latency';
const CHUNK_SIZE = 4096;

interface Item {
  video: boolean;
  key: boolean;
  size: number;
  /** Media time, ms. */
  timestamp: number;
}

/** `seconds` of 30 fps video at `mbps` (keyframe 3× the average every 2 s) and ~43 AAC frames/s of ~370 bytes. */
function mediaMix(seconds: number, mbps: number): Item[] {
  let seed = 0x2545f491;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const average = (mbps * 1e6) / 8 / 30;
  const out: Item[] = [];
  let audio = 0;
  let video = 0;
  let frame = 0;
  while (audio < seconds * 1000 || video < seconds * 1000) {
    if (audio <= video) {
      out.push({ video: false, key: false, size: 320 + Math.floor(rand() * 100), timestamp: Math.round(audio) });
      audio += 1024_000 / 44_100;
    } else {
      const key = frame % 60 === 0;
      out.push({ video: true, key, size: Math.max(20, Math.round(key ? 3 * average : average * (0.5 + rand()) * (57 / 59))), timestamp: Math.round(video) });
      video += 1000 / 30;
      frame++;
    }
  }
  return out;
}

/** A media payload: FLV-like first bytes, send time at 8..15, sequence number at 16..19. */
function payload(item: Item, seq: number): Buffer {
  const p = Buffer.alloc(item.size);
  p[0] = item.video ? (item.key ? 0x17 : 0x27) : 0xaf;
  p[1] = 0x01;
  p.writeUInt32BE(seq, 16);
  p.writeBigUInt64BE(process.hrtime.bigint(), 8);
  return p;
}

class ReaderProcess {
  private constructor(readonly child: ChildProcess) {}

  static async start(): Promise<ReaderProcess> {
    const child = fork(fileURLToPath(new URL('support/latency-readers-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await deadline(once(child, 'message'), 30_000, 'reader process start');
    return new ReaderProcess(child);
  }

  async request<T extends { kind: string }>(msg: object, ms: number, what: string): Promise<T> {
    const reply = once(this.child, 'message') as Promise<[T]>;
    this.child.send(msg);
    const [answer] = await deadline(reply, ms, what);
    if (answer.kind === 'error') throw new Error(`${what}: ${(answer as unknown as { message: string }).message}`);
    return answer;
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

interface RunResult {
  latencies: number[];
  received: number;
  expected: number;
  incomplete: number;
  cpu: number;
}

async function run(mode: 'rtmp' | 'plain', readers: ReaderProcess[], items: Item[], skip: number): Promise<RunResult> {
  const server = await ChildServer.start(mode === 'rtmp' ? 'rtmp-server-child.ts' : 'plain-fanout-child.ts');
  let socket: net.Socket | undefined;
  try {
    const share = (i: number): number => Math.floor((N * (i + 1)) / readers.length) - Math.floor((N * i) / readers.length);
    await Promise.all(
      readers.map((r, i) => r.request({ cmd: 'connect', mode, port: server.port, count: share(i), stream: STREAM, skip }, 60_000, `${mode}: connecting readers`)),
    );
    let send: (type: number, timestamp: number, body: Buffer) => void;
    if (mode === 'rtmp') {
      const { conn, streamId } = await wirePublisher(server.port, 'live', STREAM);
      socket = conn.socket;
      send = (type, timestamp, body) => conn.send(type === MSG.audio ? 4 : 6, type, streamId, timestamp, body);
    } else {
      const s = net.connect(server.port, '127.0.0.1');
      socket = s;
      s.setNoDelay(true);
      await once(s, 'connect');
      s.on('error', () => {});
      const size = Buffer.allocUnsafe(4);
      size.writeUInt32BE(CHUNK_SIZE, 0);
      s.write(Buffer.concat([Buffer.from('P'), chunkMessage(2, MSG.setChunkSize, 0, 0, size, 128)]));
      send = (type, timestamp, body) => s.write(chunkMessage(type === MSG.audio ? 4 : 6, type, 1, timestamp, body, CHUNK_SIZE));
    }
    const before = server.sample();
    const start = performance.now();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const due = start + item.timestamp - performance.now();
      if (due > 0.5) await new Promise((resolve) => setTimeout(resolve, due));
      send(item.video ? MSG.video : MSG.audio, item.timestamp, payload(item, i));
    }
    const results = await Promise.all(
      readers.map((r) => r.request<{ kind: string; latencies: number[]; received: number; incomplete: number }>({ cmd: 'finish', messages: items.length }, 60_000, `${mode}: readers finishing`)),
    );
    const after = server.sample();
    return {
      latencies: results.flatMap((r) => r.latencies),
      received: results.reduce((t, r) => t + r.received, 0),
      expected: N * items.length,
      incomplete: results.reduce((t, r) => t + r.incomplete, 0),
      cpu: after.cpuSeconds - before.cpuSeconds,
    };
  } finally {
    socket?.destroy();
    await server.stop();
  }
}

const ms = (v: number): string => v.toFixed(2);

async function main(): Promise<void> {
  const items = mediaMix(SECONDS, MBPS);
  const skip = items.findIndex((i) => i.timestamp >= WARMUP * 1000);
  const bytes = items.reduce((t, i) => t + i.size, 0);
  console.log(
    `latency: N=${N} readers in ${PROCS} processes, ${items.length} messages over ${SECONDS} s (${((bytes * 8) / SECONDS / 1e6).toFixed(1)} Mbps, first ${WARMUP} s not recorded), ${ROUNDS} rounds; node ${process.version}`,
  );
  const readers = await Promise.all(Array.from({ length: PROCS }, () => ReaderProcess.start()));
  const pooled = { rtmp: [] as number[], plain: [] as number[] };
  const totals = { rtmp: { received: 0, expected: 0, incomplete: 0, cpu: 0 }, plain: { received: 0, expected: 0, incomplete: 0, cpu: 0 } };
  const perRound: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const p99 = { rtmp: 0, plain: 0 };
      for (const mode of ['rtmp', 'plain'] as const) {
        const r = await run(mode, readers, items, skip);
        for (const v of r.latencies) pooled[mode].push(v);
        totals[mode].received += r.received;
        totals[mode].expected += r.expected;
        totals[mode].incomplete += r.incomplete;
        totals[mode].cpu += r.cpu;
        const sorted = r.latencies.sort((a, b) => a - b);
        p99[mode] = percentile(sorted, 99);
        console.log(`  round ${round + 1} ${mode === 'rtmp' ? 'ours ' : 'plain'}: p50 ${ms(percentile(sorted, 50))} ms, p99 ${ms(p99[mode])} ms, max ${ms(sorted.at(-1) ?? NaN)} ms, server CPU ${r.cpu.toFixed(2)} s, ${r.received}/${r.expected} messages`);
      }
      perRound.push((p99.rtmp / p99.plain).toFixed(2));
    }
  } finally {
    for (const r of readers) r.stop();
  }
  const rows = (['rtmp', 'plain'] as const).map((mode) => {
    const sorted = pooled[mode].sort((a, b) => a - b);
    const t = totals[mode];
    return [
      mode === 'rtmp' ? 'rtmp-pipeline' : 'plain socket writes',
      ms(percentile(sorted, 50)),
      ms(percentile(sorted, 90)),
      ms(percentile(sorted, 99)),
      ms(sorted.at(-1) ?? NaN),
      (t.cpu / ROUNDS).toFixed(2),
      `${t.received}/${t.expected}`,
      t.incomplete,
    ];
  });
  console.log();
  console.log(table(['server', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'server CPU s per run', 'messages received', 'readers incomplete'], rows));
  const ratio = percentile(pooled.rtmp, 99) / percentile(pooled.plain, 99);
  console.log();
  console.log(`goal: p99 ≤ 1.5× plain socket writes: ${ratio.toFixed(2)}× (per round: ${perRound.join(', ')}) — ${ratio <= 1.5 ? 'OK' : 'NOT MET'}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
