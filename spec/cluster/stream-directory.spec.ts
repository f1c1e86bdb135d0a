/** The primary's directory and the CLI flags of the cluster and HTTP side. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StreamDirectory } from '../../lib/cluster/stream-directory.js';
import { parseArgs, UsageError } from '../../lib/cli/args.js';
import { SERVER_FLAGS, SERVER_USAGE, serverPlanFromFlags } from '../../lib/cli/server-cli.js';

describe('cluster: the stream directory', () => {
  it('a name is held by one worker at a time; release and exit free it', () => {
    const d = new StreamDirectory();
    assert.equal(d.claim('live', 'a', 1, 4001), true);
    assert.equal(d.claim('live', 'a', 2, 4002), false, 'another worker is refused');
    assert.equal(d.claim('live', 'a', 1, 4001), true, 'the holder may claim again');
    assert.deepEqual(d.holder('live/a'), { key: 'live/a', app: 'live', name: 'a', worker: 1, port: 4001 });
    assert.equal(d.release('live/a', 2), false, 'only the holder releases');
    assert.equal(d.release('live/a', 1), true);
    assert.equal(d.claim('live', 'a', 2, 4002), true);
    assert.equal(d.claim('live/inst', 'b', 2, 4002), true);
    assert.equal(d.claim('live', 'c', 3, 4003), true);
    assert.equal(d.dropWorker(2), true);
    assert.deepEqual(d.list().map((e) => e.key), ['live/c']);
    assert.equal(d.dropWorker(2), false);
  });

  it('wants: the workers waiting for a name, without the claimer; an exited worker wants nothing', () => {
    const d = new StreamDirectory();
    d.want('live/a', 1);
    d.want('live/a', 2);
    d.want('live/a', 2);
    assert.deepEqual(d.wanting('live/a', 1), [2]);
    assert.deepEqual(d.wanting('live/a', 3), [1, 2]);
    d.unwant('live/a', 1);
    assert.deepEqual(d.wanting('live/a', 3), [2]);
    d.dropWorker(2);
    assert.deepEqual(d.wanting('live/a', 3), []);
  });
});

describe('cli: --workers and --http', () => {
  const plan = (...argv: string[]) => serverPlanFromFlags(parseArgs(argv, SERVER_FLAGS));

  it('maps to the plan and the Server option', () => {
    assert.equal(plan('--workers', '4').workers, 4);
    assert.equal(plan().workers, undefined);
    assert.equal(plan('--http', '127.0.0.1:8080').config.http, '127.0.0.1:8080');
    assert.match(SERVER_USAGE, /--workers N/);
    assert.match(SERVER_USAGE, /--http ADDR/);
  });

  it('refuses a worker count that is not a whole number >= 1', () => {
    for (const bad of ['0', '-1', '1.5']) assert.throws(() => plan('--workers', bad), UsageError, bad);
  });
});
