/**
 * Issue 11, auth under attack: repeated failures from one address get it refused for a while, and
 * a flood of challenges costs bounded memory without evicting other addresses' challenges.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAuthStep } from '../../lib/client/adobe-auth.js';
import {
  ConnectAuthenticator,
  DEFAULT_MAX_AUTH_FAILURES,
  DEFAULT_AUTH_BLOCK_DURATION,
  FailureThrottle,
  authFailedDescription,
  type AuthVerdict,
} from '../../lib/auth/index.js';
import { CommandError } from '../../lib/errors.js';
import { listening, releaseAll } from '../faults/support.js';
import { closeAll, connectRaw } from '../helpers/raw-client.js';

const creds = { username: 'bob', password: 'pw' };

/** The three connects of the Adobe flow from `address` with `password`; the final verdict. */
async function flow(auth: ConnectAuthenticator, address: string, password: string): Promise<AuthVerdict> {
  const ctx = { app: 'live', remoteAddress: address };
  const first = await auth.check('live', 'rtmp://h/live', ctx);
  if (first.ok || first.reason !== 'needauth') return first;
  const s1 = nextAuthStep(first.description, { username: 'bob', password }, false);
  assert.equal(s1?.kind, 'retry');
  const p2 = s1.kind === 'retry' ? s1.params : '';
  const second = await auth.check(`live?${p2}`, '', ctx);
  if (second.ok || second.reason !== 'challenge') return second;
  const s2 = nextAuthStep(second.description, { username: 'bob', password }, false);
  const p3 = s2?.kind === 'retry' ? s2.params : '';
  return auth.check(`live?${p3}`, '', ctx);
}

describe('auth failure throttle (issue 11)', () => {
  it('FailureThrottle: N failures in the window block for the block duration; a success forgets; the table is bounded', () => {
    let now = 0;
    const t = new FailureThrottle({ maxFailures: 3, failureWindow: 1000, blockDuration: 5000, maxAddresses: 4 }, () => now);
    assert.equal(t.fail('a'), false);
    now = 600;
    assert.equal(t.fail('a'), false);
    now = 1100; // the first failure left the window
    assert.equal(t.fail('a'), false);
    assert.equal(t.blocked('a'), false);
    assert.equal(t.fail('a'), true);
    assert.equal(t.blocked('a'), true);
    now = 1100 + 4999;
    assert.equal(t.blocked('a'), true);
    now = 1100 + 5000;
    assert.equal(t.blocked('a'), false);
    t.fail('b');
    t.succeed('b');
    assert.equal(t.size, 0);
    for (let i = 0; i < 100; i++) t.fail(`x${i}`);
    assert.equal(t.size, 4);
    assert.equal(t.blocked(undefined), false);
    assert.equal(new FailureThrottle({ maxFailures: 0 }).fail('a'), false);
  });

  it('5 wrong passwords from one address: that address is refused (authfailed) even with the right one, others are not; after the block it works', async () => {
    let now = 1_000_000;
    const auth = new ConnectAuthenticator({ ...creds }, () => now);
    assert.equal(DEFAULT_MAX_AUTH_FAILURES, 5);
    for (let i = 0; i < 5; i++) {
      const v = await flow(auth, '10.0.0.1', 'wrong');
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.reason, 'authfailed');
    }
    assert.equal(auth.isBlocked('10.0.0.1'), true);
    const blocked = await flow(auth, '10.0.0.1', 'pw');
    assert.equal(blocked.ok, false);
    assert.equal(!blocked.ok && blocked.reason, 'blocked');
    assert.equal(!blocked.ok && blocked.description, authFailedDescription('adobe'));
    assert.equal(auth.pendingChallenges, 0, 'a blocked address gets no challenge stored');
    assert.equal((await flow(auth, '10.0.0.2', 'pw')).ok, true);
    now += DEFAULT_AUTH_BLOCK_DURATION;
    assert.equal((await flow(auth, '10.0.0.1', 'pw')).ok, true);
  });

  it('a challenge flood: per-address cap (16) and global cap (maxPendingChallenges); a victim\'s challenge survives a one-address flood', async () => {
    const auth = new ConnectAuthenticator({ ...creds, maxPendingChallenges: 200 });
    const ctx = (a: string) => ({ app: 'live', remoteAddress: a });
    const victim = await auth.check('live?authmod=adobe&user=bob', '', ctx('10.0.0.9'));
    assert.equal(!victim.ok && victim.reason, 'challenge');
    for (let i = 0; i < 10_000; i++) await auth.check('live?authmod=adobe&user=bob', '', ctx('10.6.6.6'));
    assert.equal(auth.pendingChallenges, 17);
    const s = nextAuthStep(!victim.ok ? victim.description : '', creds, false);
    const answer = await auth.check(`live?${s?.kind === 'retry' ? s.params : ''}`, '', ctx('10.0.0.9'));
    assert.equal(answer.ok, true, 'the victim\'s challenge was evicted by the flood');
    for (let i = 0; i < 10_000; i++) await auth.check('live?authmod=adobe&user=bob', '', ctx(`10.7.${i >> 8}.${i & 255}`));
    assert.ok(auth.pendingChallenges <= 200, `${auth.pendingChallenges} challenges held`);
  });

  it('server: a blocked address is refused with the auth failure status before onConnect', async () => {
    let connects = 0;
    const { port } = await listening({ auth: { ...creds, maxFailures: 2 }, onConnect: () => void connects++ });
    const attempt = async (params: string): Promise<string> => {
      const c = await connectRaw(port);
      try {
        await c.connect({ app: `live?${params}`, tcUrl: `rtmp://127.0.0.1:${port}/live?${params}` });
        return 'ok';
      } catch (err) {
        return String(((err as CommandError).info as { description: string }).description);
      } finally {
        await closeAll(c);
      }
    };
    for (let i = 0; i < 2; i++) assert.match(await attempt('authmod=adobe&user=bob&opaque=nope&challenge=x&response=y'), /reason=authfailed/);
    const desc = await attempt('authmod=adobe&user=bob');
    assert.match(desc, /reason=authfailed/, 'a blocked address got a challenge');
    assert.equal(connects, 0);
    await releaseAll();
  });
});
