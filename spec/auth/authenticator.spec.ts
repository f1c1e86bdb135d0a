/**
 * lib/auth: the Adobe and llnw response functions (vectors computed with openssl/md5sum) and the
 * server's challenge state machine, driven the way clients drive it: by the description text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAuthStep } from '../../lib/client/adobe-auth.js';
import {
  ConnectAuthenticator,
  adobeResponse,
  authFailedDescription,
  challengeDescription,
  llnwClientParams,
  llnwResponse,
  llnwUri,
  needAuthDescription,
  rawQuery,
  type AuthVerdict,
} from '../../lib/auth/index.js';
import { isRtmpError } from '../../lib/errors.js';

// printf 'bobs4ltpw' | openssl md5 -binary | base64 → X; printf "${X}op0a0b0c0d" | openssl md5 -binary | base64
const ADOBE_VECTORS = [
  { user: 'bob', password: 'pw', salt: 's4lt', challenge: 'op', client: '0a0b0c0d', response: 'hpeHgS+sZF44HpF35qPpTQ==' },
  { user: 'bob', password: 'pw', salt: 's4lt', challenge: 'ch', client: '0a0b0c0d', response: 'TlSlwp5XyTJUwAmv2VOYBg==' },
];
// HA1 = md5("bob:live:pw") = fdf318b8...; HA2 = md5("publish:/live/_definst_") = a2d981c9...;
// response = md5(HA1:n0nce:00000001:c0c0c0c0:auth:HA2) (md5sum).
const LLNW_VECTORS = [
  { app: 'live', uri: '/live/_definst_', response: '14e685cfaf780ddf727fcddd993f06cb' },
  { app: 'live/inst', uri: '/live/inst', response: '4f622474263f4b3a6f315d06a04d3d4b' },
];

const ctx = { app: 'live' };
const creds = { username: 'bob', password: 'pw' };

/** What a client appends after `?` for a refusal, via the client library (an independent implementation). */
function clientParams(description: string, tried = false, credentials = creds): string {
  const step = nextAuthStep(description, credentials, tried);
  assert.equal(step?.kind, 'retry', `client gave up on: ${description}`);
  return step.kind === 'retry' ? step.params : '';
}

function refused(verdict: AuthVerdict): string {
  assert.equal(verdict.ok, false, 'expected a refusal');
  return verdict.ok ? '' : verdict.description;
}

/** Runs the three connects; returns the final verdict. */
async function adobeFlow(auth: ConnectAuthenticator, credentials = creds, startAtStep2 = false): Promise<AuthVerdict> {
  const p2 = startAtStep2 ? `authmod=adobe&user=${credentials.username}` : clientParams(refused(await auth.check('live', 'rtmp://h/live', ctx)), false, credentials);
  const step2 = refused(await auth.check(`live?${p2}`, `rtmp://h/live?${p2}`, ctx));
  const p3 = clientParams(step2, false, credentials);
  return auth.check(`live?${p3}`, `rtmp://h/live?${p3}`, ctx);
}

describe('auth: response functions', () => {
  it('adobeResponse matches the openssl vectors', () => {
    for (const v of ADOBE_VECTORS) assert.equal(adobeResponse(v.user, v.password, v.salt, v.challenge, v.client), v.response);
  });
  it('llnwResponse matches the md5sum vectors; the URI gets /_definst_ only without an instance', () => {
    for (const v of LLNW_VECTORS) {
      assert.equal(llnwUri(v.app), v.uri);
      assert.equal(llnwResponse({ user: 'bob', password: 'pw', nonce: 'n0nce', cnonce: 'c0c0c0c0', nc: '00000001', app: v.app }), v.response);
    }
  });
  it('llnwClientParams answers a needauth description', () => {
    const params = llnwClientParams('[ x ] : ?reason=needauth&user=bob&nonce=n0nce', creds, 'live', 'c0c0c0c0');
    assert.equal(params, `authmod=llnw&user=bob&nonce=n0nce&cnonce=c0c0c0c0&nc=00000001&response=${LLNW_VECTORS[0]!.response}`);
    assert.equal(llnwClientParams('[ x ] : ?reason=needauth&user=bob', creds, 'live'), undefined);
    assert.equal(llnwClientParams('no auth here', creds, 'live'), undefined);
  });
  it('descriptions have the exact FMS/Wowza form clients parse', () => {
    assert.equal(needAuthDescription('adobe'), '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ');
    assert.equal(
      challengeDescription('adobe', [['user', 'u'], ['salt', 's'], ['challenge', 'c'], ['opaque', 'o']]),
      '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=u&salt=s&challenge=c&opaque=o',
    );
    assert.equal(authFailedDescription('llnw'), '[ AccessManager.Reject ] : [ authmod=llnw ] : ?reason=authfailed');
  });
  it('rawQuery keeps + / = and percent signs as sent', () => {
    assert.deepEqual([...rawQuery('live?a=1&response=ab+c/d==&x&u=%41')], [['a', '1'], ['response', 'ab+c/d=='], ['x', ''], ['u', '%41']]);
    assert.equal(rawQuery('live').size, 0);
  });
});

describe('auth: ConnectAuthenticator (adobe)', () => {
  it('step 1: a connect without authmod/user is told to use adobe', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw' });
    const verdict = await auth.check('live', 'rtmp://h/live', ctx);
    assert.deepEqual(verdict, { ok: false, reason: 'needauth', description: needAuthDescription('adobe') });
    // authmod without a user, or an unsupported authmod, is the same answer.
    assert.equal(refused(await auth.check('live?authmod=adobe', undefined, ctx)), needAuthDescription('adobe'));
    assert.equal(refused(await auth.check('live?authmod=llnw&user=bob', undefined, ctx)), needAuthDescription('adobe'));
    assert.equal(auth.pendingChallenges, 0, 'no state kept for step 1');
  });

  it('the full three-connect flow accepts the right password (client library drives it)', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw' });
    assert.deepEqual(await adobeFlow(auth), { ok: true, username: 'bob', method: 'adobe' });
    assert.equal(auth.pendingChallenges, 0, 'the challenge is consumed');
  });

  it('the challenge names the user and carries salt, challenge and opaque; a client may start at step 2', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw' });
    const desc = refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx));
    assert.match(desc, /^\[ AccessManager\.Reject \] : \[ authmod=adobe \] : \?reason=needauth&user=bob&salt=[0-9a-f]{12}&challenge=[0-9a-f]{12}&opaque=[0-9a-f]{16}$/);
    const p3 = clientParams(desc);
    assert.equal((await auth.check(`live?${p3}`, undefined, ctx)).ok, true);
  });

  it('a wrong password, a replayed response and an expired challenge fail with authfailed', async () => {
    let now = 1_000_000;
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw', challengeTimeout: 5000 }, () => now);
    const wrong = await adobeFlow(auth, { username: 'bob', password: 'nope' });
    assert.deepEqual(wrong, { ok: false, reason: 'authfailed', description: authFailedDescription('adobe') });

    const desc = refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx));
    const p3 = clientParams(desc);
    assert.equal((await auth.check(`live?${p3}`, undefined, ctx)).ok, true);
    assert.equal(refused(await auth.check(`live?${p3}`, undefined, ctx)), authFailedDescription('adobe'), 'replay');

    const late = clientParams(refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx)));
    now += 5001;
    assert.equal(refused(await auth.check(`live?${late}`, undefined, ctx)), authFailedDescription('adobe'), 'expired');
  });

  it('a response for another user, a forged opaque or a missing opaque fails', async () => {
    const auth = new ConnectAuthenticator([
      { username: 'bob', password: 'pw' },
      { username: 'eve', password: 'pw' },
    ]);
    const desc = refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx));
    const p3 = clientParams(desc);
    assert.equal(refused(await auth.check(`live?${p3.replace('user=bob', 'user=eve')}`, undefined, ctx)), authFailedDescription('adobe'));
    const desc2 = refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx));
    const p3b = clientParams(desc2);
    assert.equal(refused(await auth.check(`live?${p3b.replace(/opaque=[0-9a-f]+/, 'opaque=0000')}`, undefined, ctx)), authFailedDescription('adobe'));
    assert.equal(refused(await auth.check(`live?${p3b.replace(/&opaque=[0-9a-f]+/, '')}`, undefined, ctx)), authFailedDescription('adobe'));
  });

  it('a client hashing the challenge instead of the opaque value is accepted too', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw' });
    const desc = refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx));
    const f = new Map(desc.split('?')[1]!.split('&').map((p) => p.split('=') as [string, string]));
    const response = adobeResponse('bob', 'pw', f.get('salt')!, f.get('challenge')!, 'cafebabe');
    const ok = await auth.check(`live?authmod=adobe&user=bob&challenge=cafebabe&response=${response}&opaque=${f.get('opaque')}`, undefined, ctx);
    assert.equal(ok.ok, true);
  });

  it('unknown users get a challenge like anyone and fail at the end; the lookup runs only for a response', async () => {
    const asked: string[] = [];
    const auth = new ConnectAuthenticator(async (user, context) => {
      asked.push(`${user}@${context.app}`);
      return user === 'bob' ? 'pw' : undefined;
    });
    const desc = refused(await auth.check('live?authmod=adobe&user=mallory', undefined, ctx));
    assert.match(desc, /reason=needauth&user=mallory&salt=/);
    assert.deepEqual(asked, []);
    const p3 = clientParams(desc, false, { username: 'mallory', password: 'x' });
    assert.equal(refused(await auth.check(`live?${p3}`, undefined, ctx)), authFailedDescription('adobe'));
    assert.deepEqual(await adobeFlow(auth), { ok: true, username: 'bob', method: 'adobe' });
    assert.deepEqual(asked, ['mallory@live', 'bob@live']);
  });

  it('user names are percent-decoded; overlong or malformed ones fail without state', async () => {
    const auth = new ConnectAuthenticator({ username: 'a b@c', password: 'pw' });
    assert.deepEqual(await adobeFlow(auth, { username: 'a b@c', password: 'pw' }), { ok: true, username: 'a b@c', method: 'adobe' });
    assert.equal(refused(await auth.check(`live?authmod=adobe&user=${'u'.repeat(65)}`, undefined, ctx)), authFailedDescription('adobe'));
    assert.equal(auth.pendingChallenges, 0);
  });

  it('app query values win over tcUrl ones', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw' });
    const desc = refused(await auth.check('live?authmod=adobe&user=bob', 'rtmp://h/live?authmod=adobe&user=eve', ctx));
    assert.match(desc, /user=bob&/);
  });

  it('outstanding challenges are bounded: the oldest is dropped first', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw', maxPendingChallenges: 3 });
    const first = clientParams(refused(await auth.check('live?authmod=adobe&user=bob', undefined, ctx)));
    for (let i = 0; i < 5; i++) await auth.check('live?authmod=adobe&user=bob', undefined, ctx);
    assert.equal(auth.pendingChallenges, 3);
    assert.equal(refused(await auth.check(`live?${first}`, undefined, ctx)), authFailedDescription('adobe'));
  });

  it('invalid options are ERR_INVALID_OPTION', () => {
    const bad: unknown[] = [
      {},
      { username: 'bob' },
      { username: '', password: 'x' },
      [{ username: 'bob', password: 1 }],
      { username: 'bob', password: 'pw', methods: [] },
      { username: 'bob', password: 'pw', methods: ['digest'] },
      { username: 'bob', password: 'pw', challengeTimeout: 0 },
      { username: 'bob', password: 'pw', maxPendingChallenges: Infinity },
      null,
    ];
    for (const option of bad) {
      assert.throws(() => new ConnectAuthenticator(option as never), (err) => isRtmpError(err, 'ERR_INVALID_OPTION'), JSON.stringify(option));
    }
  });
});

describe('auth: ConnectAuthenticator (llnw)', () => {
  it('advertises llnw first when asked, and runs the digest flow', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw', methods: ['llnw', 'adobe'] });
    assert.equal(refused(await auth.check('live', undefined, ctx)), needAuthDescription('llnw'));
    const desc = refused(await auth.check('live?authmod=llnw&user=bob', undefined, ctx));
    assert.match(desc, /^\[ AccessManager\.Reject \] : \[ authmod=llnw \] : \?reason=needauth&user=bob&nonce=[0-9a-f]{16}$/);
    const params = llnwClientParams(desc, creds, 'live')!;
    assert.deepEqual(await auth.check(`live?${params}`, undefined, ctx), { ok: true, username: 'bob', method: 'llnw' });
    // The client library runs the same flow when it knows the app.
    const step1 = nextAuthStep(needAuthDescription('llnw'), creds, false, undefined, 'live');
    assert.deepEqual(step1, { kind: 'retry', params: 'authmod=llnw&user=bob' });
    assert.equal(nextAuthStep(needAuthDescription('llnw'), creds, false)?.kind, 'fail', 'without the app only adobe is answered');
    const desc2 = refused(await auth.check('live?authmod=llnw&user=bob', undefined, ctx));
    const step2 = nextAuthStep(desc2, creds, false, () => 'c0c0c0c0', 'live');
    assert.equal(step2?.kind, 'retry');
    assert.equal((await auth.check(`live?${step2?.kind === 'retry' ? step2.params : ''}`, undefined, ctx)).ok, true);
    assert.equal(nextAuthStep('[ x ] : [ authmod=llnw ] : ?reason=needauth&user=bob', creds, false, undefined, 'live')?.kind, 'fail', 'no nonce');
    // adobe is accepted too (a client that chose it itself).
    assert.deepEqual(await adobeFlow(auth, creds, true), { ok: true, username: 'bob', method: 'adobe' });
  });

  it('a wrong password or another app fails', async () => {
    const auth = new ConnectAuthenticator({ username: 'bob', password: 'pw', methods: ['llnw'] });
    const wrong = llnwClientParams(refused(await auth.check('live?authmod=llnw&user=bob', undefined, ctx)), { username: 'bob', password: 'no' }, 'live')!;
    assert.equal(refused(await auth.check(`live?${wrong}`, undefined, ctx)), authFailedDescription('llnw'));
    const otherApp = llnwClientParams(refused(await auth.check('live?authmod=llnw&user=bob', undefined, ctx)), creds, 'vod')!;
    assert.equal(refused(await auth.check(`live?${otherApp}`, undefined, ctx)), authFailedDescription('llnw'));
  });
});
