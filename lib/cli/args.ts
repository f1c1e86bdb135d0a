/**
 * A small command-line flag parser for the two CLIs (no dependencies). Accepts the GNU form
 * (`--flag value`, `--flag=value`) and the Go-style single dash the seed's examples use
 * (`-flag value`, `-flag=value`). Boolean flags take no value (`--loop`; `--loop=false` works).
 * A lone `-` is a value (stdout/stdin), never a flag. Unknown flags, missing values and stray
 * arguments are `UsageError`s (exit code 1).
 */

export type FlagType = 'string' | 'boolean' | 'number' | 'duration';

export interface FlagSpec {
  type: FlagType;
  /** One-line description for --help. */
  help: string;
  /** Placeholder for the value in --help (`ADDR`, `FILE`). */
  value?: string;
  /** Default shown in --help (the CLI applies defaults itself). */
  default?: string;
  /** May be given more than once: the parsed value is the list of values (string flags). */
  repeatable?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends Error {
  override get name(): string {
    return 'UsageError';
  }
}

/**
 * A duration in milliseconds from `60s`, `500ms`, `2m`, `1h` or a bare number of seconds
 * (`1.5`). Throws UsageError for anything else or a negative value.
 */
export function parseDuration(text: string, flag = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${flag}: expected a duration like 60s, 500ms, 2m or a number of seconds, got ${JSON.stringify(text)}`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Math.round(Number(match[1]) * scale);
}

function parseValue(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new UsageError(`--${name}: expected true or false, got ${JSON.stringify(raw)}`);
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'duration':
      return parseDuration(raw, name);
  }
}

/** Parses `argv` (without node and the script) against `specs`. */
export function parseArgs(argv: readonly string[], specs: FlagSpecs): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (i + 1 < argv.length) throw new UsageError(`unexpected argument ${JSON.stringify(argv[i + 1])}`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) throw new UsageError(`unknown flag ${arg.slice(0, arg.length - (eq >= 0 ? body.length - eq : 0))}`);
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (spec.type === 'boolean') raw = 'true';
    else {
      const next = argv[i + 1];
      // A value may be '-' or a negative number, never another flag.
      if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next))) {
        throw new UsageError(`--${name} needs a value`);
      }
      raw = next;
      i++;
    }
    const value = parseValue(name, spec, raw);
    if (spec.repeatable) out[name] = [...((out[name] as string[] | undefined) ?? []), String(value)];
    else out[name] = value;
  }
  return out;
}

/** The flag table for --help. */
export function formatFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = `  --${name}${spec.type === 'boolean' ? '' : ` ${spec.value ?? spec.type.toUpperCase()}`}`;
    return [left, spec.help + (spec.repeatable ? ' (repeatable)' : '') + (spec.default !== undefined ? ` (default ${spec.default})` : '')] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}

/**
 * `-h`/`--help` and `--version` (also `-help`, `-version`, `-V`) anywhere on the command line win
 * over everything else, valid or not, as in most tools: asking for help never fails.
 */
export function helpOrVersion(argv: readonly string[]): 'help' | 'version' | undefined {
  let asked: 'help' | 'version' | undefined;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '-h' || arg === '--help' || arg === '-help') return 'help';
    if (arg === '--version' || arg === '-version' || arg === '-V') asked = 'version';
  }
  return asked;
}
