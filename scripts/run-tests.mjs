#!/usr/bin/env node
// Runs every spec/**/*.spec.ts through node:test with tsx. Node 20's `--test` does not expand
// globs or look at .ts files, so we list them here. Extra arguments filter by path substring.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : [],
  );
}

const filters = process.argv.slice(2);
const files = walk('spec')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no spec files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Any process warning fails: the hook goes in NODE_OPTIONS, so the test files and every node
// process they start (the CLIs, the examples, child servers) load it.
const failOnWarning = pathToFileURL(resolve('spec/setup/fail-on-warning.mjs')).href;
const nodeOptions = [process.env.NODE_OPTIONS, `--import="${failOnWarning}"`].filter(Boolean).join(' ');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A test that hangs fails after 2 minutes instead of stalling CI; leaks are checked by tests
    // (spec/interop 7h), so a file whose tests are done may not keep CI waiting on a stray handle.
    '--test-timeout=120000',
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } },
);
process.exit(result.status ?? 1);
