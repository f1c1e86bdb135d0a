/**
 * The docs' self-contained examples (spec/helpers/doc-examples.ts: SELF_CONTAINED), each run as a
 * reader would run it: it starts what it needs, prints what happened, exits 0, and prints exactly
 * what the table says, with nothing on stderr. The rest of the docs' examples, their typecheck and
 * the docs' text are checked in examples.spec.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SELF_CONTAINED, runExample, running } from '../helpers/doc-examples.js';
import { tempDir } from '../helpers/media.js';

describe('docs examples that run on their own', { timeout: 600_000, concurrency: 4 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('docs-examples'));
  });
  after(async () => {
    for (const p of running) p.kill('SIGKILL');
    await remove();
  });

  for (const [name, expected] of Object.entries(SELF_CONTAINED)) {
    it(`${name}: runs on its own and prints what the docs say`, async () => {
      const args = name === 'recording-and-vod' ? [join(dir, 'recordings')] : name === 'layer-flv' ? [join(dir, 'layer.flv')] : [];
      const example = runExample(name, args);
      assert.equal(await example.exited, 0, example.stderr());
      assert.match(example.stdout(), expected);
      assert.equal(example.stderr(), '', 'no warnings or logs');
    });
  }
});
