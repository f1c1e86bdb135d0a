import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, HandshakeError, isRtmpError } from '../../lib/errors.js';
import { ClientHandshake, type ClientHandshakeOptions } from '../../lib/handshake/client.js';
import { ServerHandshake } from '../../lib/handshake/server.js';
import type { HandshakeResult, HandshakeScheme } from '../../lib/handshake/types.js';
import { createPrng } from '../helpers/prng.js';
import {
  DIGEST_VECTORS,
  REF_PLAYER_KEY_30,
  REF_PLAYER_KEY_62,
  REF_SERVER_KEY_36,
  REF_SERVER_KEY_68,
  buildDigestPacket,
  buildSimplePacket,
  refFindDigest,
  refSignature,
  seededFill,
} from './vectors.js';

const TRAILING = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x26, 0x25, 0xa0]); // Window Ack Size chunk

function newClient(options: ClientHandshakeOptions = {}, seed = 31): ClientHandshake {
  return new ClientHandshake({ time: 0x0000abcd, randomFill: seededFill(seed), ...options });
}

/** An S2 that signs C1's digest the reference way. */
function signedS2(c1: Buffer, seed = 17): Buffer {
  const s2 = createPrng(seed).bytes(1536);
  const found = refFindDigest(c1, REF_PLAYER_KEY_30);
  assert.ok(found, 'C1 carries a player digest');
  refSignature(s2, found.digest, REF_SERVER_KEY_68).copy(s2, 1504);
  return s2;
}

for (const schema of [0, 1] as const) {
  test(`client C0+C1 in the digest scheme, schema ${schema}: version field and a valid player digest`, () => {
    const c0c1 = newClient({ schema, version: 0x80000702 }).start();
    assert.equal(c0c1.length, 1537);
    assert.equal(c0c1[0], 3);
    const c1 = c0c1.subarray(1);
    assert.equal(c1.readUInt32BE(0), 0x0000abcd);
    assert.equal(c1.readUInt32BE(4), 0x80000702);
    const found = refFindDigest(c1, REF_PLAYER_KEY_30);
    assert.ok(found);
    assert.equal(found.schema, schema);
    const block = schema === 0 ? 8 : 772;
    assert.equal(found.offset, block + 4 + ((c1[block]! + c1[block + 1]! + c1[block + 2]! + c1[block + 3]!) % 728));
  });
}

test('client defaults: digest scheme, version 9.0.124.2, schema 0, time 0', () => {
  const c1 = new ClientHandshake().start().subarray(1);
  assert.equal(c1.readUInt32BE(0), 0);
  assert.equal(c1.readUInt32BE(4), 0x09007c02);
  assert.equal(refFindDigest(c1, REF_PLAYER_KEY_30)?.schema, 0);
});

test('client C1 in the simple scheme has version 0', () => {
  const c1 = newClient({ scheme: 'simple' }).start().subarray(1);
  assert.equal(c1.readUInt32BE(4), 0);
  assert.equal(c1.readUInt32BE(0), 0x0000abcd);
});

for (const v of DIGEST_VECTORS) {
  test(`client answers a digest S1 (${v.name}) with a C2 signed by the 62-byte player key`, () => {
    const client = newClient();
    const c1 = client.start().subarray(1);
    const s1 = buildDigestPacket(v, REF_SERVER_KEY_36);
    const step = client.push(Buffer.concat([Buffer.from([3]), s1]));
    assert.equal(step.done, false);
    assert.equal(step.output.length, 1);
    const c2 = step.output[0]!;
    assert.equal(c2.length, 1536);
    const s1Digest = s1.subarray(v.digestAt, v.digestAt + 32);
    assert.deepEqual(c2.subarray(1504), refSignature(c2, s1Digest, REF_PLAYER_KEY_62));
    assert.equal(client.done, false);
    const done = client.push(Buffer.concat([signedS2(c1), TRAILING]));
    assert.equal(done.done, true);
    assert.equal(client.done, true);
    assert.deepEqual(done.output, []);
    assert.deepEqual({ ...done.result!, rest: undefined }, {
      rest: undefined,
      peerVersion: v.version,
      scheme: 'digest',
      peerDigestValid: true,
      peerSchema: v.schema,
      peerEchoed: false,
      s2Valid: true,
    });
    assert.deepEqual(done.rest, TRAILING);
    assert.deepEqual(done.result!.rest, TRAILING);
  });
}

test('digest client, zero-version S1: C2 echoes S1, S2 echoing C1 is valid, scheme simple', () => {
  const client = newClient();
  const c1 = Buffer.from(client.start().subarray(1));
  const s1 = buildSimplePacket(40);
  const c2 = client.push(Buffer.concat([Buffer.from([3]), s1])).output[0]!;
  assert.deepEqual(c2, s1);
  const s2 = Buffer.from(c1);
  s2.writeUInt32BE(0x1234, 4); // time2 may differ (RTMP 1.0 §5.2.4)
  const r = client.push(s2).result!;
  assert.equal(r.scheme, 'simple');
  assert.equal(r.peerVersion, 0);
  assert.equal('peerDigestValid' in r, false);
  assert.equal(r.s2Valid, true);
  assert.equal(r.peerEchoed, true);
});

test('digest client: S1 with a non-zero version and no digest is HANDSHAKE_DIGEST', () => {
  const s1 = buildSimplePacket(41);
  s1.writeUInt32BE(0x03000101, 4);
  assert.throws(
    () => newClient().push(Buffer.concat([Buffer.from([3]), s1])),
    (err: unknown) => err instanceof HandshakeError && err.code === ErrorCode.HANDSHAKE_DIGEST && /0x03000101/.test(err.message),
  );
});

test('validatePeer false: such an S1 is answered with an echo and flagged', () => {
  const client = newClient({ validatePeer: false });
  const c1 = Buffer.from(client.start().subarray(1));
  const s1 = buildSimplePacket(42);
  s1.writeUInt32BE(0x03000101, 4);
  const c2 = client.push(Buffer.concat([Buffer.from([3]), s1])).output[0]!;
  assert.deepEqual(c2, s1);
  const r = client.push(c1).result!;
  assert.equal(r.peerDigestValid, false);
  assert.equal(r.scheme, 'simple');
  assert.equal(r.s2Valid, true);
});

test('simple client does not check S1: non-zero version answered with an echo', () => {
  const client = newClient({ scheme: 'simple' });
  const s1 = buildDigestPacket(DIGEST_VECTORS[0]!, REF_SERVER_KEY_36);
  const c2 = client.push(Buffer.concat([Buffer.from([3]), s1])).output[0]!;
  assert.deepEqual(c2, s1);
  const r = client.push(createPrng(1).bytes(1536)).result!;
  assert.equal(r.scheme, 'simple');
  assert.equal(r.peerDigestValid, undefined);
  assert.equal(r.s2Valid, false); // neither echo nor signature: flagged, never rejected
});

test('a digest S2 with a wrong signature is flagged, not rejected', () => {
  const client = newClient();
  client.push(Buffer.concat([Buffer.from([3]), buildDigestPacket(DIGEST_VECTORS[1]!, REF_SERVER_KEY_36)]));
  const r = client.push(createPrng(2).bytes(1536)).result!;
  assert.equal(r.scheme, 'digest');
  assert.equal(r.s2Valid, false);
});

for (const [version, message] of [[6, /RTMPE/], [0, /unsupported/], [255, /not RTMP/]] as const) {
  test(`S0 version ${version} is HANDSHAKE_VERSION`, () => {
    assert.throws(
      () => newClient().push(Buffer.from([version])),
      (err: unknown) => isRtmpError(err, ErrorCode.HANDSHAKE_VERSION) && /^S0 version/.test(err.message) && message.test(err.message),
    );
  });
}

/** Client machine ⇄ server machine in memory. */
function converse(clientScheme: HandshakeScheme, serverScheme: HandshakeScheme): { client: HandshakeResult; server: HandshakeResult } {
  const client = newClient({ scheme: clientScheme });
  const server = new ServerHandshake({ scheme: serverScheme, randomFill: seededFill(3) });
  const s0s1s2 = server.push(client.start()).output[0]!;
  const step = client.push(Buffer.concat([s0s1s2, TRAILING]));
  assert.equal(step.done, true);
  const serverDone = server.push(Buffer.concat([step.output[0]!, TRAILING]));
  assert.equal(serverDone.done, true);
  assert.deepEqual(step.rest, TRAILING);
  assert.deepEqual(serverDone.rest, TRAILING);
  return { client: step.result!, server: serverDone.result! };
}

test('client and server machines agree in the digest scheme', () => {
  const { client, server } = converse('digest', 'digest');
  assert.equal(client.scheme, 'digest');
  assert.equal(server.scheme, 'digest');
  assert.equal(client.peerDigestValid, true);
  assert.equal(server.peerDigestValid, true);
  assert.equal(client.s2Valid, true);
  assert.equal(server.c2Valid, true);
  assert.equal(server.peerEchoed, false);
  assert.equal(server.peerVersion, 0x09007c02);
  assert.equal(client.peerVersion, 0x05000301);
});

for (const [c, s] of [['simple', 'digest'], ['digest', 'simple'], ['simple', 'simple']] as const) {
  test(`client ${c} ⇄ server ${s}: falls back to the simple scheme`, () => {
    const { client, server } = converse(c, s);
    assert.equal(client.scheme, 'simple');
    assert.equal(server.scheme, 'simple');
    assert.equal(client.s2Valid, true);
    assert.equal(server.c2Valid, true);
    assert.equal(server.peerEchoed, true);
  });
}

test('client machine: same C2 and result at every split offset of S0+S1+S2+trailing, and byte by byte', () => {
  const c1 = Buffer.from(newClient().start().subarray(1));
  const s1 = buildDigestPacket(DIGEST_VECTORS[4]!, REF_SERVER_KEY_36);
  const input = Buffer.concat([Buffer.from([3]), s1, signedS2(c1), TRAILING]);
  const run = (cuts: number[]): { sent: Buffer; result: HandshakeResult } => {
    const client = newClient();
    const sent: Buffer[] = [];
    const rest: Buffer[] = [];
    let result: HandshakeResult | undefined;
    let prev = 0;
    for (const cut of [...cuts, input.length]) {
      const step = client.push(input.subarray(prev, cut));
      sent.push(...step.output);
      if (step.done) {
        result = step.result;
        rest.push(step.rest!);
      }
      prev = cut;
    }
    assert.ok(result);
    return { sent: Buffer.concat(sent), result: { ...result, rest: Buffer.concat(rest) } };
  };
  const expected = run([]);
  assert.equal(expected.sent.length, 1536);
  assert.equal(expected.result.s2Valid, true);
  assert.deepEqual(expected.result.rest, TRAILING);
  for (let at = 0; at <= input.length; at++) {
    const got = run([at]);
    assert.deepEqual(got.sent, expected.sent, `split at ${at}`);
    assert.deepEqual(got.result, expected.result, `split at ${at}`);
  }
  const bytewise = run(Array.from({ length: input.length - 1 }, (_, i) => i + 1));
  assert.deepEqual(bytewise, expected);
});

test('client fuzz: random and mutated server bytes yield only HandshakeErrors or a result', () => {
  const prng = createPrng(0xc1);
  const c1 = Buffer.from(newClient().start().subarray(1));
  const valid = Buffer.concat([Buffer.from([3]), buildDigestPacket(DIGEST_VECTORS[0]!, REF_SERVER_KEY_36), signedS2(c1), TRAILING]);
  const codes = new Set<string>();
  let completed = 0;
  for (let i = 0; i < 400; i++) {
    let input: Buffer;
    if (i % 2 === 0) {
      input = prng.bytes(prng.int(3200));
      if (prng.next() < 0.7 && input.length > 0) input[0] = 3;
      if (prng.next() < 0.3 && input.length > 8) input.writeUInt32BE(0, 5); // zero S1 version
    } else {
      input = Buffer.from(valid.subarray(0, prng.int(valid.length + 1)));
      for (let m = prng.int(4); m > 0 && input.length > 0; m--) input[prng.int(input.length)] = prng.int(256);
    }
    const client = newClient();
    try {
      let offset = 0;
      while (offset < input.length) {
        const n = 1 + prng.int(700);
        const step = client.push(input.subarray(offset, offset + n));
        offset += n;
        if (step.done) completed++;
      }
    } catch (err) {
      assert.ok(err instanceof HandshakeError, `unexpected ${String(err)}`);
      codes.add(err.code);
    }
  }
  assert.deepEqual([...codes].sort(), [ErrorCode.HANDSHAKE_DIGEST, ErrorCode.HANDSHAKE_VERSION]);
  assert.ok(completed > 0);
});
