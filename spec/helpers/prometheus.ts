/** Test support: a strict reader of Prometheus text format 0.0.4 (what a scraper would accept). */
import assert from 'node:assert/strict';

/** Parses Prometheus text format 0.0.4: every line is a comment, blank, or `name{labels} value`. */
export function parsePrometheus(text: string): Map<string, number> {
  const series = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        assert.ok(!types.has(meta[2]!), `one TYPE per metric: ${line}`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(sample, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    assert.ok(types.has(sample[1]!), `sample before its TYPE: ${line}`);
    series.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return series;
}
