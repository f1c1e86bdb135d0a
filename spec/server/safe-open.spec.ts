/**
 * Issue 11, files: record and VOD paths never leave their root, symbolic links included. The
 * issue's attack: `recordDir/live/link` is a link to a directory outside; publishing `link/x` with
 * record wrote the recording outside recordDir (the old check was lexical).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { link, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode } from '../../lib/errors.js';
import { openBelow } from '../../lib/server/safe-path.js';
import { SteadyPair, listening, releaseAll } from '../faults/support.js';
import { tempDir } from '../helpers/media.js';
import { closeAll, connectRaw, rawPublisher } from '../helpers/raw-client.js';
import { isMediaEvent, publishTags, startPlay, syntheticTags, writeSynthetic } from './record-vod-fixtures.js';

const { O_CREAT, O_WRONLY, O_RDONLY } = constants;

/** Every file below `dir`, as relative paths. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as { path: string }).path, e.name).slice(dir.length + 1)).sort();
}

describe('record and VOD paths stay below their root (issue 11)', () => {
  let tmp: { dir: string; remove(): Promise<void> };
  let root: string;
  let outside: string;
  beforeEach(async () => {
    tmp = await tempDir('safe-open-');
    root = join(tmp.dir, 'root');
    outside = join(tmp.dir, 'outside');
    await mkdir(join(root, 'live'), { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(root, 'live', 'link'));
  });
  afterEach(async () => {
    await releaseAll();
    await tmp.remove();
  });

  it('openBelow refuses a linked directory, a linked file, a hard-linked file (for writers) and a FIFO; plain paths open', async () => {
    await assert.rejects(openBelow(root, 'live/link/x.flv', O_CREAT | O_WRONLY, { createDirs: true }), { code: ErrorCode.PATH_ESCAPES_ROOT });
    await assert.rejects(openBelow(root, 'live/link/deeper/x.flv', O_CREAT | O_WRONLY, { createDirs: true }), { code: ErrorCode.PATH_ESCAPES_ROOT });
    await writeFile(join(outside, 'secret.flv'), 'secret');
    await symlink(join(outside, 'secret.flv'), join(root, 'live', 'file.flv'));
    await assert.rejects(openBelow(root, 'live/file.flv', O_RDONLY), { code: ErrorCode.PATH_ESCAPES_ROOT });
    await assert.rejects(openBelow(root, 'live/file.flv', O_CREAT | O_WRONLY), { code: ErrorCode.PATH_ESCAPES_ROOT });
    await link(join(outside, 'secret.flv'), join(root, 'live', 'hard.flv'));
    await assert.rejects(openBelow(root, 'live/hard.flv', O_CREAT | O_WRONLY, { singleLink: true }), { code: ErrorCode.PATH_ESCAPES_ROOT });
    execFileSync('mkfifo', [join(root, 'live', 'fifo.flv')]);
    await assert.rejects(openBelow(root, 'live/fifo.flv', O_RDONLY), { code: ErrorCode.PATH_ESCAPES_ROOT });
    assert.equal(await readFile(join(outside, 'secret.flv'), 'utf8'), 'secret');
    assert.deepEqual(await filesBelow(outside), ['secret.flv']);
    const handle = await openBelow(root, 'live/new/dir/x.flv', O_CREAT | O_WRONLY, { createDirs: true, singleLink: true });
    await handle.close();
    assert.ok((await stat(join(root, 'live', 'new', 'dir', 'x.flv'))).isFile());
    await assert.rejects(openBelow(root, 'live/missing.flv', O_RDONLY), { code: 'ENOENT' });
  });

  it('publish link/x with record: NetStream.Record.NoAccess, nothing written outside; a healthy recording beside it works', async () => {
    const { server, port } = await listening({ recordDir: root });
    const pair = await SteadyPair.open(port);
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    for (const name of ['link/x', 'file', 'link/deeper/x']) {
      if (name === 'file') await symlink(join(outside, 'file.flv'), join(root, 'live', 'file.flv'));
      const streamId = await client.createStream();
      client.command('publish', 0, null, [name, 'record'], streamId);
      const status = await client.nextStatus();
      assert.equal(status.code, 'NetStream.Record.NoAccess', `${name}: ${status.description}`);
      assert.equal(status.level, 'error');
      assert.equal(server.registry.isPublished('live', name), false);
    }
    assert.deepEqual(await filesBelow(outside), []);
    const { client: recorder, streamId } = await connectRaw(port).then(async (c) => {
      await c.connect({ app: 'live' });
      const id = await c.createStream();
      c.command('publish', 0, null, ['inside/ok', 'record'], id);
      assert.equal((await c.nextStatus()).code, 'NetStream.Publish.Start');
      return { client: c, streamId: id };
    });
    publishTags(recorder, streamId, syntheticTags({ durationMs: 200 }));
    await pair.exchange(16);
    await closeAll(recorder, client);
    await pair.close();
    await server.close();
    assert.ok((await stat(join(root, 'live', 'inside', 'ok.flv'))).size > 13);
    assert.deepEqual(await filesBelow(outside), []);
  });

  it('VOD: a file behind a linked directory or a linked file is not played (nothing read outside); getStreamLength is 0', async () => {
    await writeSynthetic(join(outside, 'x.flv'), { durationMs: 500 });
    await symlink(join(outside, 'x.flv'), join(root, 'live', 'y.flv'));
    await writeSynthetic(join(root, 'live', 'real.flv'), { durationMs: 300 });
    const { server, port } = await listening({ vodDir: root, vodPace: 'fast' });
    const started: string[] = [];
    server.vod!.on('start', (p) => started.push(p.name));
    const client = await connectRaw(port);
    await client.connect({ app: 'live' });
    for (const name of ['link/x', 'y']) {
      const length = await client.call('getStreamLength', null, [name]);
      assert.equal(length.args[0], 0, name);
      await startPlay(client, name);
    }
    // A real file beside them plays: its media is the first the client sees.
    const real = await startPlay(client, 'real');
    const media = await client.next(isMediaEvent);
    assert.equal(media.streamId, real);
    assert.deepEqual(started, ['real']);
    assert.equal(server.vod!.activePlayers.length, 1);
    await closeAll(client);
  });

  it('a publisher cannot plant a link: names with .. or absolute paths are still refused lexically', async () => {
    const { port } = await listening({ recordDir: root });
    const { client } = await rawPublisher(port, 'plain', 'live');
    await closeAll(client);
    for (const name of ['../x', '/etc/x', 'a/../../x']) {
      const c = await connectRaw(port);
      await c.connect({ app: 'live' });
      const id = await c.createStream();
      c.command('publish', 0, null, [name, 'record'], id);
      assert.equal((await c.nextStatus()).code, 'NetStream.Publish.BadName', name);
      await closeAll(c);
    }
    assert.deepEqual(await filesBelow(outside), []);
  });
});
