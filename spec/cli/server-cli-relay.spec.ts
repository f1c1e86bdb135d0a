/**
 * rtmp-server --push / --pull (issue 13): the flags make the Server's relay option, and the CLI
 * relays a stream end to end (publisher -> rtmp-server --push -> our server; origin -> rtmp-server
 * --pull -> player).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../../lib/cli/args.js';
import { SERVER_FLAGS, SERVER_USAGE, serverPlanFromFlags } from '../../lib/cli/server-cli.js';
import { labels, listening, player, publisher, send, syntheticStream } from '../server/relay/relay-fixtures.js';
import { startServerCli } from './support.js';

const plan = (argv: string[]) => serverPlanFromFlags(parseArgs(argv, SERVER_FLAGS), {});

describe('rtmp-server --push / --pull', { timeout: 60_000 }, () => {
  it('--push and --pull are repeatable and make relay.push / relay.pull; --pull-idle-timeout sets idleTimeout', () => {
    assert.deepEqual(plan(['--push', 'rtmp://a/live', '--push', 'rtmps://b:443/app/KEY']).config.relay, { push: ['rtmp://a/live', 'rtmps://b:443/app/KEY'] });
    assert.deepEqual(plan(['--pull', 'rtmp://origin:1935/live', '--pull-idle-timeout', '30s']).config.relay, { pull: ['rtmp://origin:1935/live'], idleTimeout: 30_000 });
    assert.equal(plan([]).config.relay, undefined);
    assert.match(SERVER_USAGE, /--push URL .*\(repeatable\)/);
    assert.match(SERVER_USAGE, /--pull URL .*\(repeatable\)/);
  });

  it('bad relay flags are usage errors', () => {
    assert.throws(() => plan(['--push', 'rtmp://host-only']), UsageError);
    assert.throws(() => plan(['--pull', 'http://x/live']), UsageError);
    assert.throws(() => plan(['--pull-idle-timeout', '5s']), UsageError);
    assert.throws(() => plan(['--push']), UsageError);
  });

  it('rtmp-server --push republishes a stream to our server, every message in order', async () => {
    const dest = await listening();
    const { server: cli, port } = await startServerCli(['--push', dest.url, '--log-level', 'info']);
    try {
      const watcher = await player(dest.url, 'cli');
      const stream = syntheticStream(30);
      const source = await publisher(`rtmp://127.0.0.1:${port}/live`, 'cli');
      await send(source, stream);
      await watcher.received(stream.length);
      assert.deepEqual(labels(watcher.media), labels(stream));
      await source.close();
      await watcher.client.close();
    } finally {
      cli.proc.kill('SIGTERM');
      const result = await cli.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /relay live\/cli -> rtmp:\/\/127\.0\.0\.1:\d+\/live: publishing/);
      await dest.server.close();
    }
  });

  it('rtmp-server --pull plays a stream from the origin for its player', async () => {
    const origin = await listening();
    const { server: cli, port } = await startServerCli(['--pull', origin.url, '--log-level', 'info']);
    try {
      const originPlays = new Promise((resolve) => origin.server.once('play', resolve));
      const watcher = await player(`rtmp://127.0.0.1:${port}/live`, 'edge');
      await originPlays;
      const stream = syntheticStream(30);
      const source = await publisher(origin.url, 'edge');
      await send(source, stream);
      await watcher.received(stream.length);
      assert.deepEqual(labels(watcher.media), labels(stream));
      await source.close();
      await watcher.client.close();
    } finally {
      cli.proc.kill('SIGTERM');
      const result = await cli.exited;
      assert.equal(result.code, 0, result.stderr);
      await origin.server.close();
    }
  });
});
