/** Stream and app names as file paths (lib/server/safe-path.ts): one table, every row a name and its verdict. */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { flvStreamName, mediaFilePath, unsafeNameReason } from '../../lib/server/safe-path.js';

// [name, undefined = safe | a word the reason contains]
const NAMES: Array<[string, string | undefined]> = [
  ['cam', undefined],
  ['sub/dir/cam', undefined],
  ['ünïcødé-名前', undefined],
  ['with space and.dots', undefined],
  ['...', undefined], // three dots is an ordinary file name
  ['y'.repeat(255), undefined], // NAME_MAX exactly
  ['', 'empty'],
  ['/etc/passwd', 'absolute'],
  ['..', '".."'],
  ['.', '"."'],
  ['../up', '".."'],
  ['a/../../b', '".."'],
  ['a/./b', '"."'],
  ['a//b', 'empty path component'],
  ['trailing/', 'empty path component'],
  ['back\\slash', '"\\\\"'],
  ['..\\..\\win', '"\\\\"'],
  ['c:drive', '":"'],
  ['nul\u0000byte', 'character'],
  ['newline\nname', 'character'],
  ['del\u007f', 'character'],
  ['c1\u0085', 'character'],
  ['y'.repeat(256), '255 bytes'],
  ['é'.repeat(128), '255 bytes'], // 256 bytes of UTF-8 in 128 characters
  [Array.from({ length: 5 }, () => 'z'.repeat(250)).join('/'), '1024 bytes'],
];

describe('safe-path: names as relative paths', () => {
  it('unsafeNameReason: the table', () => {
    for (const [name, reason] of NAMES) {
      const got = unsafeNameReason(name);
      if (reason === undefined) assert.equal(got, undefined, JSON.stringify(name));
      else assert.ok(got?.includes(reason), `${JSON.stringify(name).slice(0, 40)}: ${got}`);
    }
  });

  it('flvStreamName strips the FMS flv: prefix and the .flv suffix (any case), nothing else', () => {
    assert.deepEqual(
      ['flv:cam', 'cam.flv', 'cam.FLV', 'flv:cam.flv', 'cam', 'mp4:cam', 'cam.flv.flv', '.flv', 'flv:'].map(flvStreamName),
      ['cam', 'cam', 'cam', 'cam', 'cam', 'mp4:cam', 'cam.flv', '', ''],
    );
  });

  it('mediaFilePath: <root>/<app>/<name>.flv inside the root, or which part is unsafe', () => {
    const root = '/srv/media';
    assert.deepEqual(mediaFilePath(root, 'live', 'flv:cam'), { ok: true, path: join(root, 'live', 'cam.flv'), name: 'cam', relative: 'live/cam.flv' });
    assert.deepEqual(mediaFilePath('rel', 'app/inst', 'a/b.flv'), { ok: true, path: resolve('rel', 'app', 'inst', 'a', 'b.flv'), name: 'a/b', relative: 'app/inst/a/b.flv' });
    assert.deepEqual(mediaFilePath(root, '', 'cam'), { ok: true, path: join(root, 'cam.flv'), name: 'cam', relative: 'cam.flv' });
    for (const [name, reason] of NAMES) {
      const got = mediaFilePath(root, 'live', name);
      if (reason === undefined) {
        assert.ok(got.ok && got.path.startsWith(`${root}/live/`), JSON.stringify(name));
      } else if (name !== '.flv') {
        assert.deepEqual(got.ok ? 'ok' : got.what, 'name', JSON.stringify(name).slice(0, 40));
      }
      const asApp = mediaFilePath(root, name, 'cam');
      if (name === '') assert.ok(asApp.ok, 'an empty app records into the root');
      else assert.equal(asApp.ok ? 'ok' : asApp.what, reason === undefined ? 'ok' : 'app', `app ${JSON.stringify(name).slice(0, 40)}`);
    }
    assert.deepEqual(mediaFilePath(root, 'live', '.flv'), { ok: false, what: 'name', reason: 'the name is empty' });
  });
});
