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

/** A logger that writes lines at `level` and above to a stream (the CLIs use stderr). */
export function createStreamLogger(level: LogLevel, out: NodeJS.WritableStream = process.stderr): Logger {
  const min = LogLevels.indexOf(level);
  const line = (lvl: LogLevel) => (...args: unknown[]): void => {
    if (LogLevels.indexOf(lvl) < min) return;
    const text = args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a))).join(' ');
    out.write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${text}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
