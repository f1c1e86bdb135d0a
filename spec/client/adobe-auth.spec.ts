import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adobeResponse, nextAuthStep, withQuery } from '../../lib/client/adobe-auth.js';

// Computed with openssl: base64(md5(base64(md5("bob" + "s4lt" + "pw")) + "op" + "0a0b0c0d")).
const RESPONSE_WITH_OPAQUE = 'hpeHgS+sZF44HpF35qPpTQ==';
// The same with the server challenge "ch" in place of the opaque value.
const RESPONSE_WITH_CHALLENGE = 'TlSlwp5XyTJUwAmv2VOYBg==';
const creds = { username: 'bob', password: 'pw' };
const ours = (): string => '0a0b0c0d';

test('adobeResponse matches the openssl computation', () => {
  assert.equal(adobeResponse('bob', 'pw', 's4lt', 'op', '0a0b0c0d'), RESPONSE_WITH_OPAQUE);
  assert.equal(adobeResponse('bob', 'pw', 's4lt', 'ch', '0a0b0c0d'), RESPONSE_WITH_CHALLENGE);
});

test('step 1 → 2: "need auth" asks for authmod and user', () => {
  const step = nextAuthStep('[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ', creds, false, ours);
  assert.deepEqual(step, { kind: 'retry', params: 'authmod=adobe&user=bob' });
});

test('step 2 → 3: the challenge is answered, opaque preferred and echoed', () => {
  const desc = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=s4lt&challenge=ch&opaque=op';
  assert.deepEqual(nextAuthStep(desc, creds, false, ours), {
    kind: 'retry',
    params: `authmod=adobe&user=bob&challenge=0a0b0c0d&response=${RESPONSE_WITH_OPAQUE}&opaque=op`,
  });
  const noOpaque = '[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=s4lt&challenge=ch';
  assert.deepEqual(nextAuthStep(noOpaque, creds, false, ours), {
    kind: 'retry',
    params: `authmod=adobe&user=bob&challenge=0a0b0c0d&response=${RESPONSE_WITH_CHALLENGE}`,
  });
});

test('final refusals and refusals that are not about auth', () => {
  assert.equal(nextAuthStep('Connection refused', creds, false), undefined);
  assert.equal(nextAuthStep('authmod=llnw', creds, false)?.kind, 'fail');
  assert.equal(nextAuthStep('code=403 need auth; authmod=adobe', {}, false)?.kind, 'fail');
  assert.equal(nextAuthStep('authmod=adobe ?reason=authfailed', creds, false)?.kind, 'fail');
  assert.equal(nextAuthStep('authmod=adobe ?reason=nosuchuser', creds, false)?.kind, 'fail');
  assert.equal(nextAuthStep('authmod=adobe ?reason=needauth&salt=a&challenge=b', creds, true)?.kind, 'fail');
  assert.equal(nextAuthStep('authmod=adobe : something else', creds, false)?.kind, 'fail');
  // The default client challenge is 8 hex digits.
  const step = nextAuthStep('authmod=adobe ?reason=needauth&user=bob&salt=a&challenge=b', creds, false);
  assert.match(step?.kind === 'retry' ? step.params : '', /&challenge=[0-9a-f]{8}&response=/);
});

test('withQuery appends with ? or &', () => {
  assert.equal(withQuery('live', 'a=1'), 'live?a=1');
  assert.equal(withQuery('live?t=2', 'a=1'), 'live?t=2&a=1');
});
