/**
 * startCluster() from a user's script: the hooks decide in every worker (a refused publish or play
 * is refused whichever worker gets it, RTMP and HTTP-FLV alike), recording happens once, in the
 * publisher's worker, and the file holds every packet; primary.close() drains the workers.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '../../lib/client/index.js';
import { isRtmpError } from '../../lib/errors.js';
import type { ConnectionStats } from '../../lib/http/index.js';
import { assertSamePackets, runningProcesses, start } from '../helpers/ffmpeg.js';
import { publishFlv } from '../helpers/client-media.js';
import { interopMedia } from '../helpers/media.js';
import { getText } from '../helpers/http-get.js';


function statusOf(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('cluster: startCluster() in a user script', { timeout: 120_000 }, () => {
  const media = interopMedia('cluster-api');

  it('hooks refuse on every worker; recording happens once with every packet; close() drains', async () => {
    const recordDir = join(media.dir, 'rec');
    // Tracked by the helper: killed in after() if a check fails.
    const app = start(process.execPath, ['--import', 'tsx', 'spec/cluster/fixtures/cluster-app.ts', recordDir]);
    const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
      let out = '';
      app.proc.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /ready (\d+) (\d+) ([\d,]+)/.exec(out);
        if (m) resolve(m);
      });
      void app.exited.then((r) => reject(new Error(`exited ${r.code}: ${r.stderr}`)));
    });
    const [port, httpPort] = [Number(ready[1]), Number(ready[2])];
    assert.equal(ready[3]!.split(',').length, 2);

    // Connections until both workers had some (round-robin: two do); every one is refused.
    const workers = new Set<number>();
    for (let i = 0; i < 4 || workers.size < 2; i++) {
      assert.ok(i < 10, 'the primary spreads connections over both workers');
      const c = new Client();
      await c.connect(`rtmp://127.0.0.1:${port}/live?key=bad`);
      const localPort = (c.connection!.socket as net.Socket).localPort;
      const { connections } = JSON.parse(await getText(httpPort, '/api/connections')) as { connections: ConnectionStats[] };
      workers.add(connections.find((x) => x.port === localPort)!.worker!);
      await assert.rejects(c.publish('x'), (err: unknown) => isRtmpError(err) && /bad key/.test(err.message));
      await assert.rejects(c.play('secret'), (err: unknown) => isRtmpError(err) && /not this one/.test(err.message));
      await c.close();
      assert.equal(await statusOf(httpPort, '/live/secret.flv'), 403);
    }

    const publisher = new Client();
    await publisher.connect(`rtmp://127.0.0.1:${port}/live?key=k`);
    await publisher.publish('rec');
    await publishFlv(publisher, media.source);
    await publisher.close();

    app.proc.kill('SIGTERM');
    const result = await app.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /stopped/);
    assert.deepEqual(await readdir(join(recordDir, 'live')), ['rec.flv']);
    await assertSamePackets(join(recordDir, 'live', 'rec.flv'), media.source);
  });

  it('every process started by these tests is gone', () => {
    assert.equal(runningProcesses(), 0);
  });
});
