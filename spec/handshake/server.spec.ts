import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, HandshakeError, isRtmpError } from '../../lib/errors.js';
import { ServerHandshake } from '../../lib/handshake/server.js';
import type { HandshakeResult } from '../../lib/handshake/types.js';
import { createPrng } from '../helpers/prng.js';
import {
  DIGEST_VECTORS,
  REF_PLAYER_KEY_62,
  REF_SERVER_KEY_36,
  REF_SERVER_KEY_68,
  buildDigestPacket,
  buildSimplePacket,
  refFindDigest,
  refSignature,
  seededFill,
} from './vectors.js';

const S1_VERSION = 0x0d0e0a0d;
const TRAILING = Buffer.from([0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0x14, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x07]); // a connect chunk's first bytes

function newServer(seed = 42, extra: ConstructorParameters<typeof ServerHandshake>[0] = {}): ServerHandshake {
  return new ServerHandshake({ version: S1_VERSION, time: 0x11223344, randomFill: seededFill(seed), ...extra });
}

/** Pushes C0 + C1 in one go; returns S0, S1, S2. */
function answer(server: ServerHandshake, c1: Buffer, c0 = 3): { s0: number; s1: Buffer; s2: Buffer } {
  const step = server.push(Buffer.concat([Buffer.from([c0]), c1]));
  assert.equal(step.done, false);
  assert.equal(step.output.length, 1);
  const out = step.output[0]!;
  assert.equal(out.length, 1 + 1536 + 1536);
  return { s0: out[0]!, s1: out.subarray(1, 1537), s2: out.subarray(1537) };
}

/** A C2 signed the reference way with S1's digest. */
function signedC2(s1: Buffer, seed = 7): Buffer {
  const c2 = createPrng(seed).bytes(1536);
  const found = refFindDigest(s1, REF_SERVER_KEY_36);
  assert.ok(found, 'S1 carries a server digest');
  refSignature(c2, found.digest, REF_PLAYER_KEY_62).copy(c2, 1504);
  return c2;
}

for (const v of DIGEST_VECTORS) {
  test(`server answers a digest C1 (${v.name}) with a digest S1 in the same schema and a signed S2`, () => {
    const c1 = buildDigestPacket(v);
    const server = newServer();
    const { s0, s1, s2 } = answer(server, c1);
    assert.equal(s0, 3);
    assert.equal(s1.readUInt32BE(0), 0x11223344); // time
    assert.equal(s1.readUInt32BE(4), S1_VERSION); // version
    const s1Digest = refFindDigest(s1, REF_SERVER_KEY_36);
    assert.ok(s1Digest, 'S1 digest valid with the 36-byte server key');
    assert.equal(s1Digest.schema, v.schema);
    // S2 = 1504 bytes + HMAC keyed by HMAC(68-byte server key, C1 digest)
    const c1Digest = c1.subarray(v.digestAt, v.digestAt + 32);
    assert.deepEqual(s2.subarray(1504), refSignature(s2, c1Digest, REF_SERVER_KEY_68));

    const done = server.push(Buffer.concat([signedC2(s1), TRAILING]));
    assert.equal(done.done, true);
    assert.deepEqual(done.output, []);
    assert.deepEqual(done.rest, TRAILING);
    const r = done.result!;
    assert.deepEqual({ ...r, rest: undefined }, {
      rest: undefined,
      peerVersion: v.version,
      scheme: 'digest',
      peerDigestValid: true,
      peerSchema: v.schema,
      peerEchoed: false,
      c2Valid: true,
    });
    assert.deepEqual(r.rest, TRAILING);
  });
}

test('server accepts a C2 that echoes S1 in the digest scheme (what ffmpeg sends when publishing)', () => {
  const server = newServer();
  const { s1 } = answer(server, buildDigestPacket(DIGEST_VECTORS[0]!));
  const c2 = Buffer.from(s1);
  c2.writeUInt32BE(0xdeadbeef, 4); // RTMP 1.0 §5.2.4: time2 may differ, the random part must echo
  const step = server.push(c2);
  assert.equal(step.done, true);
  assert.equal(step.result!.c2Valid, true);
  assert.equal(step.result!.peerEchoed, true);
  assert.equal(step.rest!.length, 0);
});

test('server never rejects a C2 that neither echoes nor is signed, and says so', () => {
  const server = newServer();
  answer(server, buildDigestPacket(DIGEST_VECTORS[3]!));
  const step = server.push(createPrng(99).bytes(1536));
  assert.equal(step.done, true);
  assert.equal(step.result!.c2Valid, false);
  assert.equal(step.result!.peerEchoed, false);
});

test('server answers a zero-version C1 with the simple scheme: S1 version 0, S2 = C1', () => {
  const c1 = buildSimplePacket(11);
  const server = newServer();
  const { s0, s1, s2 } = answer(server, c1);
  assert.equal(s0, 3);
  assert.equal(s1.readUInt32BE(0), 0x11223344);
  assert.equal(s1.readUInt32BE(4), 0);
  assert.equal(refFindDigest(s1, REF_SERVER_KEY_36), undefined);
  assert.deepEqual(s2, c1);
  const step = server.push(Buffer.from(s1)); // C2 echoes S1
  assert.equal(step.done, true);
  const r = step.result!;
  assert.equal(r.scheme, 'simple');
  assert.equal(r.peerVersion, 0);
  assert.equal('peerDigestValid' in r, false); // not checked
  assert.equal(r.c2Valid, true);
  assert.equal(r.peerEchoed, true);
});

test('simple scheme: a C2 that does not echo S1 is flagged, not rejected', () => {
  const server = newServer();
  answer(server, buildSimplePacket(12));
  const r = server.push(createPrng(3).bytes(1536)).result!;
  assert.equal(r.c2Valid, false);
  assert.equal(r.peerEchoed, false);
});

test('a non-zero version without a valid digest gets the simple scheme and peerDigestValid false', () => {
  const c1 = buildSimplePacket(13);
  c1.writeUInt32BE(0x09007c02, 4);
  const server = newServer();
  const { s1, s2 } = answer(server, c1);
  assert.equal(s1.readUInt32BE(4), 0);
  assert.deepEqual(s2, c1);
  const r = server.push(Buffer.from(s1)).result!;
  assert.equal(r.scheme, 'simple');
  assert.equal(r.peerVersion, 0x09007c02);
  assert.equal(r.peerDigestValid, false);
});

test("scheme 'simple' answers even a digest C1 the simple way", () => {
  const c1 = buildDigestPacket(DIGEST_VECTORS[1]!);
  const server = newServer(42, { scheme: 'simple' });
  const { s1, s2 } = answer(server, c1);
  assert.equal(s1.readUInt32BE(4), 0);
  assert.deepEqual(s2, c1);
  const r = server.push(Buffer.from(s1)).result!;
  assert.equal(r.scheme, 'simple');
  assert.equal(r.peerDigestValid, undefined);
});

test('default options: S1 version 5.0.3.1, time 0, random bytes from crypto', () => {
  const c1 = buildDigestPacket(DIGEST_VECTORS[0]!);
  const a = answer(new ServerHandshake(), c1);
  const b = answer(new ServerHandshake(), c1);
  assert.equal(a.s1.readUInt32BE(0), 0);
  assert.equal(a.s1.readUInt32BE(4), 0x05000301);
  assert.ok(refFindDigest(a.s1, REF_SERVER_KEY_36));
  assert.notDeepEqual(a.s1, b.s1); // fresh random per handshake
});

const BAD_VERSIONS: [number, RegExp][] = [
  [6, /RTMPE/], // encrypted RTMP gets its own message
  [8, /RTMPE/],
  [0, /unsupported/],
  [4, /unsupported/],
  [0x16, /TLS/],
  [0x47, /not RTMP/], // 'G' of an HTTP GET
  [255, /not RTMP/],
];
for (const [version, message] of BAD_VERSIONS) {
  test(`C0 version ${version} is HandshakeError HANDSHAKE_VERSION, raised on the first byte`, () => {
    const server = newServer();
    assert.throws(
      () => server.push(Buffer.from([version])),
      (err: unknown) => {
        assert.ok(err instanceof HandshakeError);
        assert.equal(err.code, ErrorCode.HANDSHAKE_VERSION);
        assert.match(err.message, /^C0 version/);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}

test('pushes after completion pass straight through as rest', () => {
  const server = newServer();
  const { s1 } = answer(server, buildSimplePacket(1));
  const first = server.push(Buffer.from(s1));
  const later = server.push(TRAILING);
  assert.equal(server.done, true);
  assert.equal(later.done, true);
  assert.deepEqual(later.output, []);
  assert.equal(later.rest, TRAILING);
  assert.equal(later.result, first.result);
});

/**
 * Runs the whole exchange with the input cut at `cuts`, and returns everything the server sent
 * and its result. The C2 is built from a reference run with the same seed, so it is signed.
 */
function runSplit(input: Buffer, cuts: number[]): { sent: Buffer; result: HandshakeResult; doneAt: number } {
  const server = newServer(5);
  const sent: Buffer[] = [];
  let result: HandshakeResult | undefined;
  let doneAt = -1;
  let prev = 0;
  const restParts: Buffer[] = [];
  for (const cut of [...cuts, input.length]) {
    const step = server.push(input.subarray(prev, cut));
    sent.push(...step.output);
    if (step.done) {
      if (result === undefined) doneAt = cut;
      result = step.result;
      restParts.push(step.rest!);
    }
    prev = cut;
  }
  assert.ok(result, 'handshake completed');
  return { sent: Buffer.concat(sent), result: { ...result, rest: Buffer.concat(restParts) }, doneAt };
}

for (const v of [DIGEST_VECTORS[0]!, DIGEST_VECTORS[5]!, undefined]) {
  const name = v ? `digest ${v.name}` : 'simple';
  test(`server machine: same bytes and result at every split offset and byte by byte (${name})`, () => {
    const c1 = v ? buildDigestPacket(v) : buildSimplePacket(21);
    const reference = newServer(5);
    const out = reference.push(Buffer.concat([Buffer.from([3]), c1])).output[0]!;
    const s1 = out.subarray(1, 1537);
    const c2 = v ? signedC2(s1) : Buffer.from(s1);
    const input = Buffer.concat([Buffer.from([3]), c1, c2, TRAILING]);
    const expected = runSplit(input, []);
    assert.deepEqual(expected.sent, out);
    assert.equal(expected.result.c2Valid, true);
    assert.deepEqual(expected.result.rest, TRAILING);

    for (let at = 0; at <= input.length; at++) {
      const got = runSplit(input, [at]);
      assert.deepEqual(got.sent, expected.sent, `split at ${at}`);
      assert.deepEqual(got.result, expected.result, `split at ${at}`);
      assert.equal(got.doneAt, at < input.length - TRAILING.length ? input.length : at, `completion at ${at}`);
    }
    const everyByte = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    const bytewise = runSplit(input, everyByte);
    assert.deepEqual(bytewise.sent, expected.sent);
    assert.deepEqual(bytewise.result, expected.result);
  });
}

test('server fuzz: random and mutated input yields only HandshakeErrors or a result, in bounded time', () => {
  const prng = createPrng(0x5eed);
  const valid = Buffer.concat([Buffer.from([3]), buildDigestPacket(DIGEST_VECTORS[2]!), createPrng(8).bytes(1536 + 40)]);
  const started = Date.now();
  let completed = 0;
  let rejected = 0;
  for (let i = 0; i < 400; i++) {
    let input: Buffer;
    if (i % 2 === 0) {
      input = prng.bytes(prng.int(3200));
      if (prng.next() < 0.7 && input.length > 0) input[0] = 3;
    } else {
      input = Buffer.from(valid.subarray(0, prng.int(valid.length + 1)));
      for (let m = prng.int(8); m > 0 && input.length > 0; m--) input[prng.int(input.length)] = prng.int(256);
    }
    const server = new ServerHandshake({ randomFill: seededFill(i) });
    try {
      let offset = 0;
      while (offset < input.length) {
        const n = 1 + prng.int(700);
        const step = server.push(input.subarray(offset, offset + n));
        offset += n;
        for (const b of step.output) assert.equal(b.length, 3073);
        if (step.done) {
          completed++;
          assert.equal(step.result!.rest.length <= input.length - 3073, true);
        }
      }
    } catch (err) {
      assert.ok(isRtmpError(err, ErrorCode.HANDSHAKE_VERSION), `unexpected ${String(err)}`);
      rejected++;
    }
  }
  assert.ok(completed > 0 && rejected > 0, `both outcomes seen (${completed}/${rejected})`);
  assert.ok(Date.now() - started < 10_000);
});
