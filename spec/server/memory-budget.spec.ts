/**
 * Issue 11, item 2: the server-wide memory budget closes the connection holding the most, with a
 * typed error and a counter, until the total is back under; the rest keep working.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget, type BudgetedConnection } from '../../lib/server/memory-budget.js';
import type { ServerConnection } from '../../lib/server/server-connection.js';
import { Server } from '../../lib/server/server.js';
import { StreamRegistry } from '../../lib/server/stream-registry.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher } from '../helpers/raw-client.js';

class FakeConnection implements BudgetedConnection {
  closed = false;
  error: Error | undefined;
  constructor(readonly id: string, public outboundBacklog = 0, readonly sharedBacklogGroup?: string) {}
  destroy(err?: Error): void {
    this.closed = true;
    this.error = err;
  }
}

async function microtasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

test('over the budget, the largest holders are closed first (partial bytes plus backlog), the rest untouched', async () => {
  const budget = new MemoryBudget(1000);
  const conns = [new FakeConnection('a'), new FakeConnection('b', 300), new FakeConnection('c')];
  const accounts = conns.map((c) => {
    const account = budget.open();
    budget.attach(account, c);
    return account;
  });
  accounts[0]!.charge(400);
  accounts[2]!.charge(250);
  await microtasks();
  assert.deepEqual(conns.map((c) => c.closed), [false, false, false], '950 bytes: within the budget');
  assert.equal(budget.stats().partialBytes, 650);
  assert.equal(budget.stats().backlogBytes, 300);
  accounts[2]!.charge(100); // c: 350, b: 300 backlog, a: 400 → 1050
  await microtasks();
  assert.deepEqual(conns.map((c) => c.closed), [true, false, false], 'the one holding the most (a, 400) goes');
  assert.ok(isRtmpError(conns[0]!.error, ErrorCode.MEMORY_BUDGET), String(conns[0]!.error));
  const stats = budget.stats();
  assert.equal(stats.closedConnections, 1);
  assert.equal(stats.partialBytes, 350);
  // A closed connection's late charges do not count.
  accounts[0]!.charge(-400);
  assert.equal(budget.stats().partialBytes, 350);
  // Backlogs alone, seen by the periodic check: b grows to 900 → over → b goes.
  conns[1]!.outboundBacklog = 900;
  budget.check();
  assert.equal(conns[1]!.closed, true);
  assert.equal(conns[2]!.closed, false);
  assert.equal(budget.stats().closedConnections, 2);
  for (const a of accounts) budget.release(a);
  assert.equal(budget.stats().partialBytes, 0);
  budget.stop();
});

test('limit 0 turns the cap off; bad values are ERR_INVALID_OPTION', async () => {
  const budget = new MemoryBudget(0);
  const conn = new FakeConnection('x');
  const account = budget.open();
  budget.attach(account, conn);
  account.charge(1e12);
  await microtasks();
  budget.check();
  assert.equal(conn.closed, false);
  budget.release(account);
  for (const bad of [-1, 1.5, Number.NaN]) {
    assert.throws(() => new MemoryBudget(bad), (err: unknown) => isRtmpError(err, ErrorCode.INVALID_OPTION));
  }
});

test('the server has a budget by default (256 MiB), settable with limits.memoryBudget', async () => {
  assert.equal(new Server().memory.limit, DEFAULT_MEMORY_BUDGET);
  assert.equal(DEFAULT_MEMORY_BUDGET, 256 * 1024 * 1024);
  assert.equal(new Server({ limits: { memoryBudget: 1234 } }).memory.limit, 1234);
  assert.throws(() => new Server({ limits: { memoryBudget: -5 } }), (err: unknown) => isRtmpError(err, ErrorCode.INVALID_OPTION));
});

/** Attaches each connection to `budget`. */
function attachAll(budget: MemoryBudget, conns: FakeConnection[]): void {
  for (const c of conns) budget.attach(budget.open(), c);
}

test('players of one live stream count once, as the largest of their backlogs (they queue the same shared frames)', () => {
  const budget = new MemoryBudget(1000);
  const [a, b, c, d] = [new FakeConnection('a', 600, 'live/x'), new FakeConnection('b', 590, 'live/x'), new FakeConnection('c', 100, 'live/x'), new FakeConnection('d', 300)];
  attachAll(budget, [a!, b!, c!, d!]);
  budget.check();
  assert.equal(budget.stats().backlogBytes, 900, 'the group counts 600, not 1290');
  assert.equal(budget.stats().closedConnections, 0);
  // Over: closing d frees 450; closing a would free 10 (b still holds the same frames but 10 bytes).
  d!.outboundBacklog = 450;
  budget.check();
  assert.deepEqual([a, b, c, d].map((x) => x!.closed), [false, false, false, true]);
  assert.ok(isRtmpError(d!.error, ErrorCode.MEMORY_BUDGET));
  // The group alone over the budget: its largest goes, then the next, until the largest left fits.
  a!.outboundBacklog = 1500;
  b!.outboundBacklog = 1200;
  budget.check();
  assert.deepEqual([a, b, c].map((x) => x!.closed), [true, true, false]);
  assert.equal(budget.stats().backlogBytes, 100);
  assert.equal(budget.stats().closedConnections, 3);
  budget.stop();
});

test('in a group over the budget the largest goes first, whatever order its players joined in', () => {
  const budget = new MemoryBudget(1000);
  const group = [100, 590, 1500].map((n, i) => new FakeConnection(`g${i}`, n, 'live/g'));
  attachAll(budget, group);
  budget.check();
  assert.deepEqual(group.map((c) => c.closed), [false, false, true], 'closing the 1500 frees 910: 590 left');
  assert.equal(budget.stats().backlogBytes, 590);
  assert.equal(budget.stats().closedConnections, 1);
  budget.stop();
});

test('a group whose largest players tie: each close frees nothing until the tie is gone, and the check still ends within the budget', () => {
  const budget = new MemoryBudget(500);
  const tied = [700, 700, 700, 200].map((n, i) => new FakeConnection(`t${i}`, n, 'live/t'));
  const empty = new FakeConnection('e', 0);
  attachAll(budget, [...tied, empty]);
  budget.check();
  assert.deepEqual(tied.map((c) => c.closed), [true, true, true, false]);
  assert.equal(empty.closed, false, 'a connection holding nothing is never closed');
  assert.equal(budget.stats().backlogBytes, 200);
  assert.equal(budget.stats().closedConnections, 3);
  assert.ok(tied.slice(0, 3).every((c) => isRtmpError(c.error, ErrorCode.MEMORY_BUDGET)));
  budget.stop();
});

test('a live player names its stream as its backlog group; a publisher, an idle connection and a player with outbound stages do not', async () => {
  for (const withStages of [false, true]) {
    const server = new Server({ addr: '127.0.0.1:0', stages: withStages ? () => ({ outbound: { bytes: new PassThrough() } }) : undefined });
    await server.listen();
    const port = server.address()!.port;
    const published = once(server, 'publish');
    const { client: pub } = await rawPublisher(port, 'g');
    const [pubConn] = (await published) as [ServerConnection];
    const played = once(server, 'play');
    const { client: player } = await rawPlayer(port, 'g');
    const [playerConn] = (await played) as [ServerConnection];
    const idle = await connectRaw(port);
    await idle.connect({ app: 'live' });
    const idleConn = server.connections.find((c) => c !== pubConn && c !== playerConn)!;
    assert.equal(playerConn.sharedBacklogGroup, withStages ? undefined : StreamRegistry.key('live', 'g'));
    assert.equal(pubConn.sharedBacklogGroup, undefined);
    assert.equal(idleConn.sharedBacklogGroup, undefined);
    await closeAll(pub, player, idle);
    await server.close();
  }
});
