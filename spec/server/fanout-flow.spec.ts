// The fan-out flow policy on its own (lib/server/fanout-flow.ts), with fake players and publisher.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { RtmpEvent } from '../../lib/command/events.js';
import { ErrorCode } from '../../lib/errors.js';
import {
  FanoutFlow,
  MIN_PAUSE_AT,
  RECOUNT_MS,
  effectivePauseAt,
  resolveFanoutLimits,
  type FanoutFlowLimits,
  type FanoutFlowSettings,
} from '../../lib/server/fanout-flow.js';
import { Server } from '../../lib/server/server.js';
import { StreamRegistry, StreamType } from '../../lib/server/stream-registry.js';
import { Subscriber, type SubscriberTarget } from '../../lib/server/subscriber.js';

const MAX_BACKLOG = 4 * 1024 * 1024;
const PAUSE_AT = 1024 * 1024;

/** A player's side: a backlog the test sets, and drains it triggers; `unreceived`: what its acknowledgements say. */
class FakePlayer implements SubscriberTarget {
  outboundBacklog = 0;
  closed = false;
  unreceived = 0;
  private readonly listeners = new Set<() => void>();
  private readonly ackListeners = new Set<() => void>();
  unreceivedBytes(_now: number): number {
    return this.unreceived;
  }
  watchAcknowledgements(listener: () => void): () => void {
    this.ackListeners.add(listener);
    return () => this.ackListeners.delete(listener);
  }
  /** An acknowledgement arrives, after which the player has not received `unreceived` bytes. */
  acknowledge(unreceived: number): void {
    this.unreceived = unreceived;
    for (const listener of this.ackListeners) listener();
  }
  send(_event: RtmpEvent): boolean {
    return true;
  }
  watchDrain(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  drain(): void {
    this.outboundBacklog = 0;
    for (const listener of this.listeners) listener();
  }
  get watchers(): number {
    return this.listeners.size + this.ackListeners.size;
  }
}

class FakePublisher implements SubscriberTarget {
  readonly outboundBacklog = 0;
  readonly closed = false;
  paused = false;
  pauses = 0;
  send(): boolean {
    return true;
  }
  pauseReading(): void {
    this.paused = true;
    this.pauses++;
  }
  resumeReading(): void {
    this.paused = false;
  }
}

const interframe = Buffer.from([0x27, 0x01, 0, 0, 0, 1, 2, 3]);
const flags = { keyframe: false, sequenceHeader: false, streamHasVideo: true };

function setup(count: number, limits: FanoutFlowLimits = {}, serverPlayers?: () => number, memoryBudget = 0) {
  const settings: FanoutFlowSettings = resolveFanoutLimits({ pauseAt: PAUSE_AT, ...limits }, MAX_BACKLOG, memoryBudget);
  const targets = Array.from({ length: count }, () => new FakePlayer());
  const players = new Set(targets.map((t) => new Subscriber(t, 1, 'live/a', MAX_BACKLOG)));
  const flow = new FanoutFlow(players, settings, serverPlayers ?? (() => players.size));
  for (const p of players) flow.add(p);
  const publisher = new FakePublisher();
  flow.setSource(publisher);
  /** One fan-out with these backlogs (bytes per player, in order); the flow counts after it. */
  const fanout = (...backlogs: number[]): void => {
    backlogs.forEach((b, i) => (targets[i]!.outboundBacklog = b));
    for (const p of players) p.offerMedia('video', 0, interframe, undefined, flags);
    flow.afterFanout();
  };
  return { flow, targets, players: [...players], publisher, fanout };
}

const FULL = PAUSE_AT;
const LOW = PAUSE_AT - 1;

describe('FanoutFlow', () => {
  it('pauses the publisher once more than half of the voting players are full, not at half', () => {
    const { flow, publisher, fanout } = setup(4);
    fanout(FULL, FULL, LOW, 0);
    assert.equal(publisher.paused, false);
    fanout(FULL, FULL, FULL, 0);
    assert.equal(publisher.paused, true);
    assert.equal(flow.paused, true);
    assert.equal(flow.stats.pauses, 1);
  });

  it('resumes once at most half of the voters are still full: a full player counts until its queue has emptied', () => {
    const { flow, targets, publisher, fanout } = setup(8);
    let resumes = 0;
    flow.on('resume', () => resumes++);
    fanout(FULL, FULL, FULL, FULL, FULL, FULL, FULL, FULL);
    assert.equal(publisher.paused, true);
    for (let i = 0; i < 3; i++) targets[i]!.drain();
    targets[3]!.outboundBacklog = 1; // lower, not emptied: still full
    assert.equal(publisher.paused, true, '5 of 8 still full');
    targets[4]!.drain();
    assert.equal(publisher.paused, false, '4 of 8 still full');
    assert.equal(resumes, 1);
    assert.equal(flow.stats.pausedSince, undefined);
    assert.ok(flow.stats.pausedMs >= 0);
    // Below the pause threshold is not "emptied": it still needs a fan-out above half to pause again.
    fanout(LOW, LOW, LOW, LOW, FULL, FULL, FULL, FULL);
    assert.equal(publisher.paused, false);
  });

  it('a lagger (over its maxBacklog, dropping) does not vote: a single slow player never holds the publisher', () => {
    const { players, publisher, fanout } = setup(3);
    fanout(MAX_BACKLOG + 1, 0, 0);
    assert.equal(players[0]!.dropping, true);
    fanout(MAX_BACKLOG + 1, FULL, 0);
    assert.equal(publisher.paused, false, 'one of the two voters full: not more than half');
    fanout(MAX_BACKLOG + 1, FULL, FULL);
    assert.equal(publisher.paused, true, 'both voters full');
  });

  it('players that paused, turned video off, wait for a keyframe or have gone do not vote', () => {
    const { players, targets, publisher, fanout } = setup(5);
    players[0]!.paused = true;
    players[1]!.receiveVideo = false;
    players[2]!.needVideoKeyframe = true;
    targets[3]!.closed = true;
    fanout(FULL, FULL, FULL, FULL, 0);
    assert.equal(publisher.paused, false, 'the one voter is not full');
    fanout(FULL, FULL, FULL, FULL, FULL);
    assert.equal(publisher.paused, true, 'the one voter is full');
  });

  it('the full threshold is at most half of a player\'s own maxBacklog', () => {
    const settings = resolveFanoutLimits({ pauseAt: 10_000_000 }, MAX_BACKLOG, 0);
    const target = new FakePlayer();
    const player = new Subscriber(target, 1, 'live/a', 100_000);
    const flow = new FanoutFlow(new Set([player]), settings, () => 1);
    const publisher = new FakePublisher();
    flow.setSource(publisher);
    target.outboundBacklog = 50_000;
    player.offerMedia('video', 0, interframe, undefined, flags);
    flow.afterFanout();
    assert.equal(publisher.paused, true);
  });

  it('shares half the memory budget among the server\'s players, not below 64 KiB', () => {
    const settings = resolveFanoutLimits(undefined, MAX_BACKLOG, 256 * 1024 * 1024);
    assert.equal(settings.pauseAt, MAX_BACKLOG / 4);
    assert.equal(effectivePauseAt(settings, 100), MAX_BACKLOG / 4, '100 x 1 MiB fits in 128 MiB');
    assert.equal(effectivePauseAt(settings, 1000), Math.floor((128 * 1024 * 1024) / 1000));
    assert.equal(effectivePauseAt(settings, 10_000), MIN_PAUSE_AT);
    assert.equal(effectivePauseAt(resolveFanoutLimits(undefined, MAX_BACKLOG, 0), 10_000), MAX_BACKLOG / 4, 'no budget: no share');
    // The flow reads the server's player count at each fan-out: 1000 players share 128 MiB.
    let serverPlayers = 1;
    const { publisher, fanout } = setup(1, {}, () => serverPlayers, 256 * 1024 * 1024);
    fanout(200_000);
    assert.equal(publisher.paused, false, 'one player on the server: 1 MiB');
    serverPlayers = 1000;
    fanout(200_000);
    assert.equal(publisher.paused, true, '1000 players: 131 KiB each');
  });

  it('with resumeShare 0.25, waits until three quarters have emptied', () => {
    const { targets, publisher, fanout } = setup(4, { resumeShare: 0.25 });
    fanout(FULL, FULL, FULL, FULL);
    targets[0]!.drain();
    targets[1]!.drain();
    assert.equal(publisher.paused, true);
    targets[2]!.drain();
    assert.equal(publisher.paused, false);
  });

  it('a stalled minority cannot keep the publisher held: one of two players stuck, the other empties', () => {
    const { targets, publisher, fanout } = setup(2);
    fanout(FULL, FULL);
    assert.equal(publisher.paused, true);
    targets[1]!.drain();
    assert.equal(publisher.paused, false);
  });

  it('a player that leaves while the publisher is held may be what lets it go', () => {
    const { flow, players, targets, publisher, fanout } = setup(4);
    fanout(FULL, FULL, FULL, 0);
    assert.equal(publisher.paused, true);
    flow.remove(players[0]!);
    assert.equal(publisher.paused, true, 'two of three voters are still full');
    flow.remove(players[1]!);
    assert.equal(publisher.paused, false, 'one of two voters is full');
    assert.equal(targets[0]!.watchers, 0);
  });

  it('never pauses a publisher that cannot pause (a relay pull), nor with pausePublisher: false', () => {
    const a = setup(2);
    a.flow.setSource({});
    a.fanout(FULL, FULL);
    assert.equal(a.flow.paused, false);
    const b = setup(2, { pausePublisher: false });
    b.fanout(FULL, FULL);
    assert.equal(b.publisher.paused, false);
    assert.equal(b.targets[0]!.watchers, 0, 'no drain listeners when off');
  });

  it('lets the publisher go when it is replaced or the stream closes', () => {
    const { flow, targets, publisher, fanout } = setup(2);
    fanout(FULL, FULL);
    assert.equal(publisher.paused, true);
    flow.setSource(undefined);
    assert.equal(publisher.paused, false);
    assert.equal(flow.paused, false);
    flow.close();
    assert.equal(targets[0]!.watchers, 0);
  });

  it('recounts while paused, so full players that stopped voting (NetStream pause) cannot hold it', async () => {
    const settings = resolveFanoutLimits({ pauseAt: PAUSE_AT }, MAX_BACKLOG, 0);
    const targets = [new FakePlayer(), new FakePlayer(), new FakePlayer()];
    const players = targets.map((t) => new Subscriber(t, 1, 'live/a', MAX_BACKLOG));
    const flow = new FanoutFlow(new Set(players), settings, () => 3, 1);
    const publisher = new FakePublisher();
    flow.setSource(publisher);
    let recounts = 0;
    for (const t of targets) t.outboundBacklog = FULL;
    for (const p of players) p.offerMedia('video', 0, interframe, undefined, flags);
    flow.afterFanout();
    assert.equal(publisher.paused, true);
    // No drain will come (two stopped reading, one emptied without reporting it): only the recount sees them.
    players[0]!.paused = true;
    players[1]!.paused = true;
    targets[2]!.outboundBacklog = 0; // emptied without a 'drain'
    flow.on('resume', () => recounts++);
    const keepAlive = setInterval(() => undefined, 60_000); // the recount timer is unref'd (it must not keep a server alive)
    await once(flow, 'resume').finally(() => clearInterval(keepAlive));
    assert.equal(publisher.paused, false);
    assert.equal(recounts, 1);
    assert.ok(RECOUNT_MS >= 100, 'the default recount is a safety net, not a poll');
  });

  it('a player whose acknowledgements say it is pauseAt behind counts as full with an empty queue (its bytes wait in kernel buffers)', () => {
    const { flow, targets, publisher, fanout } = setup(4);
    targets[0]!.unreceived = FULL;
    targets[1]!.unreceived = FULL;
    fanout(0, 0, 0, 0);
    assert.equal(publisher.paused, false, '2 of 4: not more than half');
    // Two behind in kernel buffers and one in our queue: three of four.
    fanout(0, 0, FULL, 0);
    assert.equal(publisher.paused, true);
    assert.equal(flow.stats.pauses, 1);
  });

  it('a player full by its acknowledgements stays full until one says it is below half of pauseAt; a drain alone does not empty it', () => {
    const { targets, players, publisher, fanout } = setup(3);
    for (const t of targets) t.unreceived = 2 * FULL;
    fanout(FULL, 0, 0);
    assert.equal(publisher.paused, true);
    assert.deepEqual(players.map((p) => [p.flowFullByQueue, p.flowFullByAcks]), [[true, true], [false, true], [false, true]]);
    targets[0]!.drain();
    assert.equal(publisher.paused, true, 'its acknowledgements still say it is behind');
    targets[1]!.acknowledge(FULL / 2); // not below half yet
    assert.equal(publisher.paused, true);
    targets[1]!.acknowledge(FULL / 2 - 1);
    assert.equal(publisher.paused, true, 'one of three emptied: two still full');
    targets[2]!.acknowledge(0);
    assert.equal(publisher.paused, false, 'two of three caught up');
  });

  it('acknowledgements that stop (unreceivedBytes 0: overdue) cannot hold the publisher: the recount lets it go', async () => {
    const settings = resolveFanoutLimits({ pauseAt: PAUSE_AT }, MAX_BACKLOG, 0);
    const targets = [new FakePlayer(), new FakePlayer()];
    const players = targets.map((t) => new Subscriber(t, 1, 'live/a', MAX_BACKLOG));
    const flow = new FanoutFlow(new Set(players), settings, () => 2, 1);
    for (const p of players) flow.add(p);
    const publisher = new FakePublisher();
    flow.setSource(publisher);
    for (const t of targets) t.unreceived = FULL;
    for (const p of players) p.offerMedia('video', 0, interframe, undefined, flags);
    flow.afterFanout();
    assert.equal(publisher.paused, true);
    // No acknowledgement comes; the connection reports them overdue (see peer-acknowledgements.ts).
    for (const t of targets) t.unreceived = 0;
    const keepAlive = setInterval(() => undefined, 60_000);
    await once(flow, 'resume').finally(() => clearInterval(keepAlive));
    assert.equal(publisher.paused, false);
    flow.close();
    assert.equal(targets[0]!.watchers, 0, 'drain and acknowledgement watches removed');
  });

  it('is driven by the registry: fan-out counts, the publisher is held, unpublish lets it go', () => {
    const registry = new StreamRegistry({ flow: resolveFanoutLimits({ pauseAt: PAUSE_AT }, MAX_BACKLOG, 0) });
    const publisher = new FakePublisher();
    const targets = [new FakePlayer(), new FakePlayer()];
    for (const t of targets) registry.subscribe('live', 'r', new Subscriber(t, 1, StreamRegistry.key('live', 'r'), MAX_BACKLOG));
    assert.equal(registry.playerCount, 2);
    const stream = registry.publish('live', 'r', { target: publisher, streamId: 1, type: StreamType.Live })!;
    for (const t of targets) t.outboundBacklog = FULL;
    registry.media(stream, { kind: 'video', streamId: 1, timestamp: 0, payload: interframe });
    assert.equal(publisher.paused, true);
    registry.unpublish(stream);
    assert.equal(publisher.paused, false);
  });
});

describe('limits.fanout', () => {
  it('defaults: on, a quarter of maxPlayerBacklog, pause above half, resume at half, players acknowledge every 512 KiB', () => {
    assert.deepEqual(resolveFanoutLimits(undefined, MAX_BACKLOG, 256 * 1024 * 1024), {
      pausePublisher: true,
      pauseAt: MAX_BACKLOG / 4,
      pauseShare: 0.5,
      resumeShare: 0.5,
      ackWindow: 512 * 1024,
      budgetShare: 128 * 1024 * 1024,
    });
  });

  for (const [name, limits] of [
    ['pauseAt', { pauseAt: -1 }],
    ['pauseAt', { pauseAt: 1.5 }],
    ['pauseShare', { pauseShare: 1 }],
    ['pauseShare', { pauseShare: Number.NaN }],
    ['resumeShare', { resumeShare: 0.6 }],
    ['pausePublisher', { pausePublisher: 'yes' }],
    ['ackWindow', { ackWindow: -1 }],
    ['ackWindow', { ackWindow: 2 ** 32 }],
  ] as Array<[string, FanoutFlowLimits]>) {
    it(`refuses ${name} ${JSON.stringify(Object.values(limits)[0])} when the server is built`, () => {
      assert.throws(
        () => new Server({ limits: { fanout: limits } }),
        (err: Error & { code?: string }) => err.code === ErrorCode.INVALID_OPTION && err.message.includes(`limits.fanout.${name}`),
      );
    });
  }
});
