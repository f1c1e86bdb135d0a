/**
 * Network fuzzing (issue 5, item 4). Clients complete a valid handshake, then send a chunk stream
 * that is either a seeded mutation of the real ffmpeg publishing session
 * (spec/fixtures/ffmpeg-publish/client-to-server.bin after C0 C1 C2) or pure random bytes, then
 * end their side. For a bounded time (RTMP_FUZZ_MS, default 6 s; RTMP_SOAK=1: 60 s), four at once:
 *
 *   - the server never throws (no 'uncaughtException' / 'unhandledRejection' in this process);
 *   - a publisher/player pair streams throughout and the player gets every frame, in order;
 *   - memory stays bounded (heap after GC back near its start, RSS peak bounded);
 *   - each connection's verdict is the offline one, exactly: the same bytes decoded offline by the
 *     chunk → message → command stages (`offlineVerdicts`) either pass, and the server closed the
 *     connection cleanly, or fail, and the server closed it with one of the codes those stages
 *     fail with, typed and logged with its ERR_* code.
 *
 * The server's verdict is matched to its connection by the client's port among the connections
 * the server started after that client began connecting (`ServerCloses`): ports are reused, and
 * a table keyed by port alone once handed clients the verdict of an earlier connection from the
 * same port (the "1 in 2000" discrepancies: a clean input "closed" with a chunk error and the like).
 *
 * Seeded: a failure prints the seed and input index; RTMP_FUZZ_SEED replays another seed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Transform } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChunkDecoder, MessageAssembler } from '../../lib/chunk/index.js';
import { CommandDecoder } from '../../lib/command/command-decoder.js';
import { ChunkError, ErrorCode, RtmpError } from '../../lib/errors.js';
import type { Server, ServerConnection } from '../../lib/server/index.js';
import { createPrng, type Prng } from '../helpers/prng.js';
import { ServerCloses, SteadyPair, closedOf, forceGc, handshaken, listening, recordingLogger, releaseAll } from './support.js';

const soak = process.env.RTMP_SOAK === '1';
const BUDGET_MS = Number(process.env.RTMP_FUZZ_MS ?? (soak ? 60_000 : 6_000));
const SEED = Number(process.env.RTMP_FUZZ_SEED ?? 0x5eed_f022);
const IN_FLIGHT = 4;

const capture = readFileSync(fileURLToPath(new URL('../fixtures/ffmpeg-publish/client-to-server.bin', import.meta.url)));
/** The real session's chunk stream: connect, releaseStream, FCPublish, createStream, publish, media. */
const seedStream = capture.subarray(1 + 1536 + 1536);

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff];

/** One seeded input: a mutated prefix of the real session (5 in 6) or pure random bytes. */
export function fuzzInput(prng: Prng): Buffer {
  if (prng.int(6) === 0) return prng.bytes(1 + prng.int(4096));
  const length = prng.int(3) === 0 ? seedStream.length : 64 + prng.int(Math.min(seedStream.length, 16_384));
  let bytes: Buffer = Buffer.from(seedStream.subarray(0, length));
  const mutations = 1 + (prng.int(2) === 0 ? 0 : prng.int(8)); // half the inputs carry a single mutation
  for (let m = 0; m < mutations; m++) {
    const at = prng.int(bytes.length);
    const span = 1 + prng.int(16);
    switch (prng.int(7)) {
      case 0:
        bytes[at] = bytes[at]! ^ (1 << prng.int(8)); // flip a bit
        break;
      case 1:
        bytes[at] = INTERESTING[prng.int(INTERESTING.length)]!; // a boundary value
        break;
      case 2:
        prng.bytes(span).copy(bytes, at); // overwrite a run with noise
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + span)]); // delete a run
        break;
      case 4:
        bytes = Buffer.concat([bytes.subarray(0, at + span), bytes.subarray(at, at + span), bytes.subarray(at + span)]); // repeat a run
        break;
      case 5:
        bytes = Buffer.concat([bytes.subarray(0, at), prng.bytes(span), bytes.subarray(at)]); // insert noise
        break;
      default:
        bytes = bytes.subarray(0, Math.max(1, at)); // truncate
    }
  }
  return bytes;
}

/**
 * Runs one inbound stage over `items` synchronously (its `_transform`/`_flush`, outputs captured):
 * what it produced before failing, and the code it failed with. `upstreamFailed`: the stage before
 * failed, so in the server this one is destroyed, never flushed: it fails only on what it got.
 */
function runStage(stage: Transform, items: unknown[], upstreamFailed = false): { out: unknown[]; code: string | undefined } {
  const out: unknown[] = [];
  let code: string | undefined;
  stage.push = (item: unknown): boolean => {
    if (item !== null) out.push(item);
    return true;
  };
  const done = (err?: Error | null): void => {
    if (err && code === undefined) code = String((err as { code?: unknown }).code);
  };
  for (const item of items) {
    stage._write(item, 'buffer' as BufferEncoding, done); // MessageAssembler overrides _write; Transform's own _write calls _transform
    if (code !== undefined) return { out, code };
  }
  if (!upstreamFailed) stage._flush?.(done);
  return { out, code };
}

/**
 * The codes the server's inbound stages (chunk decoder → message assembler → command decoder, the
 * server's default limits) fail with on these bytes, each stage fed everything the one before it
 * produced before failing (and flushed only when that one ended cleanly, as in the server's
 * pipeline, which destroys every stage on the first error). The stages run concurrently in the
 * server, so whichever of these fails first in time closes the connection. That is usually the
 * later stage when both fail: a chunk the decoder pushes mostly goes all the way down at once, so
 * a bad message is rejected before the decoder reaches the bad bytes after it. An empty list
 * means the bytes decode cleanly.
 */
function offlineVerdicts(bytes: Buffer): string[] {
  const chunks = runStage(new ChunkDecoder(), [bytes]);
  const messages = runStage(new MessageAssembler(), chunks.out, chunks.code !== undefined);
  const events = runStage(new CommandDecoder(), messages.out, chunks.code !== undefined || messages.code !== undefined);
  return [chunks.code, messages.code, events.code].filter((c): c is string => c !== undefined);
}

describe('faults: network fuzzing', { timeout: BUDGET_MS + 40_000 }, () => {
  afterEach(releaseAll);

  it('a closed client socket no longer knows its port', async () => {
    // Why the fuzz run's old bookkeeping (a table keyed by the client's port, entries deleted by
    // `socket.localPort` after the close) never deleted anything: once a port was reused, a client
    // got the verdict of an earlier connection from its port. Seen as "1 in 2000" discrepancies:
    // "decodes cleanly offline; the server closed it with ERR_CHUNK_NO_PREVIOUS_HEADER", "closed
    // cleanly before ERR_CHUNK_NO_PREVIOUS_HEADER", an AMF error against a chunk error.
    const { server, port } = await listening({ logger: recordingLogger() });
    const { socket } = await handshaken(port);
    assert.equal(typeof socket.localPort, 'number');
    socket.resume();
    const closed = closedOf(socket);
    socket.end();
    await closed;
    assert.equal(socket.localPort, undefined);
    await server.close();
  });

  it('matches each connection with its own server verdict when a client port is reused', async () => {
    // The server's events scripted in the orders a reused port produces (real reuse is up to the OS).
    const server = new EventEmitter();
    const closes = new ServerCloses(server as unknown as Server);
    const conn = (id: string, remotePort: number): ServerConnection => ({ id, remotePort }) as unknown as ServerConnection;
    const bad = new ChunkError(ErrorCode.CHUNK_NO_PREVIOUS_HEADER, 'fmt 1 chunk on chunk stream 3, which has no previous header');

    // Port 5000, one connection after the other: the first closed with an error before the second began.
    const since1 = closes.mark();
    const c1 = conn('1', 5000);
    server.emit('connection', c1);
    const close1 = closes.closeOf(5000, since1);
    server.emit('disconnect', c1, bad);
    assert.equal((await close1).err, bad);
    const since2 = closes.mark();
    const c2 = conn('2', 5000);
    const close2 = closes.closeOf(5000, since2); // claimed before the server started it
    server.emit('connection', c2);
    server.emit('disconnect', c2, undefined);
    assert.deepEqual(await close2, { id: '2', err: undefined, logLine: undefined });

    // Port 6000 reused while the server has yet to report the old connection's close, and the new
    // client claims first.
    const since3 = closes.mark();
    const c3 = conn('3', 6000);
    server.emit('connection', c3);
    const since4 = closes.mark();
    const c4 = conn('4', 6000);
    server.emit('connection', c4);
    const close4 = closes.closeOf(6000, since4);
    const close3 = closes.closeOf(6000, since3);
    server.emit('disconnect', c3, bad);
    server.emit('disconnect', c4, undefined);
    assert.equal((await close3).id, '3');
    assert.equal((await close3).err, bad);
    assert.equal((await close4).id, '4');
    assert.equal((await close4).err, undefined);
    assert.equal(closes.unclaimedCount, 0);
  });

  it(`mutated and random chunk streams for ${BUDGET_MS} ms: no crash, others unaffected, memory bounded, typed errors logged`, { timeout: BUDGET_MS + 30_000 }, async (t) => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => {
      crashes.push(err);
    };
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    try {
      const logger = recordingLogger();
      const { server, port } = await listening({ logger, maxConnections: 100 });
      const steady = await SteadyPair.open(port);
      // The server's view of each fuzz connection: how it closed and what it logged about it
      // (looked up at once, so the log can be trimmed as we go).
      const closes = new ServerCloses(server, logger);

      forceGc();
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      steady.startBackground();

      const prng = createPrng(SEED);
      let next = 0;
      let connections = 0;
      let typed = 0;
      let bytesSent = 0;
      const codes = new Map<string, number>();
      const started = Date.now();
      const worker = async (): Promise<void> => {
        while (Date.now() - started < BUDGET_MS) {
          const index = next++;
          const input = fuzzInput(prng);
          const where = `seed ${SEED}, input ${index} (${input.length} bytes)`;
          const since = closes.mark();
          const { socket } = await handshaken(port);
          const seen = closes.closeOf(socket.localPort!, since);
          socket.resume(); // read and drop what the server answers
          const closed = closedOf(socket);
          socket.end(input);
          await closed;
          // A client may see its socket close a moment before the server reports it.
          const { err, logLine } = await seen;
          connections++;
          bytesSent += input.length;
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          const offline = offlineVerdicts(input);
          if (offline.length === 0) {
            assert.equal(err, undefined, `${where} decodes cleanly offline; the server closed it with ${String(err)}`);
            continue;
          }
          assert.ok(err !== undefined, `${where}: the offline decode fails (${offline.join(', ')}); the server closed it cleanly`);
          assert.ok(err instanceof RtmpError, `${where}: closed with a typed error (got ${String(err)})`);
          // Whichever stage fails first in the server closes the connection (see offlineVerdicts).
          assert.ok(offline.includes(err.code), `${where}: the server's ${err.code} is one the offline decode fails with (${offline.join(', ')})`);
          assert.ok(logLine?.includes(`closed: ${err.code} `), `${where}: the close is logged with its code (${logLine})`);
          typed++;
          codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      const elapsed = Date.now() - started;
      await steady.stop();

      // No crash, and the steady pair never missed a frame (SteadyPair checks order; this checks the rest).
      assert.deepEqual(crashes, []);
      assert.equal(steady.received, steady.sent);
      assert.ok(steady.received >= 100, `the steady pair kept streaming (${steady.received} frames)`);
      assert.ok(connections >= 25, `fuzzed ${connections} connections`);
      assert.ok(typed >= connections / 2, `most inputs are rejected (${typed} of ${connections})`);
      assert.equal(server.connectionCount, 2, 'only the steady pair is left');
      assert.deepEqual(server.registry.list().map((s) => s.key), ['steady/steady']);

      // Memory: what the fuzz connections held is gone, and the peak stayed bounded.
      forceGc();
      const heapAfter = process.memoryUsage().heapUsed;
      assert.ok(heapAfter - heapBefore < 16 * 1024 * 1024, `heap grew by ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MiB`);
      assert.ok(rssPeak - rssBefore < 256 * 1024 * 1024, `RSS peak ${((rssPeak - rssBefore) / 1048576).toFixed(1)} MiB above the start`);

      const summary = [...codes].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code}=${n}`).join(' ');
      t.diagnostic(
        `fuzz: ${connections} connections in ${elapsed} ms (${((connections * 1000) / elapsed).toFixed(0)} inputs/s, ` +
          `${(bytesSent / 1048576).toFixed(1)} MiB), ${typed} closed with typed errors: ${summary}; steady frames ${steady.received}; ` +
          `heap ${((heapAfter - heapBefore) / 1048576).toFixed(1)} MiB after GC, RSS peak +${((rssPeak - rssBefore) / 1048576).toFixed(1)} MiB`,
      );
      assert.equal(closes.unclaimedCount, 0, 'every fuzz connection was matched to its client');
      await steady.close();
      await server.close();
    } finally {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });
});
