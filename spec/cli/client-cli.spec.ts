/**
 * rtmp-client: flags → plan (in-process), and the real process against rtmp-server and our
 * Server with ffmpeg on the other side: play into a file or stdout, publish a file, exit codes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../lib/cli/args.js';
import { CLIENT_FLAGS, clientPlanFromFlags } from '../../lib/cli/client-cli.js';
import { formatStats, newStats, countMedia, ProgressReporter } from '../../lib/cli/progress.js';
import { Client } from '../../lib/client/index.js';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, killAll, packetSummary, probePackets, runningProcesses } from '../helpers/ffmpeg.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { cli, startServerCli, waitForStderr } from './support.js';

const plan = (argv: string[], env: NodeJS.ProcessEnv = {}) => clientPlanFromFlags(parseArgs(argv, CLIENT_FLAGS), env);

describe('rtmp-client: flags', () => {
  it("takes the seed's single-dash flags and -conn-timeout 60s", () => {
    const p = plan(['-url', 'rtmp://localhost:1935/live', '-stream', 'mystream', '-user', 'username', '-pass', 'password', '-conn-timeout', '60s']);
    assert.deepEqual(p, {
      mode: 'connect',
      url: 'rtmp://localhost:1935/live',
      stream: 'mystream',
      config: { connectTimeout: 60_000, username: 'username', password: 'password' },
      publishType: 'live',
      realtime: false,
      loop: false,
      logLevel: 'info',
    });
    assert.equal(plan(['--url', 'rtmp://h/live', '--conn-timeout', '500ms']).config.connectTimeout, 500);
    assert.equal(plan(['--url', 'rtmp://h/live', '--conn-timeout', '2']).config.connectTimeout, 2000);
    assert.equal(plan(['--url', 'rtmp://h/live']).config.connectTimeout, 30_000);
  });

  it('publish and play plans', () => {
    const pub = plan(['--url', 'rtmp://h/live/s', '--publish', 'in.flv', '--realtime', '--loop', '--duration', '5s']);
    assert.deepEqual([pub.mode, pub.file, pub.realtime, pub.loop, pub.duration, pub.stream], ['publish', 'in.flv', true, true, 5000, undefined]);
    const play = plan(['--url', 'rtmp://h/live', '--stream', 's', '--play', '--output', '-']);
    assert.deepEqual([play.mode, play.output], ['play', '-']);
    assert.equal(plan(['--url', 'rtmp://h/live', '--user', 'u'], { RTMP_PASSWORD: 'pw' }).config.password, 'pw');
    assert.equal(pub.publishType, 'live');
    assert.equal(plan(['--url', 'rtmp://h/live/s', '--publish', 'in.flv', '--type', 'append']).publishType, 'append');
  });

  it('refuses bad combinations with UsageError', () => {
    for (const argv of [
      [],
      ['--url', 'http://h/live'],
      ['--url', 'rtmp://h/live/s', '--publish', 'a.flv', '--play', '--output', 'o.flv'],
      ['--url', 'rtmp://h/live/s', '--play'],
      ['--url', 'rtmp://h/live/s', '--output', 'o.flv'],
      ['--url', 'rtmp://h/live/s', '--loop'],
      ['--url', 'rtmp://h/live', '--play', '--output', 'o.flv'],
      ['--url', 'rtmp://h/live/s', '--publish', ''],
      ['--url', 'rtmp://h/live', '--pass', 'x'],
      ['--url', 'rtmp://h/live', '--log-level', 'x'],
      ['--url', 'rtmp://h/live', '--conn-timeout', 'forever'],
      ['--url', 'rtmp://h/live/s', '--publish', 'a.flv', '--type', 'vod'],
      ['--url', 'rtmp://h/live/s', '--play', '--output', 'o.flv', '--type', 'record'],
    ]) {
      assert.throws(() => plan(argv), UsageError, argv.join(' '));
    }
  });
});

describe('rtmp-client: progress', () => {
  it('formats time, media time, bitrate, frames, audio and drops', () => {
    const stats = newStats();
    countMedia(stats, 'video', 1000, 1000);
    countMedia(stats, 'audio', 250, 1020);
    countMedia(stats, 'video', 1000, 3000);
    countMedia(stats, 'data', 40, 0);
    stats.drops = 2;
    // 2290 bytes × 8 / 2000 ms = 9.16 kbit/s; media 1000 → 3000 ms.
    assert.equal(formatStats(stats, 2000), 'time 00:00:02.0  media 00:00:02.0  9.2 kbit/s  frames 2  audio 1  drops 2');
    assert.equal(formatStats(newStats(), 0), 'time 00:00:00.0  media 00:00:00.0  0.0 kbit/s  frames 0  audio 0  drops 0');
  });

  it('on a terminal rewrites one line every second; otherwise only the summary', async () => {
    const tty = new PassThrough();
    const reporter = new ProgressReporter(newStats(), tty, true);
    const [first] = (await once(tty, 'data')) as [Buffer];
    assert.match(first.toString(), /^\r\x1b\[Ktime 00:00:01\.\d {2}media/);
    reporter.finish('played');
    const plain = new PassThrough();
    new ProgressReporter(newStats(), plain, false).finish('played');
    assert.match(plain.read().toString(), /^played: time 00:00:00\.\d {2}media 00:00:00\.0 {2}0\.0 kbit\/s {2}frames 0 {2}audio 0 {2}drops 0\n$/);
  });
});

describe('rtmp-client: the process', { timeout: 90_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;
  before(async () => {
    ({ dir, remove } = await tempDir('client-cli'));
    source = await generateFlv(dir, 'source.flv', { seconds: 2, gop: 25 });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('--play --output out.flv records what ffmpeg publishes into rtmp-server: every packet', { timeout: 30_000 }, async () => {
    const { server, port } = await startServerCli();
    const out = join(dir, 'played.flv');
    const player = cli('rtmp-client', ['--url', `rtmp://127.0.0.1:${port}/live`, '--stream', 'cam', '--play', '--output', out]);
    await waitForStderr(server, /play #\d+ \S+ live\/cam/);
    const publisher = await ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/cam`]).exited;
    assert.equal(publisher.code, 0, publisher.stderr);
    const played = await player.exited;
    assert.equal(played.code, 0, played.stderr);
    assert.match(played.stderr, /stream ended \(NetStream\.Play\.UnpublishNotify\)/);
    assert.match(played.stderr, /played: time \S+ {2}media 00:00:0\d\.\d {2}[\d.]+ kbit\/s {2}frames \d+ {2}audio \d+ {2}drops 0/);
    server.proc.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.ok(want.length > 100);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
  });

  it('--output - writes only FLV bytes to stdout (logs stay on stderr)', { timeout: 30_000 }, async () => {
    const { server, port } = await startServerCli(['--log-level', 'error']);
    const player = cli('rtmp-client', ['-url', `rtmp://127.0.0.1:${port}/live/pipe`, '-play', '-output', '-', '-log-level', 'debug']);
    await waitForStderr(player, /playing live\/pipe into stdout/);
    const publisher = await ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${port}/live/pipe`]).exited;
    assert.equal(publisher.code, 0, publisher.stderr);
    const played = await player.exited;
    assert.equal(played.code, 0, played.stderr);
    server.proc.kill('SIGTERM');
    await server.exited;
    const stdout = played.stdout;
    assert.equal(stdout.subarray(0, 3).toString('latin1'), 'FLV');
    const tags = readFlvTags(stdout);
    // Every byte is accounted for by the header and well-formed tags.
    const consumed = 13 + tags.reduce((n, t) => n + 11 + t.data.length + 4, 0);
    assert.equal(consumed, stdout.length);
    const sourceTags = readFlvTags(await readFile(source));
    const media = (list: typeof tags) => list.filter((t) => t.type !== 18).map((t) => `${t.type}:${t.timestamp}:${t.data.toString('base64')}`);
    assert.deepEqual(media(tags), media(sourceTags));
  });

  it('--publish src.flv into the server while ffmpeg plays: ffmpeg gets every packet', { timeout: 30_000 }, async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const out = join(dir, 'from-cli.flv');
    const played = once(server, 'play');
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', `rtmp://127.0.0.1:${port}/live/up`, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await played;
    const publisher = await cli('rtmp-client', ['--url', `rtmp://127.0.0.1:${port}/live/up`, '--publish', source]).exited;
    assert.equal(publisher.code, 0, publisher.stderr);
    const tags = readFlvTags(await readFile(source));
    const count = (type: number): number => tags.filter((t) => t.type === type).length;
    assert.match(publisher.stderr, new RegExp(`published: time .* frames ${count(9)} {2}audio ${count(8)} {2}drops 0`));
    await server.close();
    const result = await player.exited;
    assert.equal(result.code, 0, result.stderr);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
  });

  it('--publish --loop --realtime keeps timestamps going and stops on SIGTERM with exit 0', { timeout: 30_000 }, async () => {
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const port = server.address()!.port;
    const videoTimestamps: number[] = [];
    const viewer = new Client();
    await viewer.connect(`rtmp://127.0.0.1:${port}/live`);
    await viewer.play('loop');
    const publisher = cli('rtmp-client', ['--url', `rtmp://127.0.0.1:${port}/live/loop`, '--publish', source, '--loop', '--realtime']);
    // Read until the timeline passes the 2 s file (the loop went on), or the stream ends.
    for await (const e of viewer.events()) {
      if (e.kind !== 'video') continue;
      videoTimestamps.push(e.timestamp);
      if (e.timestamp > 2200) break;
    }
    publisher.proc.kill('SIGTERM');
    const result = await publisher.exited;
    await viewer.close();
    await server.close();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /SIGTERM: stopping/);
    assert.match(result.stderr, /publishing stopped/);
    assert.ok(videoTimestamps.at(-1)! > 2200, 'the second round continued the timeline');
    assert.deepEqual(videoTimestamps, [...videoTimestamps].sort((a, b) => a - b), 'timestamps never go back');
  });

  it('exit codes: 2 connect/auth failure, 3 play refused, 4 missing file, 1 usage, 0 help and plain connect', { timeout: 30_000 }, async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const server = new Server({
      addr: '127.0.0.1:0',
      auth: { username: 'admin', password: 'secret' },
      onPlay(_conn, name) {
        if (name === 'forbidden') throw new Error('not for you');
      },
    });
    await server.listen();
    const port = server.address()!.port;
    const url = `rtmp://127.0.0.1:${port}/live`;
    const runs = await Promise.all([
      cli('rtmp-client', ['--url', `rtmp://127.0.0.1:${deadPort}/live`]).exited,
      cli('rtmp-client', ['--url', url, '--user', 'admin', '--pass', 'wrong']).exited,
      cli('rtmp-client', ['--url', url, '--user', 'admin', '--pass', 'secret', '--stream', 'forbidden', '--play', '--output', join(dir, 'x.flv')]).exited,
      cli('rtmp-client', ['--url', url, '--user', 'admin', '--pass', 'secret', '--stream', 's', '--publish', join(dir, 'missing.flv')]).exited,
      cli('rtmp-client', ['--url', url, '--bogus']).exited,
      cli('rtmp-client', ['--help']).exited,
      cli('rtmp-client', ['-url', `rtmp://admin:secret@127.0.0.1:${port}/live`, '-conn-timeout', '10s']).exited,
    ]);
    await server.close();
    assert.deepEqual(runs.map((r) => r.code), [2, 2, 3, 4, 1, 0, 0], runs.map((r) => r.stderr).join('\n---\n'));
    assert.match(runs[1]!.stderr, /connect failed: .*wrong username or password/);
    assert.match(runs[2]!.stderr, /play failed: .*not for you/);
    assert.match(runs[3]!.stderr, /cannot read .*missing\.flv/);
    assert.match(runs[4]!.stderr, /unknown flag --bogus/);
    assert.match(runs[5]!.stdout.toString(), /Exit codes:\n {2}0 {2}ok/);
    assert.match(runs[6]!.stderr, /connected to rtmp:\/\/127\.0\.0\.1:\d+\/live/);
  });

  it('rtmp-server --vod-dir: rtmp-client --play gets the whole file and exits 0 at its end', { timeout: 30_000 }, async () => {
    const vodDir = join(dir, 'vod');
    await mkdir(join(vodDir, 'live'), { recursive: true });
    await copyFile(source, join(vodDir, 'live', 'source.flv')); // <vodDir>/<app>/<name>.flv
    const { server, port } = await startServerCli(['--vod-dir', vodDir]);
    const out = join(dir, 'vod-copy.flv');
    const played = await cli('rtmp-client', ['--url', `rtmp://127.0.0.1:${port}/live/source`, '--play', '--output', out]).exited;
    server.proc.kill('SIGTERM');
    await server.exited;
    assert.equal(played.code, 0, played.stderr);
    assert.match(played.stderr, /stream ended \(NetStream\.Play\.Complete\)/); // onPlayStatus, first of Complete, Stream EOF, Play.Stop
    assert.equal(readFlvTags(await readFile(out)).filter((t) => t.type === 18 && t.data.includes(Buffer.from('onPlayStatus'))).length, 0);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
  });

  it('leaves no process behind', () => {
    assert.equal(runningProcesses(), 0);
  });
});
