import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../lib/errors.js';
import { Backoff } from '../../../lib/server/relay/backoff.js';

describe('relay Backoff', () => {
  it('doubles from initialDelay up to maxDelay; reset starts over', () => {
    const b = new Backoff({ initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempts, 6);
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('jitter takes up to its fraction off each delay', () => {
    assert.equal(new Backoff({ initialDelay: 1000, jitter: 0.2 }, () => 1).next(), 800);
    assert.equal(new Backoff({ initialDelay: 1000, jitter: 0.2 }, () => 0).next(), 1000);
    assert.equal(new Backoff({ initialDelay: 1000, jitter: 0.2 }, () => 0.5).next(), 900);
  });

  it('defaults: 1 s doubling to 30 s; never overflows after many attempts', () => {
    const b = new Backoff({ jitter: 0 });
    const delays = Array.from({ length: 200 }, () => b.next());
    assert.deepEqual(delays.slice(0, 7), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert.equal(delays[199], 30000);
  });

  it('bad options are typed errors', () => {
    for (const options of [{ initialDelay: -1 }, { maxDelay: 10, initialDelay: 20 }, { factor: 0.5 }, { jitter: 2 }, { initialDelay: Number.NaN }]) {
      assert.throws(() => new Backoff(options), { code: ErrorCode.INVALID_OPTION }, JSON.stringify(options));
    }
  });
});
