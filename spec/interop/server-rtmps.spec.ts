/** Interop 7f: ffmpeg publishes over rtmps:// to our TLS listener and plays back over rtmps://. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, type ServerConnection } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, framemd5, killAll, packetSummary, probePackets, run, runningProcesses } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';

describe('interop: RTMPS with ffmpeg', { timeout: 60_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;
  let key: Buffer;
  let cert: Buffer;

  before(async () => {
    ({ dir, remove } = await tempDir('server-rtmps'));
    source = await generateFlv(dir, 'source.flv', { seconds: 2 });
    // A throwaway self-signed certificate for this run.
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
    [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'))]);
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('7f: publishes and plays over TLS beside the plain listener, packets intact', async () => {
    const server = new Server({ addr: '127.0.0.1:0', tls: { key, cert, addr: '127.0.0.1:0' } });
    await server.listen();
    assert.notEqual(server.address()!.port, server.tlsAddress()!.port);
    const url = `rtmps://127.0.0.1:${server.tlsAddress()!.port}/live/secure`;
    const out = join(dir, 'secure.flv');
    const played = once(server, 'play') as Promise<[ServerConnection]>;
    const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
    const [playerConn] = await played;
    assert.equal(playerConn.secure, true);
    const published = once(server, 'publish') as Promise<[ServerConnection]>;
    const unpublished = once(server, 'unpublish');
    const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
    const [publisherConn] = await published;
    assert.equal(publisherConn.secure, true);
    const pubResult = await publisher.exited;
    assert.equal(pubResult.code, 0, pubResult.stderr);
    await unpublished;
    await server.close();
    const playResult = await player.exited;
    assert.equal(playResult.code, 0, playResult.stderr);
    const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
    assert.deepEqual(packetSummary(got, 'video'), packetSummary(want, 'video'));
    assert.deepEqual(packetSummary(got, 'audio'), packetSummary(want, 'audio'));
    assert.deepEqual(await framemd5(out), await framemd5(source));
    assert.equal(runningProcesses(), 0);
  });
});
