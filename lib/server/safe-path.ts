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
import { constants as fsConstants, existsSync } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ErrorCode, SessionError } from '../errors.js';

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

export type MediaPath = { ok: true; path: string; name: string; /** `<app>/<name>.flv` below the root. */ relative: string } | { ok: false; what: 'app' | 'name'; reason: string };

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
  return { ok: true, path, name: bare, relative: app === '' ? `${bare}.flv` : `${app}/${bare}.flv` };
}

/**
 * Opening a media file below its root without following any link (issue 11: the lexical check
 * above is not enough when `<root>/live/link` is a symbolic link to a directory elsewhere).
 *
 * On Linux the walk is race-free: the root is opened as a directory, then every component is
 * looked up relative to the previous directory's descriptor (through `/proc/self/fd/N/part`, which
 * is `openat(N, part)`) with O_NOFOLLOW, so a link swapped in at any moment is met and refused,
 * never followed. Elsewhere each component is lstat'ed first, the file is opened with O_NOFOLLOW
 * and the real path of its directory is compared with the expected one after the open (a narrow
 * window remains there, documented in docs/robustness-peers.md). The root itself may be a link:
 * the operator chose it. The file must be a regular file with a single link (a hard link inside
 * the root to a file outside is refused for writing).
 */

const { O_NOFOLLOW = 0, O_DIRECTORY = 0, O_RDONLY, O_NONBLOCK = 0 } = fsConstants;
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');

export interface OpenBelowOptions {
  /** Create missing directories on the way (recording). Default false. */
  createDirs?: boolean;
  /** File mode when O_CREAT creates it. Default 0o666 (before the umask). */
  mode?: number;
  /** Refuse a file with more than one hard link (a writer must not reach a file outside). Default false. */
  singleLink?: boolean;
}

function escapes(what: string): SessionError {
  return new SessionError(ErrorCode.PATH_ESCAPES_ROOT, what);
}

/** ELOOP / ENOTDIR / EMLINK from an O_NOFOLLOW open: a link stood where a directory or file was. */
function linkError(err: unknown, where: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'EMLINK' || code === 'ENOTDIR' ? escapes(`${where} is a link or not a directory`) : err;
}

/**
 * Opens `<root>/<relativePath>` (components already checked by `unsafeNameReason`) with `flags`,
 * following no symbolic link below `root`. Throws an ERR_PATH_ESCAPES_ROOT SessionError when a
 * link, a non-regular file or (with singleLink) a hard-linked file is met; fs errors pass on.
 */
export async function openBelow(root: string, relativePath: string, flags: number, options: OpenBelowOptions = {}): Promise<FileHandle> {
  const parts = relativePath.split('/').filter((p) => p !== '');
  const file = parts.pop();
  if (file === undefined) throw escapes('no file name');
  // The root is the operator's (it may be a link): a recording creates it, as the lexical version did.
  if (options.createDirs) await mkdir(root, { recursive: true });
  // O_NONBLOCK: a FIFO planted under the root must not block the opening thread (no effect on files).
  const fileFlags = flags | O_NOFOLLOW | O_NONBLOCK;
  const handle = PROC_FD
    ? await openByDescriptors(root, parts, file, fileFlags, options)
    : await openByChecks(root, parts, file, fileFlags, options);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw escapes(`${relativePath} is not a regular file`);
    if (options.singleLink && stats.nlink > 1) throw escapes(`${relativePath} has ${stats.nlink} hard links`);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  return handle;
}

async function openByDescriptors(root: string, dirs: string[], file: string, flags: number, options: OpenBelowOptions): Promise<FileHandle> {
  let dir = await open(root, O_RDONLY | O_DIRECTORY);
  try {
    let walked = '';
    for (const part of dirs) {
      walked = walked ? `${walked}/${part}` : part;
      const at = `/proc/self/fd/${dir.fd}/${part}`;
      if (options.createDirs) {
        // mkdir never follows a link in its last component: a link here is EEXIST, then refused below.
        await mkdir(at).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
      const next = await open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch((err: unknown) => {
        throw linkError(err, walked);
      });
      await dir.close();
      dir = next;
    }
    return await open(`/proc/self/fd/${dir.fd}/${file}`, flags, options.mode ?? 0o666).catch((err: unknown) => {
      throw linkError(err, walked ? `${walked}/${file}` : file);
    });
  } finally {
    await dir.close().catch(() => undefined);
  }
}

async function openByChecks(root: string, dirs: string[], file: string, flags: number, options: OpenBelowOptions): Promise<FileHandle> {
  const realRoot = await realpath(root);
  let at = realRoot;
  for (const part of dirs) {
    at = join(at, part);
    if (options.createDirs) {
      await mkdir(at).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    const stats = await lstat(at);
    if (!stats.isDirectory()) throw escapes(`${at.slice(realRoot.length + 1)} is a link or not a directory`);
  }
  const handle = await open(join(at, file), flags, options.mode ?? 0o666).catch((err: unknown) => {
    throw linkError(err, file);
  });
  if ((await realpath(at).catch(() => '')) !== at) {
    await handle.close().catch(() => undefined);
    throw escapes(`a directory of ${file} changed while it was opened`);
  }
  return handle;
}
