import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFlags, parseArgs, parseDuration, UsageError, type FlagSpecs } from '../../lib/cli/args.js';

const SPECS: FlagSpecs = {
  addr: { type: 'string', help: 'address', value: 'ADDR', default: ':1935' },
  loop: { type: 'boolean', help: 'loop' },
  n: { type: 'number', help: 'count' },
  'conn-timeout': { type: 'duration', help: 'timeout' },
};

describe('cli: parseArgs', () => {
  it('accepts --flag value, --flag=value, -flag value and -flag=value', () => {
    for (const argv of [
      ['--addr', ':1', '--n', '3', '--loop'],
      ['--addr=:1', '--n=3', '--loop'],
      ['-addr', ':1', '-n', '3', '-loop'],
      ['-addr=:1', '-n=3', '-loop=true'],
    ]) {
      assert.deepEqual(parseArgs(argv, SPECS), { addr: ':1', n: 3, loop: true }, argv.join(' '));
    }
    assert.deepEqual(parseArgs([], SPECS), {});
    assert.deepEqual(parseArgs(['--loop=false'], SPECS), { loop: false });
    // '-' is a value (stdout), so is a negative number; '--' ends the flags.
    assert.deepEqual(parseArgs(['--addr', '-', '--n', '-2', '--'], SPECS), { addr: '-', n: -2 });
  });

  it('parses durations the seed writes (60s) plus ms, m, h and bare seconds', () => {
    const cases: Array<[string, number]> = [['60s', 60_000], ['500ms', 500], ['2m', 120_000], ['1h', 3_600_000], ['60', 60_000], ['1.5', 1500], ['0', 0]];
    for (const [text, ms] of cases) {
      assert.equal(parseDuration(text), ms, text);
      assert.deepEqual(parseArgs(['-conn-timeout', text], SPECS), { 'conn-timeout': ms });
    }
    for (const bad of ['', 's', '-1s', '1d', '1 s', 'abc', '1e3']) assert.throws(() => parseDuration(bad), UsageError, bad);
  });

  it('unknown flags, missing values, bad values and stray arguments are UsageErrors', () => {
    const bad: string[][] = [
      ['--nope'],
      ['--addr'],
      ['--addr', '--loop'],
      ['--n', 'x'],
      ['--n='],
      ['--loop=maybe'],
      ['stray'],
      ['-'],
      ['--', 'stray'],
      ['--constructor', 'x'],
      ['--conn-timeout', 'soon'],
    ];
    for (const argv of bad) assert.throws(() => parseArgs(argv, SPECS), UsageError, argv.join(' '));
    assert.throws(() => parseArgs(['--nope=1'], SPECS), /unknown flag --nope$/);
  });

  it('formats the flag table with values and defaults', () => {
    const table = formatFlags(SPECS).split('\n');
    assert.equal(table.length, 4);
    assert.match(table[0]!, /^ {2}--addr ADDR +address \(default :1935\)$/);
    assert.match(table[1]!, /^ {2}--loop +loop$/);
    assert.match(table[3]!, /^ {2}--conn-timeout DURATION +timeout$/);
  });
});
