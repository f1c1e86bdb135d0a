/**
 * The query of a stream name in publish and play (`key?token=abc`): where ffmpeg, OBS and our
 * Client put stream keys and tokens. Hooks and events get the clean name and the parsed query;
 * the stream is registered under the clean name. Connect-time queries (app, tcUrl) stay on
 * `conn.query`.
 */

/** What publish/play hooks and events learn about the request besides the stream name. */
export interface StreamRequestInfo {
  /** Parsed query of the requested name (`key?token=abc` → `{ token: 'abc' }`); `{}` when none. */
  query: Record<string, string>;
  /** The name as the client sent it, query included. */
  requestedName: string;
}

/** Splits a requested stream name into the name and its query (the last of a repeated key wins). */
export function parseStreamRequest(requestedName: string): { name: string; info: StreamRequestInfo } {
  const at = requestedName.indexOf('?');
  const query: Record<string, string> = {};
  if (at < 0) return { name: requestedName, info: { query, requestedName } };
  for (const [key, value] of new URLSearchParams(requestedName.slice(at + 1))) {
    // defineProperty: a key such as `__proto__` becomes a plain own property, never the prototype.
    Object.defineProperty(query, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { name: requestedName.slice(0, at), info: { query, requestedName } };
}
