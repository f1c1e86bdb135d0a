/**
 * Issue 11, logs: every peer-supplied string in a log line is escaped and truncated. The issue's
 * attack: an app name holding `\n[FAKE] INFO connect #999 user=admin` forged a line in the CLI
 * server's log, and a 5 MB app name grew the log by 5 MB per connect.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createStreamLogger, logValue, MAX_LOG_VALUE_LENGTH, quoted } from '../../lib/logger.js';
import { killAll } from '../helpers/ffmpeg.js';
import { closeAll, connectRaw, rawPublisher } from '../helpers/raw-client.js';
import { startServerCli, waitForStderr } from './support.js';

const FORGED = '\n[FAKE] INFO connect #999 user=admin';
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) /;

/** Whether every line of a log starts as the logger writes it (nothing forged). */
function assertWellFormed(log: string): void {
  for (const line of log.split('\n').filter((l) => l !== '')) {
    if (line.startsWith('rtmp-server listening')) continue;
    assert.match(line, LINE, `a line the logger did not write: ${JSON.stringify(line.slice(0, 120))}`);
  }
  assert.doesNotMatch(log, /^\[FAKE\]/m);
}

describe('logs of peer-supplied text (issue 11)', () => {
  after(killAll);

  it('logValue escapes control characters and backslashes and cuts long values, noting the length', () => {
    assert.equal(logValue(`live${FORGED}`), 'live\\n[FAKE] INFO connect #999 user=admin');
    assert.equal(logValue('a\r\tb\u0000c\u001b[31m\u2028\\'), 'a\\r\\tb\\u0000c\\u001b[31m\\u2028\\\\');
    const long = logValue('x'.repeat(5_000_000));
    assert.ok(long.length < MAX_LOG_VALUE_LENGTH + 40, `${long.length}`);
    assert.match(long, /\.\.\.\(5000000 chars\)$/);
    assert.equal(quoted('a"b'), '"a\\"b"');
    assert.equal(logValue(42), '42');
  });

  it('createStreamLogger writes one line per call whatever the text holds', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const log = createStreamLogger('debug', out);
    log.info(`connect app=live${FORGED}\r\u0085`);
    assert.equal(text.split('\n').length, 2);
    assertWellFormed(text);
  });

  it('the CLI server: a forged-line app name and a 5 MB app name neither forge a line nor grow the log by more than a few hundred bytes', async (t) => {
    // A name limit above 5 MB so the long name is accepted and its connect line is logged (the default refuses it sooner).
    const { server, port } = await startServerCli(['--log-level', 'debug', '--max-name-length', String(8 * 1024 * 1024)]);
    const before = server.stderr().length;
    const forged = await connectRaw(port);
    await assert.rejects(forged.connect({ app: `live${FORGED}` }));
    await closeAll(forged);
    const huge = 'h'.repeat(5 * 1024 * 1024);
    const big = await connectRaw(port);
    await big.connect({ app: huge });
    const streamId = await big.createStream();
    big.command('publish', 0, null, [`cam${'n'.repeat(4000)}`, 'live'], streamId);
    await big.nextStatus();
    await closeAll(big);
    // The publish of a legitimate stream is still logged normally.
    const { client } = await rawPublisher(port, 'ok', 'live');
    await waitForStderr(server, /INFO publish #\d+ 127\.0\.0\.1:\d+ live\/ok \(live\)/);
    await closeAll(client);
    await waitForStderr(server, /DEBUG disconnect #3 /);
    server.proc.kill('SIGTERM');
    const result = await server.exited;
    const grown = result.stderr.length - before;
    assertWellFormed(result.stderr);
    assert.match(result.stderr, /INFO connect #\d+ \S+ app=h{200}\.\.\.\(5242880 chars\)/);
    assert.ok(grown < 8 * 1024, `the log grew by ${grown} bytes`);
    t.diagnostic(`log growth for a forged-line connect, a 5 MiB-app connect with a 4 KB publish name, and a normal publish: ${grown} bytes`);
  });
});
