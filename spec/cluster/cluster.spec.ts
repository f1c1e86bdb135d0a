/**
 * Every core (issue 13, item 3): `rtmp-server --workers 2` as users run it. One ffmpeg publisher,
 * ffmpeg players (RTMP and HTTP-FLV) landing on both workers, every packet at every player
 * compared with the source; a late joiner on the other worker starts at the cached keyframe; the
 * stats API and metrics describe both workers; a name published on
 * one worker is refused on the other; a killed worker is replaced; SIGTERM drains them all.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type net from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { isRtmpError } from '../../lib/errors.js';
import type { ConnectionStats, StreamStats } from '../../lib/http/index.js';
import { RTMP_INPUT_PROBE, assertSamePackets, ffmpeg, runningProcesses, type RunningProcess } from '../helpers/ffmpeg.js';
import { interopMedia } from '../helpers/media.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { cli, waitForStderr } from '../cli/support.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { getJson, getText } from '../helpers/http-get.js';

/** Resolves with the first `count` matches of a global `pattern` in the process's stderr. */
function waitForMatches(proc: RunningProcess, pattern: RegExp, count: number): Promise<RegExpMatchArray[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = [...proc.stderr().matchAll(pattern)];
      if (found.length < count) return false;
      proc.proc.stderr!.off('data', check);
      resolve(found.slice(0, count));
      return true;
    };
    if (check()) return;
    proc.proc.stderr!.on('data', check);
    void proc.exited.then((r) => {
      if (!check()) reject(new Error(`process exited (${r.code}) before printing ${count} × ${pattern}:\n${r.stderr}`));
    });
  });
}


/** Polls the stats API until `check` holds (the state is only visible there), failing after `ms`. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startCluster(): Promise<{ server: RunningProcess; port: number; httpPort: number; pids: number[] }> {
  const server = cli('rtmp-server', ['--workers', '2', '--addr', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'info']);
  const [, port] = await waitForStderr(server, /rtmp-server listening on rtmp:\/\/127\.0\.0\.1:(\d+) \(2 workers\)/);
  const [, httpPort] = await waitForStderr(server, /rtmp-server http on http:\/\/127\.0\.0\.1:(\d+)/);
  const ready = await waitForMatches(server, /worker (\d+) \(pid (\d+)\) ready/g, 2);
  return { server, port: Number(port), httpPort: Number(httpPort), pids: ready.map((m) => Number(m[2])) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Which worker serves the client's connection (matched by its local port in /api/connections). */
async function workerOf(httpPort: number, client: Client): Promise<number> {
  const localPort = (client.connection!.socket as net.Socket).localPort;
  const { connections } = await until(
    () => getJson<{ connections: ConnectionStats[] }>(httpPort, '/api/connections'),
    (r) => r.connections.some((c) => c.port === localPort),
  );
  return connections.find((c) => c.port === localPort)!.worker!;
}

describe('cluster: rtmp-server --workers 2', { timeout: 120_000 }, () => {
  const media = interopMedia('cluster');

  it('one publisher, RTMP and HTTP-FLV players on both workers: every packet everywhere; stats and metrics cover both workers', async () => {
    const { server, port, httpPort, pids } = await startCluster();
    const url = `rtmp://127.0.0.1:${port}/live/all`;
    const players: Array<{ proc: RunningProcess; out: string }> = [];
    const plays = /play worker (\d+) /g;
    const workersWithPlayers = new Set<string>();
    // Players join one at a time until both workers serve some (round-robin: two or three do).
    while (players.length < 3 || workersWithPlayers.size < 2) {
      assert.ok(players.length < 10, 'the primary spreads connections over both workers');
      const out = join(media.dir, `rtmp-${players.length}.flv`);
      players.push({ proc: ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]), out });
      const seen = await waitForMatches(server, plays, players.length);
      for (const m of seen) workersWithPlayers.add(m[1]!);
    }
    const httpOut = join(media.dir, 'http.flv');
    players.push({ proc: ffmpeg(['-i', `http://127.0.0.1:${httpPort}/live/all.flv`, '-map', '0', '-c', 'copy', '-f', 'flv', httpOut]), out: httpOut });
    const joined = await waitForMatches(server, plays, players.length);
    const perWorker = new Map<number, number>();
    for (const m of joined) perWorker.set(Number(m[1]), (perWorker.get(Number(m[1])) ?? 0) + 1);

    // Before the publisher: each worker lists the players it holds.
    const waiting = await getJson<{ streams: StreamStats[]; workers: Array<{ worker: number; pid: number }> }>(httpPort, '/api/streams');
    assert.deepEqual(waiting.workers.map((w) => w.pid).sort(), [...pids].sort());
    assert.deepEqual(new Map(waiting.streams.map((s) => [s.worker!, s.playerCount])), perWorker);
    assert.ok(waiting.streams.every((s) => s.app === 'live' && s.name === 'all' && s.publisher === null));
    const connections = await getJson<{ connections: ConnectionStats[] }>(httpPort, '/api/connections');
    assert.equal(connections.connections.length, players.length);
    assert.equal(connections.connections.filter((c) => c.protocol === 'http-flv').length, 1);

    // The publisher runs in real time: the stats are read while it publishes.
    const publisher = ffmpeg(['-re', '-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
    const [[, origin]] = await waitForMatches(server, /publish worker (\d+) /g, 1);
    const live = await until(
      () => getJson<{ streams: StreamStats[] }>(httpPort, '/api/streams'),
      (r) => r.streams.length === 2 && r.streams.every((s) => s.publisher !== null && s.video !== null && s.audio !== null),
    );
    for (const s of live.streams) {
      assert.deepEqual([s.video, s.audio], [{ codec: 'h264', width: 160, height: 120, fps: 25 }, { codec: 'aac', sampleRate: 44100, channels: 1 }]);
      assert.equal(s.playerCount, perWorker.get(s.worker!));
      const fromOrigin = s.worker === Number(origin);
      // The origin's publisher is ffmpeg; the other worker's is the internal relay, one player of the origin's.
      assert.equal(s.publisher!.protocol, fromOrigin ? 'rtmp' : 'cluster');
      assert.equal(s.players.filter((p) => p.relay).length, fromOrigin ? 1 : 0);
    }
    const metrics = parsePrometheus(await getText(httpPort, '/metrics'));
    for (const [worker, count] of perWorker) {
      assert.equal(metrics.get(`rtmp_players{worker="${worker}"}`), count);
      assert.equal(metrics.get(`rtmp_streams{worker="${worker}"}`), 1);
    }

    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    // Every player, on either worker, ends with the stream (UnpublishNotify reaches them after the last packet).
    for (const p of players) {
      const result = await p.proc.exited;
      assert.equal(result.code, 0, result.stderr);
    }
    for (const p of players) {
      await assertSamePackets(p.out, media.source).catch((err: Error) => {
        throw new Error(`${p.out}: ${err.message}`, { cause: err });
      });
    }

    // SIGTERM drains every worker, then the primary exits.
    const started = Date.now();
    server.proc.kill('SIGTERM');
    const stopped = await server.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(Date.now() - started < 10_000, 'drained within 10 s');
    assert.deepEqual(pids.filter(alive), [], 'every worker has exited');
  });

  it('a name is published once in the whole cluster; a killed worker is replaced and serves', async () => {
    const { server, port, httpPort, pids } = await startCluster();
    const first = new Client();
    await first.connect(`rtmp://127.0.0.1:${port}/live`);
    await first.publish('once');
    const firstWorker = await workerOf(httpPort, first);
    // Connect until a client lands on the other worker, then publish the same name there.
    const others: Client[] = [];
    let other: Client | undefined;
    while (!other) {
      assert.ok(others.length < 10, 'the primary spreads connections over both workers');
      const c = new Client();
      await c.connect(`rtmp://127.0.0.1:${port}/live`);
      others.push(c);
      if ((await workerOf(httpPort, c)) !== firstWorker) other = c;
    }
    await assert.rejects(other.publish('once'), (err: unknown) => isRtmpError(err) && /BadName/.test(err.message));
    await other.publish('another');
    for (const c of [first, ...others]) await c.close();

    // Kill a worker: it is replaced, and the cluster goes on serving on two workers.
    const killed = pids[0]!;
    process.kill(killed, 'SIGKILL');
    await waitForStderr(server, /worker \d+ \(pid \d+\) exited \(SIGKILL\): replacing it/);
    const [third] = await waitForMatches(server, /worker (\d+) \(pid (\d+)\) ready/g, 3);
    assert.equal(third!.length > 0, true);
    const replacement = Number([...server.stderr().matchAll(/worker (\d+) \(pid (\d+)\) ready/g)][2]![2]);
    const { workers } = await getJson<{ workers: Array<{ pid: number }> }>(httpPort, '/api/streams');
    assert.deepEqual(workers.map((w) => w.pid).sort(), [pids[1]!, replacement].sort());
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('after');
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('after');
    const got = (async () => {
      for await (const e of player.events()) if (e.kind === 'video') return e.payload.toString('hex');
      return '';
    })();
    await publisher.writeVideo(Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3]), 0);
    assert.equal(await got, '1700000000010203');
    await player.close();
    await publisher.close();

    server.proc.kill('SIGTERM');
    const stopped = await server.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual([pids[1]!, replacement].filter(alive), []);
  });

  it('a late joiner on the other worker starts at the cached keyframe and gets every packet after it', async () => {
    const { server, port, httpPort } = await startCluster();
    // The source without ffmpeg's closing AVC end-of-sequence tag (which empties GOP caches).
    const tags = readFlvTags(await readFile(media.source)).filter((t) => (t.type === 8 || t.type === 9) && !(t.type === 9 && t.data[1] === 2));
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('late');
    for (const t of tags) await (t.type === 9 ? publisher.writeVideo(t.data, t.timestamp) : publisher.writeAudio(t.data, t.timestamp));
    const origin = await workerOf(httpPort, publisher);
    const spare: Client[] = [];
    let player: Client | undefined;
    while (!player) {
      assert.ok(spare.length < 10, 'the primary spreads connections over both workers');
      const c = new Client();
      await c.connect(`rtmp://127.0.0.1:${port}/live`);
      if ((await workerOf(httpPort, c)) !== origin) player = c;
      else spare.push(c);
    }
    await player.play('late');
    const got: Array<{ type: number; timestamp: number; data: string }> = [];
    let firstVideo!: () => void;
    const sawVideo = new Promise<void>((resolve) => (firstVideo = resolve));
    const reading = (async () => {
      for await (const e of player.events()) {
        if (e.kind === 'audio' || e.kind === 'video') {
          got.push({ type: e.kind === 'audio' ? 8 : 9, timestamp: e.timestamp, data: e.payload.toString('hex') });
          if (e.kind === 'video') firstVideo();
        } else if (e.kind === 'command' && (e.args[0] as { code?: string } | undefined)?.code === 'NetStream.Play.UnpublishNotify') return;
      }
    })();
    await sawVideo;
    await publisher.close();
    await reading;
    // Two decoder configurations, then the source from a keyframe to its end.
    const headers = tags.filter((t) => t.data[1] === 0).map((t) => t.data.toString('hex'));
    assert.deepEqual(got.slice(0, 2).map((g) => g.data).sort(), headers.sort());
    const rest = got.slice(2);
    assert.equal(rest.find((g) => g.type === 9)?.data.slice(0, 2), '17', 'the first frame is a keyframe');
    const frames = tags.filter((t) => t.data[1] !== 0);
    const start = frames.findIndex((t) => t.type === 9 && t.timestamp === rest.find((g) => g.type === 9)!.timestamp);
    assert.ok(start > 0, 'joined mid-stream, at a cached keyframe');
    const want = frames.slice(start).map((t) => ({ type: t.type, timestamp: t.timestamp, data: t.data.toString('hex') }));
    assert.deepEqual(rest, want);
    for (const c of [player, ...spare]) await c.close();
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  });

  it('every process started by these tests is gone', () => {
    assert.equal(runningProcesses(), 0);
  });
});
