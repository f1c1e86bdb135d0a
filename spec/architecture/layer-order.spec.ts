// The layer order of lib/ (issue 10, item 4): each folder imports only folders listed below it in
// LAYERS (lower layers), across folders only through the folder's index.ts, and never lib/index.ts
// (the public surface). Type-only imports follow the same rule. A new import that breaks it fails
// here, naming the file and the import. docs/architecture.md ("Layer order") documents the table.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Lowest first. Root files (ROOT_FILES) sit below every folder; lib/index.ts above all. */
export const LAYERS = [
  'amf', //       AMF0/AMF3 values ⇄ bytes
  'handshake', // C0/C1/C2 ⇄ S0/S1/S2, before the chunk layer starts
  'message', //   typed payload codecs per message type
  'chunk', //     bytes ⇄ chunks ⇄ messages; ByteQueue, slab allocation
  'command', //   messages ⇄ typed events
  'codec', //     codec configuration parsers and stream descriptions
  'flv', //       FLV tags, demuxer/muxer stages (produce and take command events)
  'auth', //      challenge schemes for both roles, importing neither role
  'session', //   a connection: pipelines, RPC, acks, pings, deadlines
  'client', //    the Client
  'server', //    the Server, its registry, recorder, VOD; server/relay (built on the Client)
  'http', //      HTTP-FLV, stats API, metrics (on top of the server's registry)
  'cluster', //   N workers sharing ports, internal relays
  'cli', //       the two command-line tools
] as const;

/** Files at lib/ itself that every layer may import (they import no folder). */
export const ROOT_FILES = ['errors.ts', 'logger.ts', 'seed-aliases.ts'] as const;

/**
 * Known breaks of the order, each with why it is still there. The spec fails on any break not
 * listed here and on any entry that no longer occurs (so the list only shrinks).
 */
export const KNOWN_EXCEPTIONS: readonly { file: string; import: string; why: string }[] = [
  {
    file: 'server/server.ts',
    import: '../http/index.js',
    why: 'ServerConfig.http builds the HttpServer inside the Server; inverting it (the http layer registering itself) is part of the issue-10 core refactor',
  },
];

export interface SourceFile {
  /** Path relative to lib/, with forward slashes: 'server/server.ts'. */
  path: string;
  text: string;
}

export interface LayerViolation {
  file: string;
  import: string;
  rule: 'higher-layer' | 'not-through-index' | 'root-barrel' | 'unknown-folder' | 'cycle';
  detail: string;
}

// `import … from '…'`, `export … from '…'` (type-only too, across lines), bare `import '…'`, and
// `import('…')`. Statements start a line, so JSDoc lines (` * import …`) do not count.
const STATIC_FROM = /^[ \t]*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative specifiers a file imports or re-exports, in order of appearance. */
export function importSpecifiers(text: string): string[] {
  const found: { at: number; spec: string }[] = [];
  for (const re of [STATIC_FROM, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const m of text.matchAll(re)) found.push({ at: m.index ?? 0, spec: m[1] });
  }
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => f.spec)
    .filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/** 'server/relay/relay.ts' → 'server'; 'errors.ts' → '' (root). */
function folderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** lib-relative target of a specifier written in `from` ('../chunk/index.js' → 'chunk/index.ts'). */
function resolveTarget(from: string, spec: string): string {
  return posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
}

/** Every break of the layer rules in a set of lib/ files (no file system access: tests feed synthetic sets). */
export function checkLayers(files: readonly SourceFile[], layers: readonly string[] = LAYERS): LayerViolation[] {
  const rank = new Map(layers.map((name, i) => [name, i + 1] as const));
  const violations: LayerViolation[] = [];
  const folderEdges = new Map<string, Map<string, { file: string; import: string }>>();
  for (const file of files) {
    const source = folderOf(file.path);
    if (file.path === 'index.ts') continue; // the public surface re-exports any layer
    if (source !== '' && !rank.has(source)) {
      violations.push({ file: file.path, import: '', rule: 'unknown-folder', detail: `lib/${source} is not in the layer table` });
      continue;
    }
    for (const spec of importSpecifiers(file.text)) {
      const target = resolveTarget(file.path, spec);
      const dest = folderOf(target);
      if (target === 'index.ts') {
        violations.push({ file: file.path, import: spec, rule: 'root-barrel', detail: 'lib/index.ts is the public API; import the layer itself' });
        continue;
      }
      if (dest === source) continue; // inside one folder (and root → root)
      if (dest === '') continue; // errors.ts / logger.ts: below every layer
      if (source === '') {
        violations.push({ file: file.path, import: spec, rule: 'higher-layer', detail: `a root file imports lib/${dest}` });
        continue;
      }
      if (!rank.has(dest)) {
        violations.push({ file: file.path, import: spec, rule: 'unknown-folder', detail: `lib/${dest} is not in the layer table` });
        continue;
      }
      let edges = folderEdges.get(source);
      if (!edges) folderEdges.set(source, (edges = new Map()));
      if (!edges.has(dest)) edges.set(dest, { file: file.path, import: spec });
      if (rank.get(dest)! > rank.get(source)!) {
        violations.push({ file: file.path, import: spec, rule: 'higher-layer', detail: `${source} (layer ${rank.get(source)}) imports ${dest} (layer ${rank.get(dest)})` });
      }
      if (target !== `${dest}/index.ts`) {
        violations.push({ file: file.path, import: spec, rule: 'not-through-index', detail: `across folders only through lib/${dest}/index.ts` });
      }
    }
  }
  // Folder cycles (possible only while some higher-layer break stands): name the upward edge of each.
  for (const cycle of folderCycles(folderEdges)) {
    const ring = [...cycle, cycle[0]];
    const up = cycle.findIndex((from, i) => rank.get(ring[i + 1])! > rank.get(from)!);
    const edge = folderEdges.get(ring[up])!.get(ring[up + 1])!;
    violations.push({ file: edge.file, import: edge.import, rule: 'cycle', detail: `folder cycle ${ring.join(' → ')}` });
  }
  return violations;
}

/** Elementary folder cycles, each reported once (rotated to start at its smallest name). */
function folderCycles(edges: Map<string, Map<string, unknown>>): string[][] {
  const cycles = new Map<string, string[]>();
  const walk = (start: string, node: string, path: string[]): void => {
    for (const next of edges.get(node)?.keys() ?? []) {
      if (next === start) {
        const min = path.indexOf([...path].sort()[0]);
        const rotated = [...path.slice(min), ...path.slice(0, min)];
        cycles.set(rotated.join(' '), rotated);
      } else if (!path.includes(next) && path.length < 16) {
        walk(start, next, [...path, next]);
      }
    }
  };
  for (const start of edges.keys()) walk(start, start, [start]);
  return [...cycles.values()];
}

/** Violations that KNOWN_EXCEPTIONS does not cover, and exceptions that no longer occur. */
export function unexpected(violations: readonly LayerViolation[]): { fresh: LayerViolation[]; stale: typeof KNOWN_EXCEPTIONS } {
  const listed = (v: LayerViolation) => KNOWN_EXCEPTIONS.some((e) => e.file === v.file && e.import === v.import);
  const fresh = violations.filter((v) => !listed(v));
  const stale = KNOWN_EXCEPTIONS.filter((e) => !violations.some((v) => v.file === e.file && v.import === e.import));
  return { fresh, stale };
}

const libDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../lib');

function readLib(): SourceFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  return walk(libDir).map((abs) => ({ path: relative(libDir, abs).split('\\').join('/'), text: readFileSync(abs, 'utf8') }));
}

const describeViolation = (v: LayerViolation) => `lib/${v.file}: import '${v.import}' — ${v.rule}: ${v.detail}`;

describe('layer order of lib/', () => {
  it('every lib folder is in the layer table', () => {
    const folders = readdirSync(libDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.deepEqual(folders, [...LAYERS].sort());
  });

  it('lib/ holds only the root files and lib/index.ts besides the folders', () => {
    const files = readdirSync(libDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    assert.deepEqual(files, [...ROOT_FILES, 'index.ts'].sort());
  });

  it('no import breaks the order (lower layers only, across folders through index.ts, no cycles)', () => {
    const files = readLib();
    assert.ok(files.length > 100, `read ${files.length} files from lib/`);
    const { fresh, stale } = unexpected(checkLayers(files));
    assert.deepEqual(fresh.map(describeViolation), [], 'imports that break the layer order');
    assert.deepEqual(stale, [], 'KNOWN_EXCEPTIONS entries that no longer occur: remove them');
  });

  it('the known exceptions are few and explained', () => {
    assert.ok(KNOWN_EXCEPTIONS.length <= 3);
    for (const e of KNOWN_EXCEPTIONS) assert.ok(e.why.length > 20, e.file);
  });
});

describe('the layer checker on synthetic files', () => {
  const file = (path: string, ...lines: string[]): SourceFile => ({ path, text: lines.join('\n') });

  it('reads import, export-from, type-only, multi-line, bare and dynamic specifiers, not comments', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/index.js';",
      'import {',
      '  c,',
      '  type D,',
      "} from '../c/c.js';",
      "export * from './e.js';",
      "export { f } from \"../f/index.js\";",
      "import './side-effect.js';",
      "const g = await import('../g/index.js');",
      " * import { x } from '../in-a-comment/index.js';",
      "import net from 'node:net';",
    ].join('\n');
    assert.deepEqual(importSpecifiers(text), ['./a.js', '../b/index.js', '../c/c.js', './e.js', '../f/index.js', './side-effect.js', '../g/index.js']);
  });

  it('passes a clean tree', () => {
    const files = [
      file('errors.ts', "export class RtmpError extends Error {}"),
      file('amf/index.ts', "export * from './amf0.js';"),
      file('amf/amf0.ts', "import { RtmpError } from '../errors.js';"),
      file('message/data.ts', "import { amf0 } from '../amf/index.js';"),
      file('server/relay/relay.ts', "import { Client } from '../../client/index.js';", "import { Server } from '../server.js';"),
      file('client/client.ts', "import type { AmfCodec } from '../amf/index.js';"),
      file('index.ts', "export * from './server/index.js';"),
    ];
    assert.deepEqual(checkLayers(files), []);
  });

  it('names the file and the import when a lower layer imports a higher one (type-only too), and the cycle', () => {
    const files = [
      file('auth/adobe.ts', "export { adobeResponse } from '../client/index.js';"),
      file('client/adobe-auth.ts', "import type { Llnw } from '../auth/index.js';"),
    ];
    const v = checkLayers(files);
    assert.deepEqual(
      v.map((x) => [x.file, x.import, x.rule]),
      [
        ['auth/adobe.ts', '../client/index.js', 'higher-layer'],
        ['auth/adobe.ts', '../client/index.js', 'cycle'],
      ],
    );
    assert.match(describeViolation(v[0]), /lib\/auth\/adobe\.ts: import '\.\.\/client\/index\.js' — higher-layer: auth \(layer 8\) imports client \(layer 10\)/);
    assert.match(v[1].detail, /auth → client → auth/);
  });

  it('flags a cross-folder import that bypasses index.ts', () => {
    const v = checkLayers([file('server/stream-registry.ts', "import { SharedWireCache } from '../chunk/message-chunker.js';")]);
    assert.deepEqual(v.map((x) => [x.file, x.import, x.rule]), [['server/stream-registry.ts', '../chunk/message-chunker.js', 'not-through-index']]);
  });

  it('flags imports of lib/index.ts, root files that import layers, and folders missing from the table', () => {
    const v = checkLayers([
      file('chunk/x.ts', "import { Server } from '../index.js';"),
      file('errors.ts', "import { amf0 } from './amf/index.js';"),
      file('video/y.ts', "import { a } from '../amf/index.js';"),
    ]);
    assert.deepEqual(v.map((x) => [x.file, x.rule]), [
      ['chunk/x.ts', 'root-barrel'],
      ['errors.ts', 'higher-layer'],
      ['video/y.ts', 'unknown-folder'],
    ]);
  });

  it('reports a new break that KNOWN_EXCEPTIONS does not list, and a stale exception', () => {
    const v = checkLayers([file('flv/flv-demuxer.ts', "import { Server } from '../server/index.js';")]);
    const { fresh, stale } = unexpected(v);
    assert.equal(fresh.length, 1);
    assert.equal(stale.length, KNOWN_EXCEPTIONS.length); // none of the listed ones occurs in this set
  });
});
