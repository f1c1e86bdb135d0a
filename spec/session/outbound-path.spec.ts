/**
 * The outbound path (lib/session/outbound-path.ts): the layers run inline until a user stage is
 * spliced; from the first spliced boundary on they run as Transform adapters over the same cores.
 * Splicing at any boundary, in any order, while data flows, loses and reorders nothing; the
 * backlog is the exact byte count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough, Transform } from 'node:stream';
import { OutboundChunkState, serializeMessage, SharedFrame } from '../../lib/chunk/index.js';
import { SharedEvent, encodeEvent, type RtmpEvent } from '../../lib/command/index.js';
import { MessageType } from '../../lib/message/index.js';
import { RtmpConnection } from '../../lib/session/connection.js';
import type { Boundary } from '../../lib/session/stage-chain.js';
import { plainPair } from '../helpers/connection-pair.js';

const BOUNDARIES: Boundary[] = ['events', 'messages', 'chunks', 'bytes'];

/** A pass-through stage for a boundary that counts what crosses it. */
function tap(boundary: Boundary): Transform & { seen: number } {
  const stage = new PassThrough({ objectMode: boundary !== 'bytes' }) as PassThrough & { seen: number };
  stage.seen = 0;
  stage.on('data', () => stage.seen++);
  return stage;
}

/** Message i of a test sequence: frames, plain media and commands mixed; i = 20 sets the chunk size. */
function sendItem(conn: RtmpConnection, i: number): void {
  if (i === 20) return conn.setChunkSize(1000);
  const payload = Buffer.alloc(50 + ((i * 397) % 3000), i & 0xff);
  if (i % 3 === 0) conn.sendFrame('video', new SharedFrame(MessageType.Video, i * 10, payload), 1);
  else if (i % 3 === 1) conn.send({ kind: 'audio', streamId: 1, timestamp: i * 10, payload });
  else conn.notify('item', null, [i], 1);
}

async function receiveAll(conn: RtmpConnection, count: number): Promise<string[]> {
  const got: string[] = [];
  while (got.length < count) {
    const e = await conn.readEvent();
    if (!e) break;
    if (e.kind === 'video' || e.kind === 'audio') got.push(`${e.kind}:${e.timestamp}:${e.payload.length}:${e.payload[0]}`);
    else if (e.kind === 'command') got.push(`cmd:${String(e.args[0])}`);
  }
  return got;
}

function expected(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === 20) continue;
    const length = 50 + ((i * 397) % 3000);
    if (i % 3 === 0) out.push(`video:${i * 10}:${length}:${i & 0xff}`);
    else if (i % 3 === 1) out.push(`audio:${i * 10}:${length}:${i & 0xff}`);
    else out.push(`cmd:${i}`);
  }
  return out;
}

for (const boundary of BOUNDARIES) {
  test(`a live splice at '${boundary}' while messages flow: nothing lost or reordered, the stage sees what follows`, async () => {
    const pair = await plainPair();
    try {
      pair.server.enableQueue();
      for (let i = 0; i < 30; i++) sendItem(pair.client, i);
      const stage = tap(boundary);
      pair.client.splice('outbound', boundary, stage);
      for (let i = 30; i < 60; i++) sendItem(pair.client, i);
      assert.deepEqual(await receiveAll(pair.server, 59), expected(60));
      assert.ok(stage.seen >= 30 || (boundary === 'bytes' && stage.seen > 0), `the ${boundary} stage saw the later items (${stage.seen})`);
    } finally {
      await pair.close();
    }
  });
}

test('splices at a later boundary, then an earlier one, then one between: one chain, layers in order, nothing lost', async () => {
  const pair = await plainPair();
  try {
    pair.server.enableQueue();
    const stages = { bytes: tap('bytes'), events: tap('events'), chunks: tap('chunks') };
    for (let i = 0; i < 15; i++) sendItem(pair.client, i);
    pair.client.splice('outbound', 'bytes', stages.bytes);
    for (let i = 15; i < 30; i++) sendItem(pair.client, i);
    pair.client.splice('outbound', 'events', stages.events);
    for (let i = 30; i < 45; i++) sendItem(pair.client, i);
    pair.client.splice('outbound', 'chunks', stages.chunks);
    for (let i = 45; i < 60; i++) sendItem(pair.client, i);
    assert.deepEqual(await receiveAll(pair.server, 59), expected(60));
    assert.equal(stages.events.seen, 30, 'the events stage saw the 30 items sent after it');
    assert.ok(stages.chunks.seen >= 15);
    assert.ok(pair.client.commandEncoder && pair.client.messageChunker && pair.client.chunkEncoder, 'adapters exist from the first spliced boundary');
  } finally {
    await pair.close();
  }
});

/** A socket whose writes never complete: everything sent stays in its queue (what a stalled peer does). */
function stalledSocket(): Duplex & { release(): void } {
  const held: Array<() => void> = [];
  let stalled = true;
  const socket = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      if (stalled) held.push(cb);
      else cb();
    },
  }) as Duplex & { release(): void };
  socket.release = () => {
    stalled = false;
    for (const cb of held.splice(0)) cb();
  };
  return socket;
}

/** The bytes the test sequence occupies on the wire, serialized independently. */
function wireSize(events: RtmpEvent[]): number {
  const state = new OutboundChunkState();
  let size = 128;
  let total = 0;
  for (const e of events) {
    const m = encodeEvent(e, { objectEncoding: 0 });
    total += serializeMessage(m, state, size).length;
    if (m.type === MessageType.SetChunkSize) size = m.data.readUInt32BE(0);
  }
  return total;
}

for (const stage of [undefined, 'messages', 'chunks'] as const) {
  test(`outboundBacklog is the exact byte count of what the peer has not taken (${stage ? `a '${stage}' stage` : 'inline'})`, async () => {
    const socket = stalledSocket();
    const conn = new RtmpConnection(socket, { readTimeout: 0, writeTimeout: 0, stages: stage ? { outbound: { [stage]: tap(stage) } } : undefined });
    conn.start();
    const events: RtmpEvent[] = [
      { kind: 'protocolControl', streamId: 0, timestamp: 0, control: { type: MessageType.SetChunkSize, chunkSize: 4096 } },
      ...Array.from({ length: 40 }, (_, i): RtmpEvent => ({ kind: 'video', streamId: 1, timestamp: i * 33, payload: Buffer.alloc(1000 + i * 200, i) })),
      { kind: 'command', streamId: 0, timestamp: 0, name: 'x', transactionId: 0, commandObject: null, args: ['y'] },
    ];
    for (const e of events) conn.send(e);
    // Let the adapters pass everything to the stalled socket.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(conn.outboundBacklog, wireSize(events));
    // Ending flushes every adapter into the socket; its 'finish' comes once the socket took it all.
    const finished = new Promise((resolve) => socket.once('finish', resolve));
    socket.release();
    void conn.close({ timeout: 0 });
    await finished;
    assert.equal(conn.outboundBacklog, 0, 'nothing left once the socket took it all');
    conn.destroy();
  });
}

for (const boundary of [undefined, ...BOUNDARIES]) {
  test(`a shared event (SharedEvent) arrives as the connection's own would (${boundary ? `a stage at '${boundary}'` : 'inline'})`, async () => {
    const pair = await plainPair();
    try {
      pair.server.enableQueue();
      const stage = boundary ? tap(boundary) : undefined;
      if (boundary) pair.client.splice('outbound', boundary, stage!);
      const info = { level: 'status', code: 'NetStream.Play.PublishNotify', description: 'a is now published.' };
      const shares = [
        new SharedEvent({ kind: 'command', streamId: 0, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [{ ...info }] }),
        new SharedEvent({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId: 0 } }),
        new SharedEvent({ kind: 'data', streamId: 0, timestamp: 40, name: 'onMetaData', values: [{ width: 1280 }] }),
      ];
      for (const share of shares) pair.client.sendShared(share, 3);
      const got: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        const e = (await pair.server.readEvent())!;
        if (e.kind === 'command') got.push([e.name, e.streamId, e.args]);
        else if (e.kind === 'userControl') got.push(e.event);
        else if (e.kind === 'data') got.push([e.name, e.streamId, e.timestamp, e.values]);
      }
      assert.deepEqual(got, [
        ['onStatus', 3, [info]],
        { event: 'StreamBegin', streamId: 3 },
        ['onMetaData', 3, 40, [{ width: 1280 }]],
      ]);
      if (stage) assert.ok(stage.seen >= 3 || (boundary === 'bytes' && stage.seen > 0), `the '${boundary}' stage saw them (${stage.seen})`);
    } finally {
      await pair.close();
    }
  });
}

test('a shared event leaves as the very bytes the connection would have sent for the event itself (user control on stream 0 included)', async () => {
  const events = (streamId: number): RtmpEvent[] => [
    { kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } },
    { kind: 'command', streamId, timestamp: 0, name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level: 'status', code: 'NetStream.Play.PublishNotify' }] },
    { kind: 'data', streamId, timestamp: 40, name: 'onMetaData', values: [{ width: 1280 }] },
    { kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId } },
  ];
  const capture = async (send: (conn: RtmpConnection) => void): Promise<Buffer> => {
    const pair = await plainPair();
    try {
      pair.server.enableQueue();
      const bytes: Buffer[] = [];
      const stage = new PassThrough();
      stage.on('data', (b: Buffer) => bytes.push(b));
      pair.client.splice('outbound', 'bytes', stage);
      send(pair.client);
      for (let i = 0; i < 4; i++) await pair.server.readEvent();
      return Buffer.concat(bytes);
    } finally {
      await pair.close();
    }
  };
  const own = await capture((conn) => events(3).forEach((e) => conn.send(e)));
  const shared = await capture((conn) => events(0).forEach((e) => conn.sendShared(new SharedEvent(e), 3)));
  assert.ok(own.length > 0);
  assert.deepEqual(shared, own);
});
