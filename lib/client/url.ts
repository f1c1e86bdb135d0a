/**
 * `rtmp://` and `rtmps://` URLs → where to connect and what to put in `connect`.
 *
 *   rtmp[s]://[user[:password]@]host[:port]/app[/instance]/stream[?query]
 *
 * The path is split the way ffmpeg and librtmp split it, so a URL that works with them works here:
 * - one component (`/live`): it is the app; no stream name.
 * - two components (`/live/key`): app `live`, stream `key`.
 * - three or more (`/live/inst/a/b`): the app takes its instance too (`live/inst`), the stream is
 *   the rest (`a/b`) — unless the second component holds a `:` (`/vod/mp4:dir/clip`): then the app
 *   is the first component alone and the stream is `mp4:dir/clip`.
 * - the query string stays with the last thing: with a stream name it ends the stream name
 *   (`key?token=1`, where nginx-rtmp and SRS read it); without one it ends the app, so it also
 *   travels in tcUrl (`rtmp://h/live?token=1` → app `live?token=1`, tcUrl `rtmp://h/live?token=1`).
 * - a stream name ending in `.flv` loses it; one ending in `.mp4`/`.f4v` without a `:` gets the
 *   `mp4:` prefix (what Flash Media Server expects for files; ffmpeg does the same).
 * - `appName` (the config's AppName) replaces the app: the path is then the stream name, with a
 *   leading `appName/` removed when present (`rtmp://h/live/key` with appName `live` → stream `key`).
 *
 * tcUrl is `scheme://host[:port]/app`, the port written only when the URL has one.
 */
import { ErrorCode, SessionError } from '../errors.js';

export type RtmpScheme = 'rtmp' | 'rtmps';

export interface RtmpUrl {
  scheme: RtmpScheme;
  /** Host name or address as written (IPv6 without brackets). */
  host: string;
  /** TCP port: the URL's, else 1935 (rtmp) or 443 (rtmps). */
  port: number;
  /** The `app` field of `connect`, instance and query included when they belong to it. */
  app: string;
  /** Stream name from the path ('' when the path has none). */
  streamName: string;
  /** The `tcUrl` field of `connect`. */
  tcUrl: string;
  /** Percent-decoded credentials from the URL's user info, if any. */
  username?: string;
  password?: string;
}

export const DEFAULT_RTMP_PORT = 1935;
export const DEFAULT_RTMPS_PORT = 443;

const URL_PATTERN = /^(rtmps?):\/\/([^/?#]*)([^#]*)$/i;

function invalidUrl(url: string, why: string): SessionError {
  return new SessionError(ErrorCode.INVALID_URL, `invalid RTMP URL ${JSON.stringify(redact(url))}: ${why}`);
}

/** Hide a password in messages. */
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export function parseRtmpUrl(url: string, options: { appName?: string } = {}): RtmpUrl {
  if (typeof url !== 'string') throw invalidUrl(String(url), 'not a string');
  const match = URL_PATTERN.exec(url.trim());
  if (!match) throw invalidUrl(url, 'expected rtmp://host[:port]/app[/stream] or rtmps://...');
  const scheme = match[1]!.toLowerCase() as RtmpScheme;
  let authority = match[2]!;
  const pathAndQuery = match[3]!;

  let username: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = userInfo.indexOf(':');
    try {
      username = decodeURIComponent(colon >= 0 ? userInfo.slice(0, colon) : userInfo);
      if (colon >= 0) password = decodeURIComponent(userInfo.slice(colon + 1));
    } catch {
      throw invalidUrl(url, 'bad percent-encoding in the user info');
    }
  }

  const { host, hostText, port } = splitHostPort(url, authority);
  const finalPort = port ?? (scheme === 'rtmps' ? DEFAULT_RTMPS_PORT : DEFAULT_RTMP_PORT);

  const q = pathAndQuery.indexOf('?');
  const path = q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery;
  const query = q >= 0 ? pathAndQuery.slice(q) : '';
  const { app, stream } = splitPath(path.replace(/^\/+/, ''), options.appName);
  const appWithQuery = stream ? app : app + query;
  const streamName = stream ? normalizeStreamName(stream) + query : '';
  if (!appWithQuery) throw invalidUrl(url, 'no application name in the path (and no appName configured)');
  const tcUrl = `${scheme}://${hostText}${port !== undefined ? `:${port}` : ''}/${appWithQuery}`;
  const result: RtmpUrl = { scheme, host, port: finalPort, app: appWithQuery, streamName, tcUrl };
  if (username !== undefined) result.username = username;
  if (password !== undefined) result.password = password;
  return result;
}

function splitHostPort(url: string, authority: string): { host: string; hostText: string; port?: number } {
  let host: string;
  let hostText: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) throw invalidUrl(url, 'unclosed IPv6 bracket');
    host = authority.slice(1, end);
    hostText = authority.slice(0, end + 1);
    const after = authority.slice(end + 1);
    if (after) {
      if (!after.startsWith(':')) throw invalidUrl(url, 'junk after the IPv6 address');
      portText = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon >= 0 ? authority.slice(0, colon) : authority;
    hostText = host;
    if (colon >= 0) portText = authority.slice(colon + 1);
  }
  if (!host) throw invalidUrl(url, 'no host');
  if (/[\s/\\]/.test(host)) throw invalidUrl(url, 'bad host');
  if (portText === undefined) return { host, hostText };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw invalidUrl(url, `port must be 1..65535, got ${JSON.stringify(portText)}`);
  }
  return { host, hostText, port: Number(portText) };
}

function splitPath(path: string, appName: string | undefined): { app: string; stream: string } {
  if (appName !== undefined && appName !== '') {
    if (path === appName) return { app: appName, stream: '' };
    if (path.startsWith(`${appName}/`)) return { app: appName, stream: path.slice(appName.length + 1) };
    return { app: appName, stream: path };
  }
  const first = path.indexOf('/');
  if (first < 0) return { app: path, stream: '' };
  const second = path.indexOf('/', first + 1);
  const colon = path.indexOf(':', first + 1);
  // A second component with a ':' is a stream prefix (mp4:, flv:), not an app instance.
  if (second < 0 || (colon >= 0 && colon < second)) return { app: path.slice(0, first), stream: path.slice(first + 1) };
  return { app: path.slice(0, second), stream: path.slice(second + 1) };
}

/** What ffmpeg and librtmp do to a play path taken from a URL. */
export function normalizeStreamName(name: string): string {
  if (!name.includes(':') && /\.(mp4|f4v)$/i.test(name)) return `mp4:${name}`;
  if (/\.flv$/i.test(name)) return name.slice(0, -4);
  return name;
}
