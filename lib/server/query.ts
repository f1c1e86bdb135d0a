/** Query strings in connect's `app`/`tcUrl` and in stream names (`live?token=x`, `name?key=y`). */

/** Splits `name?query` into the name and its parsed query (last value of a repeated key wins). */
export function splitQuery(value: string): { name: string; query: Record<string, string> } {
  const at = value.indexOf('?');
  if (at < 0) return { name: value, query: {} };
  return { name: value.slice(0, at), query: parseQuery(value.slice(at + 1)) };
}

export function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of new URLSearchParams(text)) query[key] = value;
  return query;
}

/** The query part of a URL-ish string (`rtmp://h/app?x=1` → `x=1`), '' if none. */
export function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}
