/**
 * Recording (issue 4, item 3): publish(name, 'record' | 'append') and recordAll write
 * `<recordDir>/<app>/<name>.flv`; names cannot leave the directory; files are finalised on
 * unpublish, disconnect and server.close(); a disk that falls behind stops the recording, never drops.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server, type ServerConfig } from '../../lib/server/index.js';
import { StreamRecorder } from '../../lib/server/recorder.js';
import { readFlvTags, writeFlv, type FlvTag } from '../helpers/flv-tags.js';
import { tempDir } from '../helpers/media.js';
import { closeAll, connectRaw, type RawClient } from '../helpers/raw-client.js';
import { publishTags, statusOf, syntheticTags } from './record-vod-fixtures.js';

/** Every file under `dir`, relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as { path?: string }).path ?? '', e.name).slice(dir.length + 1)).sort();
}

/** What the file should hold for published tags: onMetaData as FLV stores it, timestamps rebased + offset. */
function expectedTags(tags: FlvTag[], offset = 0): Array<{ type: number; timestamp: number; data: string }> {
  const base = tags[0]!.timestamp;
  return tags.map((t) => ({ type: t.type, timestamp: t.timestamp - base + offset, data: t.data.toString('hex') }));
}
function fileTags(bytes: Buffer): Array<{ type: number; timestamp: number; data: string }> {
  return readFlvTags(bytes).map((t) => ({ type: t.type, timestamp: t.timestamp, data: t.data.toString('hex') }));
}

describe('recording: publish record/append and recordAll', { timeout: 30_000 }, () => {
  let root: string;
  let remove: () => Promise<void>;
  let n = 0;
  const servers: Server[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    ({ dir: root, remove } = await tempDir('record'));
  });
  after(async () => {
    await closeAll(...clients);
    await Promise.all(servers.map((s) => s.close()));
    await remove();
  });

  async function server(config: ServerConfig = {}): Promise<{ s: Server; dir: string }> {
    const dir = join(root, `r${n++}`);
    await mkdir(dir);
    const s = new Server({ addr: '127.0.0.1:0', recordDir: dir, ...config });
    await s.listen();
    servers.push(s);
    return { s, dir };
  }
  async function publisher(s: Server, name: string, type: string, app = 'live'): Promise<{ c: RawClient; id: number; codes: string[] }> {
    const c = await connectRaw(s.address()!.port);
    clients.push(c);
    await c.connect({ app });
    const id = await c.createStream();
    c.command('publish', 0, null, [name, type], id);
    const first = statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus'));
    const codes = [first.code];
    if (first.code === 'NetStream.Publish.Start' && s.recordings!.modeFor(type as 'live') !== undefined && type !== 'live') {
      codes.push(statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus')).code);
    }
    return { c, id, codes };
  }
  /** Publishes `tags` and unpublishes; resolves once the file is closed. */
  async function record(s: Server, name: string, type: string, tags: FlvTag[], app = 'live'): Promise<string[]> {
    const { c, id, codes } = await publisher(s, name, type, app);
    publishTags(c, id, tags);
    const stopped = once(s.recordings!, 'stop');
    c.command('FCUnpublish', 0, null, [name]);
    await stopped;
    if (type !== 'live') codes.push(statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus' && statusOf(e).code.startsWith('NetStream.Record'))).code);
    await c.close();
    return codes;
  }

  it("'record' writes every tag to <recordDir>/<app>/<name>.flv with Record.Start and Record.Stop; a second 'record' starts afresh", async () => {
    const { s, dir } = await server();
    const tags = syntheticTags({ durationMs: 2000 }).map((t) => ({ ...t, timestamp: t.timestamp + 5000 }));
    const codes = await record(s, 'cam', 'record', tags);
    assert.deepEqual(codes, ['NetStream.Publish.Start', 'NetStream.Record.Start', 'NetStream.Record.Stop']);
    assert.deepEqual(await listFiles(dir), ['live/cam.flv']);
    const bytes = await readFile(join(dir, 'live', 'cam.flv'));
    assert.equal(bytes.subarray(0, 13).toString('hex'), '464c5601050000000900000000');
    // Timestamps start at 0; onMetaData is stored without @setDataFrame, byte for byte as the source.
    assert.deepEqual(fileTags(bytes), expectedTags(tags));
    const again = syntheticTags({ durationMs: 500 });
    await record(s, 'cam', 'record', again);
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'cam.flv'))), expectedTags(again));
  });

  it("'append' continues the file: one header, timestamps 1 ms past the last tag, tag count the sum", async () => {
    const { s, dir } = await server();
    const first = syntheticTags({ durationMs: 1000 });
    const second = syntheticTags({ durationMs: 700 });
    assert.deepEqual(await record(s, 'show', 'append', first), ['NetStream.Publish.Start', 'NetStream.Record.Start', 'NetStream.Record.Stop']);
    await record(s, 'show', 'append', second);
    const bytes = await readFile(join(dir, 'live', 'show.flv'));
    assert.equal(bytes.indexOf('FLV', 3), -1, 'no second FLV header');
    const lastFirst = Math.max(...first.map((t) => t.timestamp));
    assert.deepEqual(fileTags(bytes), [...expectedTags(first), ...expectedTags(second, lastFirst + 1)]);
    // The reader walked the whole file: nothing was left over.
    assert.equal(writeFlv(readFlvTags(bytes)).length, bytes.length);
  });

  it("'append' to a file with a damaged tail cuts the damage off first; to a missing file starts one", async () => {
    const { s, dir } = await server();
    await mkdir(join(dir, 'live'));
    const old = syntheticTags({ durationMs: 500 });
    const whole = writeFlv(old);
    await writeFile(join(dir, 'live', 'cut.flv'), whole.subarray(0, whole.length - 7));
    const more = syntheticTags({ durationMs: 300 });
    await record(s, 'cut', 'append', more);
    const lastWhole = old.at(-2)!.timestamp; // the last tag lost its end
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'cut.flv'))), [...expectedTags(old.slice(0, -1)), ...expectedTags(more, lastWhole + 1)]);
    await record(s, 'fresh', 'append', more);
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'fresh.flv'))), expectedTags(more));
  });

  it("'append' to a file that is not FLV is refused with Record.Failed and leaves it alone", async () => {
    const { s, dir } = await server();
    await mkdir(join(dir, 'live'));
    await writeFile(join(dir, 'live', 'text.flv'), 'not flv');
    const { codes } = await publisher(s, 'text', 'append');
    assert.deepEqual(codes, ['NetStream.Record.Failed']);
    assert.equal(await readFile(join(dir, 'live', 'text.flv'), 'utf8'), 'not flv');
    assert.equal(s.registry.isPublished('live', 'text'), false);
  });

  it('names that could leave the directory are refused with an error status and nothing is written', async () => {
    const { s, dir } = await server();
    const table: Array<[app: string, name: string, code: string]> = [
      ['live', '../escape', 'NetStream.Publish.BadName'],
      ['live', '..', 'NetStream.Publish.BadName'],
      ['live', 'a/../../b', 'NetStream.Publish.BadName'],
      ['live', '/tmp/abs', 'NetStream.Publish.BadName'],
      ['live', 'back\\slash', 'NetStream.Publish.BadName'],
      ['live', 'nul\u0000byte', 'NetStream.Publish.BadName'],
      ['live', 'c:drive', 'NetStream.Publish.BadName'],
      ['live', 'y'.repeat(256), 'NetStream.Publish.BadName'],
      ['live', 'flv:', 'NetStream.Publish.BadName'],
      ['live', 'a//b', 'NetStream.Publish.BadName'],
      ['live/..', 'x', 'NetStream.Record.NoAccess'],
      ['../up', 'x', 'NetStream.Record.NoAccess'],
    ];
    for (const [app, name, code] of table) {
      const { codes } = await publisher(s, name, 'record', app);
      assert.deepEqual(codes, [code], `${app} / ${JSON.stringify(name)}`);
      assert.equal(s.registry.isPublished(app, name), false);
    }
    assert.deepEqual(await listFiles(root).then((files) => files.filter((f) => !f.startsWith('r'))), []);
    assert.deepEqual(await listFiles(dir), []);
    // The longest allowed component still records.
    const { codes } = await publisher(s, 'y'.repeat(251), 'record');
    assert.deepEqual(codes, ['NetStream.Publish.Start', 'NetStream.Record.Start']);
  });

  it('one recording per file: flv:name and name are the same file', async () => {
    const { s } = await server();
    const a = await publisher(s, 'same', 'record');
    assert.equal(a.codes[0], 'NetStream.Publish.Start');
    const b = await publisher(s, 'flv:same', 'record');
    assert.deepEqual(b.codes, ['NetStream.Publish.BadName']);
  });

  it('recordAll records live publishes (subdirectories per app); without recordAll a live publish writes nothing', async () => {
    const { s, dir } = await server({ recordAll: true });
    const tags = syntheticTags({ durationMs: 400 });
    assert.deepEqual(await record(s, 'key', 'live', tags, 'app/inst'), ['NetStream.Publish.Start']);
    assert.deepEqual(fileTags(await readFile(join(dir, 'app', 'inst', 'key.flv'))), expectedTags(tags));
    const plain = await server();
    const p = await publisher(plain.s, 'key', 'live');
    assert.deepEqual(p.codes, ['NetStream.Publish.Start']);
    assert.equal(plain.s.recordings!.recorders.length, 0);
    const appendAll = await server({ recordAll: 'append' });
    await record(appendAll.s, 'k', 'live', tags);
    await record(appendAll.s, 'k', 'live', tags);
    assert.equal(readFlvTags(await readFile(join(appendAll.dir, 'live', 'k.flv'))).length, 2 * tags.length);
  });

  it('the file is finalised on disconnect and on server.close()', async () => {
    const { s, dir } = await server();
    const tags = syntheticTags({ durationMs: 300 });
    const one = await publisher(s, 'drop', 'record');
    publishTags(one.c, one.id, tags);
    await one.c.call('_checkbw', null);
    const stopped = once(s.recordings!, 'stop');
    one.c.destroy();
    await stopped;
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'drop.flv'))), expectedTags(tags));
    const two = await publisher(s, 'closing', 'record');
    publishTags(two.c, two.id, tags);
    await two.c.call('_checkbw', null);
    await s.close();
    assert.equal(s.recordings!.recorders.length, 0);
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'closing.flv'))), expectedTags(tags));
  });

  it('a disk that falls behind recordMaxBacklog stops the recording (Record.Failed), keeps what it had, and the live stream goes on', async () => {
    const { s, dir } = await server({ recordMaxBacklog: 4096 });
    const { c, id } = await publisher(s, 'big', 'record');
    const small = syntheticTags({ durationMs: 100 });
    publishTags(c, id, small);
    const stopped = once(s.recordings!, 'stop');
    c.send({ kind: 'video', streamId: id, timestamp: 200, payload: Buffer.alloc(8000, 0x27) });
    const failed = statusOf(await c.next((e) => e.kind === 'command' && e.name === 'onStatus'));
    assert.deepEqual([failed.code, failed.level], ['NetStream.Record.Failed', 'error']);
    await stopped;
    assert.deepEqual(fileTags(await readFile(join(dir, 'live', 'big.flv'))), expectedTags(small));
    assert.equal(s.registry.isPublished('live', 'big'), true);
  });

  it('StreamRecorder copies payloads only once the disk is behind, and counts the backlog', async () => {
    const { dir } = await server();
    const recorder = await StreamRecorder.open(join(dir, 'unit.flv'), 'record');
    const payload = Buffer.alloc(64 * 1024, 0x27);
    for (let i = 0; i < 16; i++) recorder.media({ kind: 'video', streamId: 1, timestamp: i * 40, payload });
    assert.ok(recorder.stats.copies > 0 && recorder.stats.copies < 16, `copies ${recorder.stats.copies}`);
    assert.ok(recorder.stats.maxBacklog > 256 * 1024);
    await recorder.close();
    const tags = readFlvTags(await readFile(join(dir, 'unit.flv')));
    assert.deepEqual(tags.map((t) => t.timestamp), Array.from({ length: 16 }, (_, i) => i * 40));
    assert.ok(tags.every((t) => t.data.equals(payload)));
  });
});
