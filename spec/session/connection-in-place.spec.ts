/**
 * RtmpConnection turns in-place assembly on only while it alone sees the inbound reads and chunks:
 * a user stage at the inbound 'bytes' or 'chunks' boundary, up front or spliced live, turns it off,
 * and what such a stage holds stays exactly as the socket delivered it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Transform, type Duplex } from 'node:stream';
import type { Chunk } from '../../lib/chunk/chunk.js';
import { createMessage, type Message } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import { RtmpConnection, type ConnectionOptions } from '../../lib/session/connection.js';
import { createPrng } from '../helpers/prng.js';
import { connectionPair, plainPair } from '../helpers/connection-pair.js';

/** A 'bytes' stage that passes every read on and keeps it, with a copy of its bytes on arrival. */
function readTap(): { stage: Duplex; held: Array<[Buffer, Buffer]> } {
  const held: Array<[Buffer, Buffer]> = [];
  const stage = new Transform({
    transform(read: Buffer, _enc, callback) {
      held.push([read, Buffer.from(read)]);
      callback(null, read);
    },
  });
  return { stage, held };
}

/** A 'chunks' stage that passes every chunk on and keeps it, with a copy of its payload on arrival. */
function chunkTap(): { stage: Duplex; held: Array<[Chunk, Buffer]> } {
  const held: Array<[Chunk, Buffer]> = [];
  const stage = new Transform({
    objectMode: true,
    transform(chunk: Chunk, _enc, callback) {
      held.push([chunk, Buffer.from(chunk.payload)]);
      callback(null, chunk);
    },
  });
  return { stage, held };
}

/** Video messages of 600..3000 bytes: 5..24 chunks each at the default 128-byte chunk size. */
function videoMessages(seed: number, count: number): Message[] {
  const rng = createPrng(seed);
  return Array.from({ length: count }, (_, i) => createMessage(6, 1, MessageType.Video, rng.bytes(600 + rng.int(2400)), i * 33));
}

async function sendAndReceive(client: RtmpConnection, server: RtmpConnection, messages: Message[]): Promise<void> {
  // Events nobody waits for are dropped unless the queue is on: the writes may reach the server first.
  server.enableQueue();
  for (const m of messages) await client.writeMessage(m);
  for (const m of messages) {
    const got = await server.readMessage();
    assert.ok(got && got.type === m.type && got.data.equals(m.data), 'message arrives intact');
  }
}

function assertHeldUnchanged(held: Array<[{ length: number } & Uint8Array, Buffer]>): void {
  assert.ok(held.length > 0);
  for (const [buf, copy] of held) assert.ok(Buffer.from(buf).equals(copy), 'held bytes changed after they passed');
}

const withServerOptions = (options: ConnectionOptions) =>
  connectionPair(
    (s) => new RtmpConnection(s, options),
    (s) => new RtmpConnection(s),
  );

test('in-place assembly is on by default, and off with a user stage at the inbound bytes or chunks boundary', async () => {
  const cases: Array<[string, ConnectionOptions, boolean, boolean]> = [
    ['no stages', {}, true, true],
    ['an empty bytes list', { stages: { inbound: { bytes: [] } } }, true, true],
    ['a messages stage', { stages: { inbound: { messages: new PassThrough({ objectMode: true }) } } }, true, true],
    ['an outbound bytes stage', { stages: { outbound: { bytes: new PassThrough() } } }, true, true],
    ['a bytes stage', { stages: { inbound: { bytes: new PassThrough() } } }, false, true],
    ['a chunks stage', { stages: { inbound: { chunks: [new PassThrough({ objectMode: true })] } } }, true, false],
  ];
  for (const [name, options, ownsInput, assembles] of cases) {
    const pair = await withServerOptions(options);
    try {
      assert.equal(pair.server.inboundPath?.ownsInput, ownsInput, name);
      assert.equal(pair.server.assemblesInPlace, ownsInput && assembles, name);
      await sendAndReceive(pair.client, pair.server, videoMessages(1, 3));
    } finally {
      await pair.close();
    }
  }
});

test('a bytes tap given up front holds reads byte-identical to what the socket delivered', async () => {
  const tap = readTap();
  const pair = await withServerOptions({ stages: { inbound: { bytes: tap.stage } } });
  try {
    assert.equal(pair.server.assemblesInPlace, false);
    await sendAndReceive(pair.client, pair.server, videoMessages(2, 40));
    assertHeldUnchanged(tap.held);
  } finally {
    await pair.close();
  }
});

test('a chunks tap given up front holds payloads byte-identical to what the decoder emitted', async () => {
  const tap = chunkTap();
  const pair = await withServerOptions({ stages: { inbound: { chunks: tap.stage } } });
  try {
    assert.equal(pair.server.assemblesInPlace, false);
    await sendAndReceive(pair.client, pair.server, videoMessages(3, 40));
    assertHeldUnchanged(tap.held.map(([c, copy]) => [c.payload, copy]));
  } finally {
    await pair.close();
  }
});

for (const boundary of ['bytes', 'chunks'] as const) {
  test(`a ${boundary} tap spliced into a live connection turns in-place assembly off; what it holds stays intact`, async () => {
    const pair = await plainPair();
    try {
      assert.equal(pair.server.assemblesInPlace, true);
      // Assembled in place until the splice (messages read here stay intact: checked after).
      const before = videoMessages(4, 20);
      const early: Message[] = [];
      pair.server.enableQueue();
      for (const m of before) await pair.client.writeMessage(m);
      for (let i = 0; i < before.length; i++) early.push((await pair.server.readMessage())!);
      const tap = boundary === 'bytes' ? readTap() : chunkTap();
      pair.server.splice('inbound', boundary, tap.stage);
      assert.equal(pair.server.assemblesInPlace, false);
      await sendAndReceive(pair.client, pair.server, videoMessages(5, 40));
      if (boundary === 'bytes') assertHeldUnchanged((tap as ReturnType<typeof readTap>).held);
      else assertHeldUnchanged((tap as ReturnType<typeof chunkTap>).held.map(([c, copy]) => [c.payload, copy]));
      for (let i = 0; i < before.length; i++) assert.ok(early[i]!.data.equals(before[i]!.data), `early message ${i}`);
    } finally {
      await pair.close();
    }
  });
}
