/**
 * Churn (issue 5, item 3): thousands of connect/publish/play/close cycles against one server, some
 * leaving abruptly, run in a child node process (`--expose-gc`, its own RSS and handles; see
 * churn-worker.ts). Afterwards: no connection and no stream left on the server, the process's
 * active handles are exactly what they were before the churn, and RSS, heap used and external
 * memory after GC are within 10 % of the baseline RSS (taken after a warm-up round of the same
 * size, so code loading, JIT and the allocator's high-water marks are not counted as churn).
 *
 * In CI: 2000 connections (after 2000 of warm-up), each round within 180 s. `RTMP_SOAK=1`: a soak of 50,000
 * connections within 20 minutes (override with CHURN_CONNECTIONS / CHURN_MS). A run the time bound
 * cuts short fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { start } from '../helpers/ffmpeg.js';
import type { ChurnReport } from './churn-worker.js';

const soak = process.env.RTMP_SOAK === '1';
const connections = Number(process.env.CHURN_CONNECTIONS ?? (soak ? 50_000 : 2000));
const budgetMs = Number(process.env.CHURN_MS ?? (soak ? 1_200_000 : 180_000));
const worker = fileURLToPath(new URL('./churn-worker.ts', import.meta.url));
const mib = (n: number): string => (n / 1048576).toFixed(1);

describe('faults: churn', { timeout: 2 * budgetMs + 60_000 }, () => {
  it(`${connections} connect/publish/play/close cycles: nothing left, no handle leaked, memory back within 10 %`, { timeout: 2 * budgetMs + 50_000 }, async (t) => {
    // glibc keeps freed 64 KiB socket-read buffers in its arenas (RSS stays at the churn's peak
    // though nothing holds them): with blocks from 32 KiB mmapped, a free returns them, and RSS
    // measures what is alive. Heap, external memory and handles are checked exactly below.
    const mmapThreshold = process.env.MALLOC_MMAP_THRESHOLD_;
    process.env.MALLOC_MMAP_THRESHOLD_ = '32768';
    const child = start(process.execPath, ['--expose-gc', '--import', 'tsx', worker]);
    if (mmapThreshold === undefined) delete process.env.MALLOC_MMAP_THRESHOLD_;
    else process.env.MALLOC_MMAP_THRESHOLD_ = mmapThreshold;
    // The worker inherits this environment and reads the same bounds (RTMP_SOAK, CHURN_*).
    const result = await child.exited;
    const lastLine = result.stdout.toString('utf8').trim().split('\n').pop() ?? '';
    assert.equal(result.code, 0, `churn worker exited with ${result.code ?? result.signal}: ${result.stderr.slice(-2000)}\n${lastLine}`);
    const report = JSON.parse(lastLine) as ChurnReport;
    assert.deepEqual(report.errors, []);
    // A fixed number of connections: a time bound that cut the run short fails it (issue 11), it does not shrink it.
    assert.ok(report.connections >= connections, `the time bound (${budgetMs} ms) cut the churn short at ${report.connections} of ${connections} connections`);
    assert.ok(report.abrupt > report.connections / 10, `${report.abrupt} left abruptly`);
    assert.equal(report.connectionCountEnd, 0, 'server.connectionCount back to 0');
    assert.equal(report.registryEnd, 0, 'registry empty');
    assert.deepEqual(report.handlesEnd, report.handlesBaseline, 'active handles back to the baseline');
    // The baseline is taken after a warm-up round of the same size (churn-worker.ts), so the
    // allocator's and V8's high-water marks are in it: RSS after the measured round must be back.
    const growth = (report.rssEnd - report.rssBaseline) / report.rssBaseline;
    const heapGrowth = (report.heapEnd - report.heapBaseline) / report.rssBaseline;
    t.diagnostic(
      `churn: ${report.connections} connections (${report.sessions} publish/play sessions, ${report.abrupt} abrupt) in ${report.elapsedMs} ms; ` +
        `RSS start ${mib(report.rssStart)} MiB, baseline after warm-up ${mib(report.rssBaseline)} MiB, peak ${mib(report.rssPeak)} MiB, ` +
        `end after GC ${mib(report.rssEnd)} MiB (${(growth * 100).toFixed(1)} %); ` +
        `heap used ${mib(report.heapBaseline)} → ${mib(report.heapEnd)} MiB, committed ${mib(report.heapTotalBaseline)} → ${mib(report.heapTotalEnd)} MiB`,
    );
    assert.ok(
      growth <= 0.1,
      `RSS after GC grew by ${(growth * 100).toFixed(1)} % (${mib(report.rssBaseline)} → ${mib(report.rssEnd)} MiB; ` +
        `committed heap ${mib(report.heapTotalBaseline)} → ${mib(report.heapTotalEnd)} MiB, external ${mib(report.externalBaseline)} → ${mib(report.externalEnd)} MiB)`,
    );
    assert.ok(heapGrowth <= 0.1, `heap used after GC ${mib(report.heapBaseline)} → ${mib(report.heapEnd)} MiB`);
    assert.ok(report.externalEnd - report.externalBaseline <= 0.1 * report.rssBaseline, `external memory after GC ${mib(report.externalBaseline)} → ${mib(report.externalEnd)} MiB`);
  });
});
