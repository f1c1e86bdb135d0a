/**
 * Runs tsc (the project's compiler options) on the compile-time checks in this folder: the typed
 * events and the options-object signatures (see typed-api.typecheck.ts).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, it } from 'node:test';
import { tempDir } from '../helpers/media.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  dir = await tempDir('typecheck');
});
after(() => dir.remove());

it('typed events and options signatures: every @ts-expect-error is needed, everything else compiles', { timeout: 60_000 }, async () => {
  const config = join(dir.dir, 'tsconfig.typecheck.json');
  await writeFile(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: [join(ROOT, 'spec/typecheck/typed-api.typecheck.ts')],
    }),
  );
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  tsc.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  const [code] = (await once(tsc, 'close')) as [number];
  assert.equal(code, 0, output);
});
