/**
 * The package's public entry points (package.json "exports"): one per layer folder with an
 * index.ts, each pointing at that folder's built module and declarations, and no source maps in
 * the build (they would point at lib/*.ts, which the tarball does not ship). What a user really
 * installs is checked after the build by scripts/check-package.mjs (run by .ci/run).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  type: string;
  exports: Record<string, string | { types: string; import: string }>;
  files: string[];
};
const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };

describe('package exports', () => {
  it('is ESM: "type": "module" and import conditions only', () => {
    assert.equal(pkg.type, 'module');
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      assert.deepEqual(Object.keys(target as object), ['types', 'import'], `${key}: types first, then import`);
    }
  });

  it('exports every layer folder of lib/ that has an index.ts, and nothing else', () => {
    const folders = readdirSync(join(ROOT, 'lib'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'lib', e.name, 'index.ts')) && e.name !== 'cli')
      .map((e) => `./${e.name}`);
    const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json');
    assert.deepEqual(subpaths.sort(), folders.sort());
    for (const must of ['./flv', './codec', './chunk', './amf', './message', './handshake', './command']) assert.ok(subpaths.includes(must), must);
  });

  it('each entry point names the built module and declarations of its source', () => {
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      const dir = key === '.' ? '' : `${key.slice(2)}/`;
      const { types, import: js } = target as { types: string; import: string };
      assert.equal(js, `./dist/${dir}index.js`, key);
      assert.equal(types, `./dist/${dir}index.d.ts`, key);
      assert.ok(existsSync(join(ROOT, 'lib', dir, 'index.ts')), `${key}: lib/${dir}index.ts`);
    }
  });

  it('builds no source maps or declaration maps (they would point at unshipped lib/*.ts)', () => {
    assert.equal(build.compilerOptions.sourceMap, false);
    assert.equal(build.compilerOptions.declarationMap, false);
    assert.ok(!pkg.files.includes('lib/'), 'lib/ is not shipped');
  });
});
