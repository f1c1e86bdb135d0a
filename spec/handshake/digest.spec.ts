import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrng } from '../helpers/prng.js';
import {
  HANDSHAKE_SIZE,
  PLAYER_KEY,
  PLAYER_KEY_SHORT,
  SERVER_KEY,
  SERVER_KEY_SHORT,
  computeDigest,
  digestOffset,
  findDigest,
  imprintDigest,
  responseSignature,
  signResponse,
  validateC1,
  validateS1,
  verifyResponse,
} from '../../lib/handshake/digest.js';
import {
  DIGEST_VECTORS,
  REF_PLAYER_KEY_30,
  REF_PLAYER_KEY_62,
  REF_SERVER_KEY_36,
  REF_SERVER_KEY_68,
  buildDigestPacket,
  buildSimplePacket,
  refDigest,
  refSignature,
} from './vectors.js';

test('keys are the Adobe texts plus the 32 constant bytes (62 and 68 bytes)', () => {
  assert.deepEqual(PLAYER_KEY, REF_PLAYER_KEY_62);
  assert.deepEqual(SERVER_KEY, REF_SERVER_KEY_68);
  assert.deepEqual(PLAYER_KEY_SHORT, REF_PLAYER_KEY_30);
  assert.deepEqual(SERVER_KEY_SHORT, REF_SERVER_KEY_36);
  assert.equal(PLAYER_KEY.length, 62);
  assert.equal(SERVER_KEY.length, 68);
  assert.equal(PLAYER_KEY_SHORT.toString('latin1'), 'Genuine Adobe Flash Player 001');
  assert.equal(SERVER_KEY_SHORT.toString('latin1'), 'Genuine Adobe Flash Media Server 001');
});

for (const v of DIGEST_VECTORS) {
  test(`digest vector: ${v.name} → digest at ${v.digestAt}`, () => {
    const c1 = buildDigestPacket(v);
    assert.equal(digestOffset(c1, v.schema), v.digestAt);
    assert.deepEqual(computeDigest(c1, v.digestAt, PLAYER_KEY_SHORT), c1.subarray(v.digestAt, v.digestAt + 32));
    const match = validateC1(c1);
    assert.ok(match, 'C1 digest found');
    assert.equal(match.schema, v.schema);
    assert.equal(match.offset, v.digestAt);
    assert.deepEqual(match.digest, c1.subarray(v.digestAt, v.digestAt + 32));
    // Keyed with the player key: not a server digest.
    assert.equal(validateS1(c1), undefined);

    const s1 = buildDigestPacket(v, REF_SERVER_KEY_36);
    assert.equal(validateS1(s1)?.offset, v.digestAt);
    assert.equal(validateC1(s1), undefined);
  });

  test(`imprintDigest writes the reference digest: ${v.name}`, () => {
    const expected = buildDigestPacket(v);
    const packet = Buffer.from(expected);
    packet.fill(0, v.digestAt, v.digestAt + 32);
    const digest = imprintDigest(packet, v.schema, PLAYER_KEY_SHORT);
    assert.deepEqual(packet, expected);
    assert.equal(digest.byteOffset - packet.byteOffset, v.digestAt);
    assert.equal(digest.length, 32);
  });
}

test('findDigest finds nothing in a simple or short packet', () => {
  assert.equal(findDigest(buildSimplePacket(9), PLAYER_KEY_SHORT), undefined);
  assert.equal(findDigest(buildDigestPacket(DIGEST_VECTORS[0]!).subarray(0, 1535), PLAYER_KEY_SHORT), undefined);
});

test('a single flipped bit outside the digest breaks it', () => {
  const c1 = buildDigestPacket(DIGEST_VECTORS[0]!);
  c1[1000] ^= 0x01;
  assert.equal(validateC1(c1), undefined);
});

test('signResponse/verifyResponse match the reference signature for both keys', () => {
  const prng = createPrng(77);
  const peerDigest = prng.bytes(32);
  for (const key of [SERVER_KEY, PLAYER_KEY]) {
    const answer = prng.bytes(HANDSHAKE_SIZE);
    signResponse(answer, peerDigest, key);
    assert.deepEqual(answer.subarray(1504), refSignature(answer, peerDigest, key === SERVER_KEY ? REF_SERVER_KEY_68 : REF_PLAYER_KEY_62));
    assert.deepEqual(responseSignature(answer, peerDigest, key), answer.subarray(1504));
    assert.equal(verifyResponse(answer, peerDigest, key), true);
    assert.equal(verifyResponse(answer, prng.bytes(32), key), false);
    assert.equal(verifyResponse(answer.subarray(0, 1535), peerDigest, key), false);
  }
});

test('computeDigest skips exactly the 32 digest bytes', () => {
  const packet = createPrng(5).bytes(HANDSHAKE_SIZE);
  assert.deepEqual(computeDigest(packet, 100, SERVER_KEY_SHORT), refDigest(packet, 100, REF_SERVER_KEY_36));
  const changed = Buffer.from(packet);
  changed.fill(0xaa, 100, 132); // inside the skipped range: same digest
  assert.deepEqual(computeDigest(changed, 100, SERVER_KEY_SHORT), computeDigest(packet, 100, SERVER_KEY_SHORT));
  changed[132] ^= 1; // just after it: different
  assert.notDeepEqual(computeDigest(changed, 100, SERVER_KEY_SHORT), computeDigest(packet, 100, SERVER_KEY_SHORT));
});
