/**
 * The inbound side runs the layers as synchronous cores from the socket; Transform adapters exist
 * only from the first boundary where a user stage sits, and splicing anywhere, up front or live,
 * loses and reorders nothing. Reading pauses for the owner (pauseReading) and for the connection's
 * own reasons, and goes on only when none holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Transform, type Duplex } from 'node:stream';
import { OutboundChunkState, serializeMessage } from '../../lib/chunk/index.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { createMessage } from '../../lib/message/message.js';
import { MessageType } from '../../lib/message/message-type.js';
import type { Boundary } from '../../lib/session/stage-chain.js';
import { RtmpConnection, type ConnectionOptions } from '../../lib/session/connection.js';
import { connectionPair } from '../helpers/connection-pair.js';

/** Records the timestamps of the media it is given; a test may make a delivery wait on a promise. */
class Recorder extends RtmpConnection {
  readonly timestamps: number[] = [];
  /** Delivery in progress (to prove one at a time). */
  busy = false;
  overlapped = false;
  hook: ((event: RtmpEvent, index: number) => void | Promise<void>) | undefined;
  private arrived?: { count: number; resolve(): void };

  protected override handleEvent(event: RtmpEvent): void | Promise<void> {
    if (event.kind !== 'audio' && event.kind !== 'video') return;
    if (this.busy) this.overlapped = true;
    this.timestamps.push(event.timestamp);
    if (this.arrived && this.timestamps.length >= this.arrived.count) this.arrived.resolve();
    const result = this.hook?.(event, this.timestamps.length - 1);
    if (result instanceof Promise) {
      this.busy = true;
      return result.finally(() => (this.busy = false));
    }
  }

  /** Resolves once `count` media events have been delivered. */
  received(count: number): Promise<void> {
    if (this.timestamps.length >= count) return Promise.resolve();
    return new Promise((resolve) => (this.arrived = { count, resolve }));
  }
}

const recorderPair = (options: ConnectionOptions = {}) =>
  connectionPair(
    (s) => new Recorder(s, options),
    (s) => new RtmpConnection(s),
  );

/** A pass-through stage for a boundary, counting what it sees. */
function tap(boundary: Boundary): { stage: Duplex; seen: () => number } {
  let seen = 0;
  const stage = new Transform({
    objectMode: boundary !== 'bytes',
    transform(item: unknown, _enc, callback) {
      seen++;
      callback(null, item);
    },
  });
  return { stage, seen: () => seen };
}

const audio = (timestamp: number, size = 300) => createMessage(4, 1, MessageType.Audio, Buffer.alloc(size, timestamp & 0xff), timestamp);

function assertInOrder(got: number[], count: number): void {
  assert.equal(got.length, count, `${count - got.length} missing`);
  for (let i = 0; i < count; i++) if (got[i] !== i) assert.fail(`event ${i} has timestamp ${got[i]}`);
}

/** Sends `count` messages, giving the event loop a turn every `every` so the server reads as they go. */
async function sendFlowing(client: RtmpConnection, count: number, every: number, during?: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!client.send({ kind: 'audio', streamId: 1, timestamp: i, payload: audio(i, 300 + (i % 700)).data })) await client.drained();
    if (i % every === every - 1) await new Promise((r) => setImmediate(r));
    during?.(i);
  }
}

test('with no user stage no Transform adapter exists; a stage up front gets adapters from its boundary on', async () => {
  const cases: Array<[string, ConnectionOptions['stages'], [boolean, boolean, boolean]]> = [
    ['none', undefined, [false, false, false]],
    ['events', { inbound: { events: tap('events').stage } }, [false, false, false]],
    ['messages', { inbound: { messages: tap('messages').stage } }, [false, false, true]],
    ['chunks', { inbound: { chunks: tap('chunks').stage } }, [false, true, true]],
    ['bytes', { inbound: { bytes: tap('bytes').stage, events: tap('events').stage } }, [true, true, true]],
  ];
  for (const [name, stages, [decoder, assembler, commands]] of cases) {
    const pair = await recorderPair({ stages });
    try {
      assert.equal(pair.server.chunkDecoder !== undefined, decoder, `${name}: ChunkDecoder`);
      assert.equal(pair.server.messageAssembler !== undefined, assembler, `${name}: MessageAssembler`);
      assert.equal(pair.server.commandDecoder !== undefined, commands, `${name}: CommandDecoder`);
      const arrived = pair.server.received(200);
      await sendFlowing(pair.client, 200, 50);
      await arrived;
      assertInOrder(pair.server.timestamps, 200);
    } finally {
      await pair.close();
    }
  }
});

for (const boundary of ['bytes', 'chunks', 'messages', 'events'] as const) {
  test(`a live splice at '${boundary}' while data flows loses and reorders nothing; the stage sees what follows`, async () => {
    const pair = await recorderPair();
    try {
      const t = tap(boundary);
      const count = 3000;
      const arrived = pair.server.received(count);
      await sendFlowing(pair.client, count, 40, (i) => {
        if (i === 1000) pair.server.splice('inbound', boundary, t.stage);
      });
      await arrived;
      assertInOrder(pair.server.timestamps, count);
      assert.ok(t.seen() > 0, 'the stage saw data');
    } finally {
      await pair.close();
    }
  });
}

test('live splices at ever earlier boundaries (events, messages, chunks, bytes) while data flows: all in order', async () => {
  const pair = await recorderPair();
  try {
    const taps = (['events', 'messages', 'chunks', 'bytes'] as const).map((b) => [b, tap(b)] as const);
    const count = 5000;
    const arrived = pair.server.received(count);
    await sendFlowing(pair.client, count, 40, (i) => {
      const at = [800, 1600, 2400, 3200].indexOf(i);
      if (at >= 0) pair.server.splice('inbound', taps[at]![0], taps[at]![1].stage);
    });
    await arrived;
    assertInOrder(pair.server.timestamps, count);
    for (const [b, t] of taps) assert.ok(t.seen() > 0, `the ${b} stage saw data`);
    assert.ok(pair.server.chunkDecoder && pair.server.messageAssembler && pair.server.commandDecoder);
  } finally {
    await pair.close();
  }
});

test('splices made from inside a delivery, mid-read, at every boundary: all in order, one delivery at a time', async () => {
  const pair = await recorderPair();
  try {
    const order = ['events', 'chunks', 'messages', 'bytes'] as const;
    const taps = order.map((b) => tap(b));
    pair.server.hook = (_event, index) => {
      // Multiples of 7: the splicing delivery itself is pending while what follows reaches the new adapters.
      const at = [504, 1001, 1498, 2002].indexOf(index);
      if (at >= 0) pair.server.splice('inbound', order[at]!, taps[at]!.stage);
      // Every 7th delivery is asynchronous: what follows waits for it, adapters or not.
      if (index % 7 === 0) return new Promise<void>((resolve) => setImmediate(resolve));
    };
    const count = 3000;
    const arrived = pair.server.received(count);
    // Bursts of 100: many messages per read, so splices land in the middle of reads.
    await sendFlowing(pair.client, count, 100);
    await arrived;
    assertInOrder(pair.server.timestamps, count);
    assert.equal(pair.server.overlapped, false, 'deliveries overlapped');
    for (const [i, t] of taps.entries()) assert.ok(t.seen() > 0, `the ${order[i]} stage saw data`);
  } finally {
    await pair.close();
  }
});

test('an events stage spliced during a pending delivery that emits an event of its own: it waits its turn', async () => {
  const pair = await recorderPair();
  try {
    let settle!: () => void;
    const injector = tap('events');
    pair.server.hook = (_event, index) => {
      if (index !== 0) return;
      pair.server.splice('inbound', 'events', injector.stage);
      // A stage may produce events itself (a generator, a synthetic keyframe): this one goes at once.
      injector.stage.push({ kind: 'audio', streamId: 1, timestamp: 1, payload: Buffer.from([0xaf]) } satisfies RtmpEvent);
      return new Promise<void>((resolve) => (settle = resolve));
    };
    const first = pair.server.received(1);
    pair.client.send({ kind: 'audio', streamId: 1, timestamp: 0, payload: audio(0).data });
    await first;
    await new Promise((r) => setImmediate(r));
    assert.equal(pair.server.timestamps.length, 1, 'the injected event waits for the pending delivery');
    const second = pair.server.received(2);
    settle();
    await second;
    assert.deepEqual(pair.server.timestamps, [0, 1]);
    assert.equal(pair.server.overlapped, false);
  } finally {
    await pair.close();
  }
});

test('one read of 10 000 messages is delivered over several event-loop turns, a bounded batch each', async () => {
  const pair = await recorderPair();
  try {
    const count = 10_000;
    const state = new OutboundChunkState();
    // A chunk stream the client's own writer does not use, so its header state is ours alone.
    const wire = Buffer.concat(Array.from({ length: count }, (_, i) => serializeMessage(createMessage(20, 1, MessageType.Audio, Buffer.from([0xaf]), i), state, 128)));
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    const perTurn = new Map<number, number>();
    pair.server.hook = () => void perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    const arrived = pair.server.received(count);
    setImmediate(tick);
    pair.client.socket.write(wire);
    await arrived;
    ticking = false;
    assertInOrder(pair.server.timestamps, count);
    const most = Math.max(...perTurn.values());
    // 1024 chunks per turn of the path; a socket read and a resumed turn may share one tick.
    assert.ok(most <= 2 * 1024, `${most} events in one turn`);
    assert.ok(perTurn.size >= 5, `only ${perTurn.size} turns`);
  } finally {
    await pair.close();
  }
});

/** Sends until the client's outbound side is full: the server is not reading. Returns how many. */
async function sendUntilBackpressure(client: RtmpConnection): Promise<number> {
  let i = 0;
  while (client.send({ kind: 'audio', streamId: 1, timestamp: i, payload: audio(i, 16_000).data })) {
    i++;
    if (i % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  return i + 1;
}

test('pauseReading(): the peer is not read (its writes pile up) until resumeReading(); nothing is lost', async () => {
  const pair = await recorderPair();
  try {
    pair.server.pauseReading();
    assert.equal(pair.server.readingPaused, true);
    const sent = await sendUntilBackpressure(pair.client);
    assert.ok(pair.client.socket.writableLength > 0, 'bytes wait at the sender');
    assert.equal(pair.server.timestamps.length, 0, 'nothing was read while paused');
    const arrived = pair.server.received(sent);
    pair.server.resumeReading();
    assert.equal(pair.server.readingPaused, false);
    await arrived;
    assertInOrder(pair.server.timestamps, sent);
  } finally {
    await pair.close();
  }
});

test('pauseReading() composes with a pending delivery: reading goes on only when both are lifted, in either order', async () => {
  for (const lastLifted of ['owner', 'delivery'] as const) {
    const pair = await recorderPair();
    try {
      let settle!: () => void;
      pair.server.hook = (_event, index) => (index === 0 ? new Promise<void>((resolve) => (settle = resolve)) : undefined);
      const first = pair.server.received(1);
      pair.client.send({ kind: 'audio', streamId: 1, timestamp: 0, payload: audio(0).data });
      await first;
      pair.server.pauseReading();
      if (lastLifted === 'owner') settle();
      else pair.server.resumeReading();
      const sent = 1 + (await sendUntilBackpressure(pair.client));
      assert.equal(pair.server.timestamps.length, 1, `${lastLifted} still holds: nothing more is read`);
      const arrived = pair.server.received(sent);
      if (lastLifted === 'owner') pair.server.resumeReading();
      else settle();
      await arrived;
      assert.equal(pair.server.timestamps.length, sent);
    } finally {
      await pair.close();
    }
  }
});

test('pauseReading() with user stages at the events boundary stops reading too', async () => {
  const pair = await recorderPair({ stages: { inbound: { events: tap('events').stage } } });
  try {
    pair.server.pauseReading();
    const sent = await sendUntilBackpressure(pair.client);
    assert.equal(pair.server.timestamps.length, 0);
    const arrived = pair.server.received(sent);
    pair.server.resumeReading();
    await arrived;
    assertInOrder(pair.server.timestamps, sent);
  } finally {
    await pair.close();
  }
});

test('a user stage that stops taking (write() false) stops the socket being read until it drains', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const stuck = new Transform({
    objectMode: true,
    highWaterMark: 4,
    transform(message, _enc, callback) {
      void released.then(() => callback(null, message));
    },
  });
  const pair = await recorderPair({ stages: { inbound: { messages: stuck } } });
  try {
    const sent = await sendUntilBackpressure(pair.client);
    assert.equal(pair.server.timestamps.length, 0);
    assert.ok(pair.server.bytesReceived < sent * 16_000, 'the server stopped reading');
    const arrived = pair.server.received(sent);
    release();
    await arrived;
    assertInOrder(pair.server.timestamps, sent);
  } finally {
    await pair.close();
  }
});

test('a peer that ends while a delivery is pending: the rest is still delivered before close', async () => {
  const pair = await recorderPair();
  let settle!: () => void;
  pair.server.hook = (_event, index) => (index === 10 ? new Promise<void>((resolve) => (settle = resolve)) : undefined);
  const eleven = pair.server.received(11);
  for (let i = 0; i < 50; i++) pair.client.send({ kind: 'audio', streamId: 1, timestamp: i, payload: audio(i).data });
  await eleven;
  const closed = once(pair.server, 'close');
  const clientClosed = pair.client.close(); // the FIN waits behind the unread bytes
  settle();
  const [[err]] = await Promise.all([closed, clientClosed]);
  assert.equal(err, undefined);
  assertInOrder(pair.server.timestamps, 50);
  await pair.close();
});
