import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { RealtimePacer } from '../../lib/flv/realtime-pacer.js';

/** Feeds items through a pacer; returns when each came out, in ms after the first. */
async function paced(items: Array<Record<string, unknown>>, pacer: RealtimePacer): Promise<Array<{ item: unknown; at: number }>> {
  const out: Array<{ item: unknown; at: number }> = [];
  let start: number | undefined;
  await pipeline(
    Readable.from(items),
    pacer,
    new Writable({
      objectMode: true,
      write(item, _enc, done) {
        const now = performance.now();
        start ??= now;
        out.push({ item, at: now - start });
        done();
      },
    }),
  );
  return out;
}

describe('RealtimePacer', () => {
  it('lets each object through when the wall clock reaches its timestamp, in order', async () => {
    const items = [0, 100, 200, 300].map((timestamp) => ({ timestamp }));
    const out = await paced(items, new RealtimePacer());
    assert.deepEqual(out.map((o) => o.item), items);
    for (const [i, o] of out.entries()) {
      assert.ok(o.at >= i * 100 - 2, `item ${i} out at ${o.at.toFixed(1)} ms, before its time`);
      assert.ok(o.at < i * 100 + 80, `item ${i} out at ${o.at.toFixed(1)} ms, late`);
    }
  });

  it('starts the clock at the first timestamp, whatever it is, and lets `lead` ms through early', async () => {
    const out = await paced([{ timestamp: 5000 }, { timestamp: 5300 }], new RealtimePacer({ lead: 200 }));
    assert.ok(out[1]!.at >= 98 && out[1]!.at < 180, `second item at ${out[1]!.at.toFixed(1)} ms (want ~100)`);
  });

  it('restarts the clock on a timestamp going backwards or jumping past maxJump (no stall, no burst)', async () => {
    const items = [{ timestamp: 1000 }, { timestamp: 0 }, { timestamp: 50 }, { timestamp: 60_000 }, { timestamp: 60_050 }];
    const out = await paced(items, new RealtimePacer({ maxJump: 1000 }));
    assert.ok(out[1]!.at < 40, 'backwards: at once');
    assert.ok(out[2]!.at >= 48, 'then paced from there');
    assert.ok(out[3]!.at - out[2]!.at < 40, 'a jump: at once');
    assert.ok(out[4]!.at - out[3]!.at >= 48 && out[4]!.at < 500, 'then paced from there');
  });

  it('passes objects without a numeric timestamp at once', async () => {
    const out = await paced([{ timestamp: 0 }, { name: 'x' }, { timestamp: Number.NaN }], new RealtimePacer());
    assert.equal(out.length, 3);
    assert.ok(out[2]!.at < 40);
  });

  it('destroyed while waiting: its timer goes with it (the process is not kept alive, nothing more comes out)', async () => {
    const pacer = new RealtimePacer();
    const seen: unknown[] = [];
    pacer.on('data', (item) => seen.push(item));
    pacer.write({ timestamp: 0 });
    pacer.write({ timestamp: 5_000 });
    await new Promise((resolve) => setImmediate(resolve));
    pacer.destroy();
    await new Promise((resolve) => pacer.once('close', resolve));
    assert.deepEqual(seen, [{ timestamp: 0 }]);
    // Without the clearTimeout the pending 5 s timer would be the only handle keeping the loop alive.
    assert.ok(!process.getActiveResourcesInfo().includes('Timeout'), process.getActiveResourcesInfo().join());
  });
});
