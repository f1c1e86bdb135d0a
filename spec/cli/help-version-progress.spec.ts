/**
 * Issue 12 item 8: both CLIs answer -h/--help and --version (whatever else is on the line), each
 * help lists its own exit codes, the progress line never swallows a log line, and a recording
 * stopped early says how long it really is.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { helpOrVersion } from '../../lib/cli/args.js';
import { newStats, countMedia, ProgressReporter, StatusLine } from '../../lib/cli/progress.js';
import { Client } from '../../lib/client/client.js';
import { createPublishStream } from '../../lib/client/media-streams.js';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import { RealtimePacer } from '../../lib/flv/realtime-pacer.js';
import { createStreamLogger } from '../../lib/logger.js';
import { decodeData } from '../../lib/message/data.js';
import { Server } from '../../lib/server/index.js';
import { killAll } from '../helpers/ffmpeg.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { generateFlv, tempDir } from '../helpers/media.js';
import { cli, waitForStderr } from './support.js';

const VERSION = (JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

/** What a terminal shows for `text`: \r returns to the margin, ESC[K erases to the end of the line. */
function render(text: string): string[] {
  const lines: string[] = [''];
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const row = lines.length - 1;
    if (text.startsWith('\x1b[K', i)) {
      lines[row] = lines[row]!.slice(0, col);
      i += 2;
    } else if (text[i] === '\r') col = 0;
    else if (text[i] === '\n') {
      lines.push('');
      col = 0;
    } else {
      lines[row] = lines[row]!.slice(0, col) + text[i] + lines[row]!.slice(col + 1);
      col++;
    }
  }
  return lines;
}

function capture(): { out: Writable; text(): string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
}

describe('CLI: -h, --help, --version', () => {
  it('helpOrVersion finds them anywhere before --, help first', () => {
    assert.equal(helpOrVersion(['-h']), 'help');
    assert.equal(helpOrVersion(['--url', 'x', '--bogus', '--help']), 'help');
    assert.equal(helpOrVersion(['-help']), 'help');
    assert.equal(helpOrVersion(['--version']), 'version');
    assert.equal(helpOrVersion(['-V', '-h']), 'help');
    assert.equal(helpOrVersion(['--url', 'rtmp://h/live']), undefined);
    assert.equal(helpOrVersion(['--', '-h']), undefined);
  });

  it('both CLIs: -h and --version exit 0 on stdout, even beside a bad flag; each help lists its own exit codes', { timeout: 60_000 }, async () => {
    const runs = await Promise.all([
      cli('rtmp-server', ['-h']).exited,
      cli('rtmp-server', ['--version']).exited,
      cli('rtmp-server', ['--bogus', '-h']).exited,
      cli('rtmp-client', ['-h']).exited,
      cli('rtmp-client', ['--version']).exited,
      cli('rtmp-client', ['--url', 'nope', '--version']).exited,
    ]);
    assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0, 0, 0], runs.map((r) => r.stderr).join('\n---\n'));
    const [serverHelp, serverVersion, serverHelp2, clientHelp, clientVersion, clientVersion2] = runs.map((r) => r.stdout.toString());
    assert.match(serverHelp!, /^Usage: rtmp-server/);
    assert.equal(serverHelp2, serverHelp);
    assert.match(serverVersion!, new RegExp(`^rtmp-server ${VERSION.replaceAll('.', '\\.')} `));
    assert.match(clientHelp!, /^Usage: rtmp-client/);
    assert.match(clientVersion!, new RegExp(`^rtmp-client ${VERSION.replaceAll('.', '\\.')} `));
    assert.equal(clientVersion2, clientVersion);
    for (const help of [serverHelp!, clientHelp!]) assert.match(help, /--version/);
    const codes = (help: string): string[] => help.slice(help.indexOf('Exit codes:')).split('\n').slice(1).filter(Boolean);
    assert.deepEqual(codes(serverHelp!).map((l) => l.trim().split(/\s+/)[0]), ['0', '1', '2', '4', '5']);
    assert.deepEqual(codes(clientHelp!).map((l) => l.trim().split(/\s+/)[0]), ['0', '1', '2', '3', '4', '5']);
    assert.doesNotMatch(serverHelp!, /publish or play refused|connection lost while streaming/, 'no client-only codes');
    assert.doesNotMatch(clientHelp!, /cannot listen/, 'no server-only codes');
  });
});

describe('CLI: the progress line and log lines share stderr', () => {
  it('on a terminal, a log line erases the progress line and gets a line of its own; the summary too', () => {
    const { out, text } = capture();
    const status = new StatusLine(out, true);
    const log = createStreamLogger('info', status);
    const stats = newStats();
    const progress = new ProgressReporter(stats, status);
    countMedia(stats, 'video', 1000, 0);
    progress.tick();
    log.info('duration reached');
    progress.tick();
    log.warn('something else');
    progress.finish('played');
    const screen = render(text());
    assert.equal(screen.length, 4, JSON.stringify(screen));
    assert.match(screen[0]!, /^\S+ INFO duration reached$/);
    assert.match(screen[1]!, /^\S+ WARN something else$/);
    assert.match(screen[2]!, /^played: time \S+ {2}media/);
    assert.equal(screen[3], '');
  });

  it('off a terminal, no progress line is drawn: only whole lines', () => {
    const { out, text } = capture();
    const status = new StatusLine(out, false);
    const log = createStreamLogger('info', status);
    const progress = new ProgressReporter(newStats(), status);
    progress.tick();
    log.info('hello');
    progress.finish('done');
    assert.doesNotMatch(text(), /[\r\x1b]/);
    assert.match(text(), /^\S+ INFO hello\ndone: time /);
  });
});

describe('rtmp-client --play stopped early', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir('cli-duration'));
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('SIGINT after 1.5 s of a 5 s stream: the file says its real duration, not the source\'s', { timeout: 60_000 }, async () => {
    const source = await generateFlv(dir, 'five.flv', { seconds: 5, gop: 25 });
    const server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    const url = `rtmp://127.0.0.1:${server.address()!.port}/live/five`;
    const out = join(dir, 'stopped.flv');
    const player = cli('rtmp-client', ['--url', url, '--play', '--output', out]);
    await waitForStderr(player, /playing live\/five/);
    const publisher = new Client();
    await publisher.connect(url);
    await publisher.publish();
    let interrupted = false;
    const interrupt = new Transform({
      objectMode: true,
      transform(event: { timestamp: number }, _enc, done) {
        if (!interrupted && event.timestamp >= 1500) {
          interrupted = true;
          player.proc.kill('SIGINT');
        }
        done(null, event);
      },
    });
    const publishing = pipeline(createReadStream(source), new FlvDemuxer(), new RealtimePacer(), interrupt, createPublishStream(publisher)).catch(() => undefined);
    const result = await player.exited;
    publisher.destroy();
    await publishing;
    await server.close();
    assert.equal(result.code, 0, result.stderr);

    const durationOf = (tags: ReturnType<typeof readFlvTags>): number => {
      const meta = tags.find((t) => t.type === 18);
      assert.ok(meta, 'onMetaData');
      return (decodeData(meta.data)[1] as { duration: number }).duration;
    };
    const sourceDuration = durationOf(readFlvTags(await readFile(source)));
    assert.ok(sourceDuration >= 4.9, `source says ${sourceDuration} s`);
    const tags = readFlvTags(await readFile(out));
    const media = tags.filter((t) => t.type !== 18).map((t) => t.timestamp);
    const span = (Math.max(...media) - Math.min(...media)) / 1000;
    assert.ok(span >= 1 && span < 4, `recorded ${span} s`);
    assert.equal(durationOf(tags), span);
  });
});
