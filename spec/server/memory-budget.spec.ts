/**
 * Issue 11, item 2: the server-wide memory budget closes the connection holding the most, with a
 * typed error and a counter, until the total is back under; the rest keep working.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { DEFAULT_MEMORY_BUDGET, MemoryBudget, type BudgetedConnection } from '../../lib/server/memory-budget.js';
import { Server } from '../../lib/server/server.js';

class FakeConnection implements BudgetedConnection {
  closed = false;
  error: Error | undefined;
  constructor(readonly id: string, public outboundBacklog = 0) {}
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
