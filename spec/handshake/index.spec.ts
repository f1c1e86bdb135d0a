import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as handshake from '../../lib/handshake/index.js';
import * as digest from '../../lib/handshake/digest.js';
import * as socket from '../../lib/handshake/socket.js';
import { ClientHandshake } from '../../lib/handshake/client.js';
import { ServerHandshake } from '../../lib/handshake/server.js';
import { PacketReader } from '../../lib/handshake/packet-reader.js';
import { checkVersion } from '../../lib/handshake/version.js';

test('the barrel re-exports the handshake API from its modules', () => {
  assert.equal(handshake.ServerHandshake, ServerHandshake);
  assert.equal(handshake.ClientHandshake, ClientHandshake);
  assert.equal(handshake.PacketReader, PacketReader);
  assert.equal(handshake.checkVersion, checkVersion);
  assert.equal(handshake.performServerHandshake, socket.performServerHandshake);
  assert.equal(handshake.performClientHandshake, socket.performClientHandshake);
  assert.equal(handshake.DEFAULT_HANDSHAKE_TIMEOUT, 10_000);
  assert.equal(handshake.RTMP_VERSION, 3);
  for (const name of ['computeDigest', 'findDigest', 'validateC1', 'validateS1', 'imprintDigest', 'signResponse', 'verifyResponse', 'digestOffset'] as const) {
    assert.equal(handshake[name], digest[name], name);
  }
  assert.equal(handshake.PLAYER_KEY, digest.PLAYER_KEY);
  assert.equal(handshake.SERVER_KEY, digest.SERVER_KEY);
});

test('PacketReader returns views within a read and copies only across reads', () => {
  const reader = new PacketReader();
  const first = Buffer.from([1, 2, 3, 4, 5]);
  reader.begin(first);
  const a = reader.read(2)!;
  assert.deepEqual(a, Buffer.from([1, 2]));
  assert.equal(reader.read(4), undefined); // 3 bytes kept
  reader.begin(Buffer.from([6, 7]));
  const b = reader.read(4)!;
  assert.deepEqual(b, Buffer.from([3, 4, 5, 6]));
  first.fill(0);
  assert.deepEqual(a, Buffer.from([0, 0])); // within one read: a view
  assert.deepEqual(b, Buffer.from([3, 4, 5, 6])); // across reads: a copy
  assert.deepEqual(reader.takeRest(), Buffer.from([7]));
  assert.deepEqual(reader.takeRest(), Buffer.alloc(0));
});
