/**
 * Handshake machines: cost of a whole server-side handshake relative to the bare crypto and copying
 * it cannot avoid, measured in the same run, and the cost of reads split at TCP segment size.
 *
 *   node --import tsx bench/handshake.bench.ts
 */
import { createHmac, randomFillSync, randomBytes } from 'node:crypto';
import { ClientHandshake, ServerHandshake } from '../lib/handshake/index.js';

let sink = 0;

/** Microseconds per call: the best of 5 rounds (after a warm-up round). */
function measure(fn: () => unknown, iterations: number): number {
  let best = Infinity;
  for (let round = 0; round < 6; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (fn() !== undefined) sink++;
    const us = Number(process.hrtime.bigint() - start) / 1000 / iterations;
    if (round > 0) best = Math.min(best, us);
  }
  return best;
}

const digestC0C1 = new ClientHandshake().start();
const simpleC0C1 = new ClientHandshake({ scheme: 'simple' }).start();
const c2 = randomBytes(1536);
const out = Buffer.allocUnsafe(3073);
const key = Buffer.alloc(30, 1);

function serverHandshake(c0c1: Buffer): boolean {
  const server = new ServerHandshake();
  server.push(c0c1);
  return server.push(c2).done;
}

const digestAll = Buffer.concat([digestC0C1, c2]);

function serverHandshakeSegments(all: Buffer): boolean {
  const server = new ServerHandshake();
  for (let at = 0; at < all.length; at += 1460) server.push(all.subarray(at, at + 1460));
  return server.done;
}

/** The unavoidable work of a digest server: one random fill, find C1's digest (1 HMAC), imprint S1's (1), sign S2 (2), check C2 (2). */
function digestBaseline(): number {
  randomFillSync(out);
  let n = 0;
  for (let i = 0; i < 6; i++) n += createHmac('sha256', key).update(digestC0C1.subarray(1, 1505)).digest()[0]!;
  return n;
}

/** The unavoidable work of a simple server: one random fill, echo C1, compare C2. */
function simpleBaseline(): boolean {
  randomFillSync(out);
  simpleC0C1.copy(out, 1537, 1);
  return c2.equals(out.subarray(1, 1537));
}

const rows: Array<[string, string, number, number]> = [
  ['server, digest C1', '1 randomFill + 6 HMAC', measure(() => serverHandshake(digestC0C1), 2000), measure(digestBaseline, 2000)],
  ['server, simple C1', '1 randomFill + copy + compare', measure(() => serverHandshake(simpleC0C1), 5000), measure(simpleBaseline, 5000)],
  ['server, digest, 1460-byte reads', 'server, digest, one read each', measure(() => serverHandshakeSegments(digestAll), 2000), measure(() => serverHandshake(digestC0C1), 2000)],
];

console.log('| operation | baseline | µs/op | baseline µs/op | ratio |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [name, base, us, baseUs] of rows) {
  console.log(`| ${name} | ${base} | ${us.toFixed(2)} | ${baseUs.toFixed(2)} | ${(us / baseUs).toFixed(2)} |`);
}
if (sink === -1) console.log(sink);
