/**
 * The HTTP side (issue 13, item 4): HTTP-FLV read by the real ffmpeg and compared packet by packet
 * with the source, the stats API against what is running, Prometheus text that parses, the hooks'
 * decision, CORS, and an HTTP player that does not read (it drops to keyframes, nobody else waits).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import type { ConnectionStats, StreamStats, WorkerSnapshot } from '../../lib/http/index.js';
import { parseFlvPath, renderMetrics } from '../../lib/http/index.js';
import type { Message } from '../../lib/message/message.js';
import { Server } from '../../lib/server/index.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { assertSamePackets, ffmpeg, runningProcesses } from '../helpers/ffmpeg.js';
import { publishFlv } from '../helpers/client-media.js';
import { interopMedia } from '../helpers/media.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The source's last media timestamp, and a server onMessage hook that resolves once the server got it. */
async function sourceEnd(file: string, withoutEndOfSequence = false): Promise<{ reached: Promise<void>; onMessage(conn: unknown, m: Message): void }> {
  const tags = readFlvTags(await readFile(file)).filter((t) => (t.type === 8 || t.type === 9) && !(withoutEndOfSequence && t.type === 9 && t.data[1] === 2));
  const last = Math.max(...tags.map((t) => t.timestamp));
  let done!: () => void;
  const reached = new Promise<void>((resolve) => (done = resolve));
  return { reached, onMessage: (_conn, m) => void ((m.type === 8 || m.type === 9) && m.timestamp >= last && done()) };
}

describe('HTTP side: HTTP-FLV, stats API, metrics', { timeout: 60_000 }, () => {
  const media = interopMedia('http-flv');

  it('ffmpeg reading http://…/live/NAME.flv gets the whole stream, packet by packet', async () => {
    const server = new Server({ addr: '127.0.0.1:0', http: '127.0.0.1:0' });
    await server.listen();
    const rtmp = `rtmp://127.0.0.1:${server.address()!.port}/live/web`;
    const url = `http://127.0.0.1:${server.http!.address()!.port}/live/web.flv`;
    const out = join(media.dir, 'http.flv');
    const joined = once(server.http!, 'play');
    const reader = ffmpeg(['-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    await joined;
    const publisher = ffmpeg(['-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', rtmp]);
    const published = await publisher.exited;
    assert.equal(published.code, 0, published.stderr);
    // The response ends when the publisher leaves: ffmpeg sees the end of the file.
    const read = await reader.exited;
    assert.equal(read.code, 0, read.stderr);
    await server.close();
    await assertSamePackets(out, media.source);
  });

  it('the response is chunked FLV with a CORS header; a late joiner starts at the cached keyframe', async () => {
    const lastTag = await sourceEnd(media.source, true);
    const server = new Server({ addr: '127.0.0.1:0', http: '127.0.0.1:0', onMessage: lastTag.onMessage });
    await server.listen();
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${server.address()!.port}/live/cached`);
    await publisher.publish('cached');
    // Everything but ffmpeg's closing AVC end-of-sequence tag (which empties the GOP cache).
    for (const tag of readFlvTags(await readFile(media.source))) {
      if (tag.type === 9 && tag.data[1] === 2) continue;
      if (tag.type === 9) await publisher.writeVideo(tag.data, tag.timestamp);
      else if (tag.type === 8) await publisher.writeAudio(tag.data, tag.timestamp);
    }
    // Everything sent; the stream stays published, so its GOP cache is what a late joiner gets.
    await lastTag.reached;
    const stream = server.registry.get('live', 'cached')!;
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: server.http!.address()!.port, path: '/live/cached.flv' }, resolve));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'video/x-flv');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    // Read until the cached GOP has arrived (header 13 bytes, then tags).
    let bytes = Buffer.alloc(0);
    const tags: Array<{ type: number; timestamp: number; keyframe: boolean }> = [];
    for await (const chunk of res) {
      bytes = Buffer.concat([bytes, chunk as Buffer]);
      if (bytes.length < 13) continue;
      // Parse all complete tags from the start (small test data).
      let at = 13;
      tags.length = 0;
      while (at + 11 <= bytes.length) {
        const size = bytes.readUIntBE(at + 1, 3);
        if (at + 11 + size + 4 > bytes.length) break;
        const type = bytes[at]!;
        const timestamp = bytes.readUIntBE(at + 4, 3) | (bytes[at + 7]! << 24);
        tags.push({ type, timestamp, keyframe: type === 9 && bytes[at + 11] === 0x17 && bytes[at + 12] === 1 });
        at += 11 + size + 4;
      }
      if (tags.length >= 2 + stream.cache.gop.length) break;
    }
    res.destroy();
    assert.equal(bytes.subarray(0, 3).toString('latin1'), 'FLV');
    const mediaTags = tags.filter((t) => t.type !== 18);
    // The two decoder configurations, then the GOP from its keyframe.
    const firstFrame = mediaTags.slice(2).find((t) => t.type === 9)!;
    assert.ok(firstFrame.keyframe, 'the first video frame is a keyframe');
    assert.equal(mediaTags[2]!.timestamp, stream.cache.gop[0]!.timestamp, 'the GOP starts at the cached keyframe');
    await publisher.close();
    await server.close();
  });

  it('GET /api/streams and /api/connections describe what is running; /metrics parses', async () => {
    const lastTag = await sourceEnd(media.source);
    const server = new Server({ addr: '127.0.0.1:0', onMessage: lastTag.onMessage, http: { addr: '127.0.0.1:0', budget: () => ({ limitBytes: 1000, usedBytes: 250 }) } });
    await server.listen();
    const port = server.address()!.port;
    const httpPort = server.http!.address()!.port;
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('stats');
    await publishFlv(publisher, media.source);
    await lastTag.reached;
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('stats');
    const joined = once(server.http!, 'play');
    const flv = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: httpPort, path: '/live/stats.flv' }, resolve));
    await joined;

    const streams = JSON.parse((await get(httpPort, '/api/streams')).body) as { streams: StreamStats[]; workers: Array<{ worker: number | null }> };
    assert.equal(streams.streams.length, 1);
    const s = streams.streams[0]!;
    assert.deepEqual([s.app, s.name, s.worker], ['live', 'stats', null]);
    const publisherPort = (publisher.connection!.socket as net.Socket).localPort!;
    assert.deepEqual([s.publisher?.protocol, s.publisher?.address, s.publisher?.port, s.publisher?.type], ['rtmp', '127.0.0.1', publisherPort, 'live']);
    assert.deepEqual(s.video, { codec: 'h264', width: 160, height: 120, fps: 25 });
    assert.deepEqual(s.audio, { codec: 'aac', sampleRate: 44100, channels: 1 });
    assert.ok(s.bytesIn > 100_000 && s.bitrateKbps > 0, `bytes ${s.bytesIn}, ${s.bitrateKbps} kbit/s`);
    assert.equal(s.playerCount, 2);
    const playerPort = (player.connection!.socket as net.Socket).localPort!;
    assert.deepEqual(
      s.players.map((p) => [p.protocol, p.port, p.droppedMessages, p.relay]).sort(),
      [['http-flv', flv.socket.localPort, 0, false], ['rtmp', playerPort, 0, false]].sort(),
    );

    const connections = JSON.parse((await get(httpPort, '/api/connections')).body) as { connections: ConnectionStats[] };
    const byPort = new Map(connections.connections.map((c) => [c.port, c]));
    assert.equal(connections.connections.length, 3);
    assert.deepEqual(byPort.get(publisherPort)?.publishing, ['stats']);
    assert.deepEqual(byPort.get(playerPort)?.playing, ['stats']);
    assert.deepEqual([byPort.get(flv.socket.localPort!)?.protocol, byPort.get(flv.socket.localPort!)?.playing], ['http-flv', ['stats']]);
    assert.ok(byPort.get(publisherPort)!.bytesIn >= s.bytesIn);

    const metrics = await get(httpPort, '/metrics');
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const series = parsePrometheus(metrics.body);
    assert.equal(series.get('rtmp_connections{protocol="rtmp"}'), 2);
    assert.equal(series.get('rtmp_connections{protocol="http-flv"}'), 1);
    assert.equal(series.get('rtmp_streams'), 1);
    assert.equal(series.get('rtmp_players'), 2);
    assert.equal(series.get('rtmp_dropped_messages_total'), 0);
    assert.equal(series.get('rtmp_memory_budget_bytes'), 1000);
    assert.equal(series.get('rtmp_memory_budget_used_bytes'), 250);
    assert.ok(series.get('rtmp_received_bytes_total')! >= s.bytesIn);
    assert.ok(series.get('rtmp_sent_bytes_total')! > 0);

    flv.destroy();
    await player.close();
    await publisher.close();
    await server.close();
  });

  it('the hooks decide as for an RTMP play; auth servers refuse HTTP-FLV; other paths 404; OPTIONS answers CORS', async () => {
    const seen: string[] = [];
    const server = new Server({
      addr: '127.0.0.1:0',
      http: '127.0.0.1:0',
      onConnect(conn, info) {
        seen.push(`connect ${info.app} ${info.query.token ?? '-'} ${conn.remoteAddress}`);
        if (info.query.token !== 'ok') throw Object.assign(new Error('bad token'), { httpStatus: 401 });
      },
      onPlay(_conn, name) {
        seen.push(`play ${name}`);
        if (name === 'secret') throw new Error('not this one');
      },
    });
    await server.listen();
    const port = server.http!.address()!.port;
    assert.equal((await get(port, '/live/a.flv?token=no')).status, 401);
    assert.equal((await get(port, '/live/secret.flv?token=ok')).status, 403);
    assert.equal((await get(port, '/live/a.flv?token=ok', 'HEAD')).status, 200);
    assert.deepEqual(seen, ['connect live no 127.0.0.1', 'connect live ok 127.0.0.1', 'play secret', 'connect live ok 127.0.0.1', 'play a']);
    assert.equal((await get(port, '/nothing')).status, 404);
    assert.equal((await get(port, '/live/a.flv', 'POST')).status, 405);
    const options = await get(port, '/live/a.flv', 'OPTIONS');
    assert.deepEqual([options.status, options.headers['access-control-allow-origin']], [204, '*']);
    await server.close();

    const withAuth = new Server({ addr: '127.0.0.1:0', http: '127.0.0.1:0', auth: { username: 'u', password: 'p' } });
    await withAuth.listen();
    assert.equal((await get(withAuth.http!.address()!.port, '/live/a.flv')).status, 401);
    await withAuth.close();
  });

  it('an HTTP player that does not read drops to keyframes; the publisher and an RTMP player are not held up', async () => {
    // RTMP players may queue 256 MiB (the reading one never drops, however loaded the machine); HTTP-FLV players 256 KiB.
    const server = new Server({ addr: '127.0.0.1:0', limits: { maxPlayerBacklog: 256 * 1024 * 1024 }, http: { addr: '127.0.0.1:0', maxPlayerBacklog: 256 * 1024 } });
    await server.listen();
    const port = server.address()!.port;
    // A raw HTTP client that sends its request and never reads a byte.
    const stuck = net.connect(server.http!.address()!.port, '127.0.0.1');
    await once(stuck, 'connect');
    const joined = once(server.http!, 'play');
    stuck.write('GET /live/big.flv HTTP/1.1\r\nHost: x\r\n\r\n');
    await joined;
    stuck.pause();
    const player = new Client();
    await player.connect(`rtmp://127.0.0.1:${port}/live`);
    await player.play('big');
    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
    await publisher.publish('big');
    // 40 MB of synthetic AVC: a keyframe every 10 frames of 200 kB (far beyond the kernel's buffers).
    const frames = 200;
    const received = (async () => {
      let n = 0;
      for await (const event of player.events()) if (event.kind === 'video' && ++n === frames + 1) return n;
      return n;
    })();
    await publisher.writeVideo(Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3]), 0);
    for (let i = 0; i < frames; i++) {
      const payload = Buffer.alloc(200_000, i);
      payload[0] = i % 10 === 0 ? 0x17 : 0x27;
      payload[1] = 1;
      await publisher.writeVideo(payload, i * 40);
    }
    assert.equal(await received, frames + 1, 'the RTMP player got every frame');
    const snapshot = server.http!.stats.snapshot();
    const httpPlayer = snapshot.streams[0]!.players.find((p) => p.protocol === 'http-flv')!;
    assert.ok(httpPlayer.droppedMessages > 0 && httpPlayer.overflows > 0, `the stuck HTTP player dropped (${httpPlayer.droppedMessages})`);
    assert.equal(snapshot.totals.droppedMessages, httpPlayer.droppedMessages);
    const sub = [...server.http!.stats.httpPlayers][0]!;
    assert.ok(sub.outboundBacklog < 256 * 1024 + 2 * 200_100 + 65536, `bounded backlog: ${sub.outboundBacklog}`);
    stuck.destroy();
    await player.close();
    await publisher.close();
    await server.close();
  });

  it('paths and metric rendering', () => {
    assert.deepEqual(parseFlvPath('/live/a.flv'), { app: 'live', name: 'a' });
    assert.deepEqual(parseFlvPath('/live/inst/a%20b.flv'), { app: 'live/inst', name: 'a b' });
    for (const bad of ['/a.flv', '/live/.flv', '/live/a', '/%E0%A4%A.flv', '//a.flv']) assert.equal(parseFlvPath(bad), undefined, bad);
    const text = renderMetrics([
      { name: 'x_total', help: 'with "quotes" and \\ back\nslash', type: 'counter', value: 3, labels: { worker: '1', path: 'a"b\\c' } },
      { name: 'x_total', help: 'ignored', type: 'counter', value: 4, labels: { worker: '2' } },
    ]);
    assert.equal(text, '# HELP x_total with "quotes" and \\\\ back\\nslash\n# TYPE x_total counter\nx_total{worker="1",path="a\\"b\\\\c"} 3\nx_total{worker="2"} 4\n');
    assert.equal(parsePrometheus(text).get('x_total{worker="2"}'), 4);
    const empty: WorkerSnapshot[] = [];
    assert.equal(empty.length, 0);
  });

  it('every process started by these tests is gone', () => {
    assert.equal(runningProcesses(), 0);
  });
});
