/** Console- and pino-compatible: anything with these four methods. The library is silent by default. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export const LogLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** Longest peer-supplied text a log line carries (UTF-16 units before escaping). */
export const MAX_LOG_VALUE_LENGTH = 200;

// C0 controls, DEL, C1 controls and the Unicode line/paragraph separators: anything that could end a
// line or drive a terminal. Backslash too, so an escaped form cannot be faked by sending it.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\\':
      return '\\\\';
    default:
      return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * A peer-supplied value made safe for a log line: control characters escaped (a peer cannot end
 * the line and forge the next one) and cut to `max` characters with the full length noted (a 5 MB
 * app name costs a log line ~200 bytes, not 5 MB). Non-strings are shown as `String(value)`.
 */
export function logValue(value: unknown, max = MAX_LOG_VALUE_LENGTH): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = cut.replace(UNSAFE, escapeChar);
  return text.length > max ? `${escaped}...(${text.length} chars)` : escaped;
}

/** `logValue` in double quotes: where a value's bounds matter (`app "live"`). */
export function quoted(value: unknown, max = MAX_LOG_VALUE_LENGTH): string {
  return `"${logValue(value, max).replace(/"/g, '\\"')}"`;
}

// A line written by createStreamLogger is one line whatever it holds: the whole text is escaped as a
// last line of defence (call sites bound peer values with logValue; this catches any they missed).
// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A logger that writes lines at `level` and above to a stream (the CLIs use stderr). */
export function createStreamLogger(level: LogLevel, out: NodeJS.WritableStream = process.stderr): Logger {
  const min = LogLevels.indexOf(level);
  const line = (lvl: LogLevel) => (...args: unknown[]): void => {
    if (LogLevels.indexOf(lvl) < min) return;
    const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a))).join(' ');
    out.write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${text.replace(LINE_BREAKING, escapeChar)}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
