/**
 * Turning client-chosen app and stream names into file paths that cannot leave their directory.
 * Recording (`<recordDir>/<app>/<name>.flv`) and VOD (`<vodDir>/<app>/<name>.flv`) both go
 * through `mediaFilePath`; nothing touches the file system before it said yes.
 *
 * A name is a '/'-separated relative path. Refused (the reason is returned, never thrown):
 *   - empty names and empty components ('a//b', a trailing '/'), '.' and '..' components
 *   - absolute paths (a leading '/'), backslashes (a Windows separator), ':' (drive letters, and
 *     FMS prefixes other than the `flv:` one we strip), NUL and other control characters
 *   - components over 255 bytes of UTF-8 (NAME_MAX on Linux, macOS and NTFS) and whole names over
 *     1024 bytes (well under PATH_MAX = 4096 once the root is in front)
 * Then, belt and braces, the resolved path must still lie inside the root.
 *
 * FMS-style names are accepted: a `flv:` prefix and a `.flv` suffix both name `<name>.flv`.
 */
import { resolve, sep } from 'node:path';

/** Longest path component in bytes (NAME_MAX). */
export const MAX_NAME_COMPONENT_BYTES = 255;
/** Longest app or stream name in bytes. */
export const MAX_NAME_BYTES = 1024;

// Control characters (C0, DEL, C1), backslash and colon: never part of a file name we create.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\\:]/;

/** Why `name` cannot be a relative path under a media directory, or undefined when it can. */
export function unsafeNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.startsWith('/')) return 'absolute paths are not allowed';
  const bad = FORBIDDEN.exec(name);
  if (bad) return `character ${JSON.stringify(bad[0])} is not allowed`;
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `longer than ${MAX_NAME_BYTES} bytes`;
  for (const part of name.split('/')) {
    if (part === '') return 'empty path component';
    if (part === '.' || part === '..') return `"${part}" path components are not allowed`;
    if (Buffer.byteLength(part, 'utf8') > MAX_NAME_COMPONENT_BYTES) return `a path component is longer than ${MAX_NAME_COMPONENT_BYTES} bytes`;
  }
  return undefined;
}

/** FMS spellings of an FLV stream: `flv:name`, `name.flv` and `name` are the same stream. */
export function flvStreamName(name: string): string {
  let bare = name.startsWith('flv:') ? name.slice(4) : name;
  if (bare.toLowerCase().endsWith('.flv')) bare = bare.slice(0, -4);
  return bare;
}

export type MediaPath = { ok: true; path: string; name: string } | { ok: false; what: 'app' | 'name'; reason: string };

/**
 * `<root>/<app>/<name>.flv` for a stream, or why not. `app` may be '' (files directly in root:
 * clients that connect to the server's root); `name` goes through `flvStreamName` first.
 */
export function mediaFilePath(root: string, app: string, name: string): MediaPath {
  if (app !== '') {
    const reason = unsafeNameReason(app);
    if (reason) return { ok: false, what: 'app', reason };
  }
  const bare = flvStreamName(name);
  const reason = unsafeNameReason(bare);
  if (reason) return { ok: false, what: 'name', reason };
  const base = resolve(root);
  const path = resolve(base, app, `${bare}.flv`);
  // Cannot happen after the checks above; kept so a future change to them cannot open a hole.
  if (!path.startsWith(base + sep)) return { ok: false, what: 'name', reason: 'the path leaves its directory' };
  return { ok: true, path, name: bare };
}
