#!/usr/bin/env node
// What a user installs: packs the built package (run `npm run build` first), installs the tarball
// into an empty project, and checks that every public entry point imports from ESM and (through
// dynamic import()) from CommonJS, typechecks with its subpath types (and so do the docs' examples,
// spec/examples/*.ts, as the docs show them: importing 'rtmp-pipeline' and 'rtmp-pipeline/<layer>'),
// and that the tarball ships
// no source maps (they would point at lib/*.ts, which is not shipped) and nothing but dist/,
// README.md, LICENSE and package.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
/** One name each entry point must export: proves it resolved to the right module. */
const PROBES = {
  '.': 'Server',
  './amf': 'Amf0Reader',
  './auth': 'ConnectAuthenticator',
  './cluster': 'startCluster',
  './chunk': 'ChunkDecoder',
  './client': 'Client',
  './cluster': 'startCluster',
  './codec': 'StreamDescriber',
  './command': 'CommandDecoder',
  './flv': 'FlvMuxer',
  './http': 'HttpServer',
  './handshake': 'performServerHandshake',
  './http': 'HttpServer',
  './message': 'decodeMessage',
  './server': 'Server',
  './session': 'RtmpConnection',
};

function fail(message) {
  console.error(`check-package: ${message}`);
  process.exit(1);
}

const entries = Object.keys(pkg.exports).filter((k) => k !== './package.json');
const missing = entries.filter((e) => !(e in PROBES));
const stale = Object.keys(PROBES).filter((e) => !entries.includes(e));
if (missing.length || stale.length) fail(`exports and probes differ: not probed ${missing}, not exported ${stale}`);
if (!existsSync(join(ROOT, 'dist/index.js'))) fail('dist/ is missing: run npm run build first');

const work = mkdtempSync(join(tmpdir(), 'rtmp-pipeline-pack-'));
try {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  const files = packed.files.map((f) => f.path);
  const maps = files.filter((p) => p.endsWith('.map'));
  if (maps.length) fail(`the tarball ships ${maps.length} source maps (${maps[0]} ...) pointing at sources it does not ship`);
  const foreign = files.filter((p) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(p));
  if (foreign.length) fail(`the tarball ships files outside dist/: ${foreign.slice(0, 5).join(', ')}`);

  const app = join(work, 'app');
  const dest = join(app, 'node_modules', pkg.name);
  mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', dest, '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'commonjs' }));
  const specifier = (entry) => (entry === '.' ? pkg.name : `${pkg.name}/${entry.slice(2)}`);

  // ESM: a static import of every entry point.
  const esm = entries.map((e, i) => `import { ${PROBES[e]} as p${i} } from '${specifier(e)}';`).join('\n') +
    `\nconst all = [${entries.map((_, i) => `p${i}`).join(', ')}];\nif (all.some((v) => typeof v !== 'function')) throw new Error('an entry point lacks its export');\nconsole.log('esm ok');\n`;
  writeFileSync(join(app, 'esm.mjs'), esm);
  // CommonJS: the package is ESM-only, so CommonJS code loads it with import().
  const cjs = `(async () => {\n${entries.map((e) => `  if (typeof (await import('${specifier(e)}')).${PROBES[e]} !== 'function') throw new Error('${e}');`).join('\n')}\n  console.log('cjs ok');\n})().catch((err) => { console.error(err); process.exit(1); });\n`;
  writeFileSync(join(app, 'cjs.cjs'), cjs);
  for (const file of ['esm.mjs', 'cjs.cjs']) {
    const r = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8' });
    if (r.status !== 0) fail(`${file} failed:\n${r.stdout}${r.stderr}`);
  }

  // The installed commands answer --version from the shipped package.json.
  for (const [command, target] of Object.entries(pkg.bin)) {
    const r = spawnSync(process.execPath, [join(dest, target), '--version'], { cwd: app, encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.startsWith(`${command} ${pkg.version} `)) fail(`${command} --version: ${r.status} ${r.stdout}${r.stderr}`);
  }

  // Types: every entry point resolves to its declarations under NodeNext resolution.
  writeFileSync(join(app, 'types.mts'), esm.replace("console.log('esm ok');", '').replace('const all', 'export const all'));
  // The docs' examples against the installed package, with the imports the docs show.
  const examples = readdirSync(join(ROOT, 'spec/examples')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  mkdirSync(join(app, 'examples'));
  for (const file of examples) {
    const text = readFileSync(join(ROOT, 'spec/examples', file), 'utf8')
      .replaceAll("from '../../lib/index.js'", `from '${pkg.name}'`)
      .replace(/from '\.\.\/\.\.\/lib\/([a-z]+)\/index\.js'/g, `from '${pkg.name}/$1'`);
    if (/from '\.\.?\//.test(text)) fail(`spec/examples/${file} imports a relative path: examples use the package's entry points`);
    writeFileSync(join(app, 'examples', file.replace(/\.ts$/, '.mts')), text);
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      files: ['types.mts', ...examples.map((f) => `examples/${f.replace(/\.ts$/, '.mts')}`)],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  if (tsc.status !== 0) fail(`the entry points' types do not resolve:\n${tsc.stdout}${tsc.stderr}`);
  console.log(`package: ${files.length} files, no source maps; ${entries.length} entry points import from ESM and CommonJS (import()) and typecheck; ${examples.length} doc examples typecheck against it`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
