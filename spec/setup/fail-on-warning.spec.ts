/**
 * The test runner's warning hook (spec/setup/fail-on-warning.mjs, in NODE_OPTIONS): a process
 * warning fails, in a test file and in a child node process a test starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { it } from 'node:test';
import { tempDir } from '../helpers/media.js';

const hook = pathToFileURL(resolve(import.meta.dirname, 'fail-on-warning.mjs')).href;

it('is loaded into this process by the runner', () => {
  assert.match(process.env.NODE_OPTIONS ?? '', /fail-on-warning\.mjs/);
});

it('a child node process that emits a warning exits non-zero with the warning named', () => {
  const child = spawnSync(process.execPath, ['-e', "process.emitWarning('leaky', 'MaxListenersExceededWarning'); setTimeout(() => {}, 50);"], {
    env: { ...process.env, NODE_OPTIONS: `--import="${hook}"` },
    encoding: 'utf8',
  });
  assert.notEqual(child.status, 0);
  assert.match(child.stderr, /process warning: MaxListenersExceededWarning: leaky/);
});

it('a test in which a warning is emitted fails', async () => {
  const dir = await tempDir('fail-on-warning');
  try {
    const file = join(dir.dir, 'warns.test.cjs');
    await writeFile(file, "require('node:test').it('warns', async () => { process.emitWarning('x'); await new Promise((r) => setTimeout(r, 50)); });\n");
    // A runner of its own: without NODE_TEST_CONTEXT it does not report to ours.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const child = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], {
      env: { ...env, NODE_OPTIONS: `--import="${hook}"` },
      encoding: 'utf8',
    });
    assert.notEqual(child.status, 0, child.stdout);
    assert.match(child.stdout, /# fail 1/);
    assert.match(child.stdout, /process warning: Warning: x/);
  } finally {
    await dir.remove();
  }
});
