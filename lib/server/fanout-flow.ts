/**
 * Fan-out flow control: one per live stream. When the server, not a player, is what cannot keep
 * up (a publisher sending faster than real time, a machine out of CPU), dropping would cost every
 * player its packets. Instead, while most of a stream's players are full, the server stops reading
 * that publisher (`pauseReading()`: TCP pushes back on it) and reads again once most of them have
 * emptied their queues. A player that falls behind the others is outvoted: it goes over its own
 * `maxBacklog` and drops to the next keyframe (lib/server/subscriber.ts), never holding the
 * publisher or the rest.
 *
 * - Full: a voting player whose backlog, as seen by the last fan-out, is at least `pauseAt` (the
 *   stream's threshold, never above half the player's `maxBacklog`); or one whose acknowledgements
 *   say it has not received at least `pauseAt` of what we sent (`unreceivedBytes`: bytes waiting in
 *   the kernel's socket buffers, ours or the player's, which our queue does not show). Without that,
 *   players whose kernels buffer more (TCP receive autotuning gives sockets on one machine very
 *   different windows) look empty while they are as far behind as the rest, the full ones stay a
 *   minority and drop although they read as fast. Only a peer that keeps acknowledging counts this
 *   way: one whose acknowledgement is overdue (it never acknowledges, or stopped) is judged by its
 *   queue alone, so it can never hold the publisher by silence (lib/session/peer-acknowledgements.ts).
 * - Voting: not paused (NetStream pause), receiving video, not dropping (a lagger), not waiting
 *   for a keyframe, not closed.
 * - Pause: after a fan-out, when more than `pauseShare` of the voters are full.
 * - Resume: once at most `resumeShare` (default: pauseShare) of the voters are still full. A
 *   player full by its queue stays full until the queue has emptied (the target's drain), one full
 *   by its acknowledgements until one brings what it has not received below half of `pauseAt`:
 *   the low marks, hysteresis in bytes. A lower resumeShare adds hysteresis in
 *   shares, but players that stall while the publisher is held cannot become laggers (nothing is
 *   fanned out meanwhile): more than resumeShare of them stalled hold it until they go (the
 *   server's writeTimeout closes a player whose writes make no progress).
 *
 * Drains are events, so a paused stream resumes without polling. The one timer, armed only while
 * paused, recounts from the players' live backlogs every RECOUNT_MS: it covers what no drain
 * reports (a player that stopped voting meanwhile, backlog held in user stages).
 *
 * `pauseAt` is also bounded by the memory budget: flow-held backlogs across the server may take
 * half of `limits.memoryBudget`, so with many players each is held to a smaller share (not below
 * MIN_PAUSE_AT) and the budget never closes players that flow control is holding.
 */
import { EventEmitter } from 'node:events';
import { ErrorCode, SessionError } from '../errors.js';
import type { Subscriber } from './subscriber.js';

/** Options of `limits.fanout`. */
export interface FanoutFlowLimits {
  /** Stop reading a publisher while most of its players are full, instead of letting them drop. Default true. */
  pausePublisher?: boolean;
  /**
   * Bytes of backlog from which a player counts as full. Default a quarter of `maxPlayerBacklog`
   * (1 MiB); lowered so that every player's share fits in half the memory budget (not below 64 KiB),
   * and never above half of a player's own backlog limit.
   */
  pauseAt?: number;
  /** The publisher is paused once more than this share of its voting players is full. Default 0.5. */
  pauseShare?: number;
  /**
   * ... and read again once at most this share is still full (not emptied since). At most
   * `pauseShare`; default the same, so a stalled minority can never keep it held. Default 0.5.
   */
  resumeShare?: number;
  /**
   * Window Acknowledgement Size sent to a live player when it starts playing (RTMP 1.0 §5.4.4):
   * how often it acknowledges, so how closely its acknowledgements show how far behind it is
   * (kernel buffers included). Smaller than the connect-time `windowAckSize` only; 0: not sent.
   * Default 512 KiB.
   */
  ackWindow?: number;
}

/** `limits.fanout` resolved and validated. */
export interface FanoutFlowSettings {
  pausePublisher: boolean;
  pauseAt: number;
  pauseShare: number;
  resumeShare: number;
  ackWindow: number;
  /** Bytes of the memory budget flow-held backlogs may take across the server (0: no cap). */
  budgetShare: number;
}

/** A publisher's side: what can stop and resume reading it (relay pulls can not: they are never paused). */
export interface PausableSource {
  pauseReading?(): void;
  resumeReading?(): void;
}

export interface FanoutFlowStats {
  /** Times the publisher was paused. */
  pauses: number;
  /** ms the publisher spent paused (finished pauses; `pausedSince` has the current one). */
  pausedMs: number;
  /** `performance.now()` when the current pause began; undefined while reading. */
  pausedSince: number | undefined;
}

export interface FanoutFlowEvents {
  pause: [];
  resume: [];
}

export const DEFAULT_PAUSE_SHARE = 0.5;
/** The budget never lowers a stream's pause threshold below this (below it, pausing would follow every frame). */
export const MIN_PAUSE_AT = 64 * 1024;
/** ms between recounts while a publisher is paused (a safety net: drains normally resume it). */
export const RECOUNT_MS = 500;
/** Default `limits.fanout.ackWindow`. */
export const DEFAULT_ACK_WINDOW = 512 * 1024;

/** `limits.fanout` with its defaults, checked (ERR_INVALID_OPTION). */
export function resolveFanoutLimits(limits: FanoutFlowLimits | undefined, maxPlayerBacklog: number, memoryBudget: number): FanoutFlowSettings {
  const o = limits ?? {};
  const fail = (name: string, rule: string, value: unknown): never => {
    throw new SessionError(ErrorCode.INVALID_OPTION, `limits.fanout.${name} must be ${rule}, got ${String(value)}`);
  };
  if (o.pausePublisher !== undefined && typeof o.pausePublisher !== 'boolean') fail('pausePublisher', 'a boolean', o.pausePublisher);
  const pauseAt = o.pauseAt ?? Math.floor(maxPlayerBacklog / 4);
  if (!Number.isSafeInteger(pauseAt) || pauseAt < 0) fail('pauseAt', 'an integer >= 0', o.pauseAt);
  const pauseShare = o.pauseShare ?? DEFAULT_PAUSE_SHARE;
  if (typeof pauseShare !== 'number' || !(pauseShare >= 0 && pauseShare < 1)) fail('pauseShare', 'a number in [0, 1)', o.pauseShare);
  const resumeShare = o.resumeShare ?? pauseShare;
  if (typeof resumeShare !== 'number' || !(resumeShare >= 0 && resumeShare <= pauseShare)) fail('resumeShare', `a number in [0, pauseShare=${pauseShare}]`, o.resumeShare);
  const ackWindow = o.ackWindow ?? DEFAULT_ACK_WINDOW;
  if (!Number.isSafeInteger(ackWindow) || ackWindow < 0 || ackWindow > 0xffffffff) fail('ackWindow', 'an integer in [0, 2^32)', o.ackWindow);
  return { pausePublisher: o.pausePublisher ?? true, pauseAt, pauseShare, resumeShare, ackWindow, budgetShare: Math.floor(memoryBudget / 2) };
}

/** The stream's full threshold with `players` players on the server (before each player's own cap). */
export function effectivePauseAt(settings: FanoutFlowSettings, players: number): number {
  if (settings.budgetShare === 0 || players === 0) return settings.pauseAt;
  return Math.min(settings.pauseAt, Math.max(MIN_PAUSE_AT, Math.floor(settings.budgetShare / players)));
}

/** `target.on('drain')` as a remover (what SubscriberTarget.watchDrain implementations return). */
export function onDrain(emitter: NodeJS.EventEmitter, listener: () => void): () => void {
  emitter.on('drain', listener);
  return () => void emitter.off('drain', listener);
}

export class FanoutFlow extends EventEmitter<FanoutFlowEvents> {
  readonly stats: FanoutFlowStats = { pauses: 0, pausedMs: 0, pausedSince: undefined };
  private source: PausableSource | undefined;
  private voters = 0;
  private full = 0;
  private recountTimer: NodeJS.Timeout | undefined;
  private readonly drainWatches = new Map<Subscriber, () => void>();

  constructor(
    private readonly players: ReadonlySet<Subscriber>,
    private readonly settings: FanoutFlowSettings,
    /** Players on the whole server (the memory budget's share is per player). */
    private readonly serverPlayers: () => number,
    private readonly recountMs: number = RECOUNT_MS,
  ) {
    super();
  }

  /** True while the publisher is held. */
  get paused(): boolean {
    return this.stats.pausedSince !== undefined;
  }

  /** The publisher to hold (undefined: none, or one that cannot be paused). */
  setSource(source: PausableSource | undefined): void {
    if (this.source === source) return;
    this.resume();
    this.source = source;
  }

  /** A player joined: its drains and acknowledgements count from now on. */
  add(player: Subscriber): void {
    if (!this.settings.pausePublisher || this.drainWatches.has(player)) return;
    const target = player.target;
    const unwatchDrain = target.watchDrain?.(() => this.drained(player));
    const unwatchAcks = target.watchAcknowledgements?.(() => this.acknowledged(player));
    this.drainWatches.set(player, unwatchAcks === undefined ? (unwatchDrain ?? noop) : () => {
      unwatchDrain?.();
      unwatchAcks();
    });
  }

  /** A player left: it no longer votes (which may be what lets the publisher go). */
  remove(player: Subscriber): void {
    const unwatch = this.drainWatches.get(player);
    if (unwatch === undefined) return;
    this.drainWatches.delete(player);
    unwatch();
    if (player.flowVoting) {
      this.voters--;
      if (player.flowFull) this.full--;
    }
    player.flowVoting = player.flowFullByQueue = player.flowFullByAcks = false;
    if (this.paused && this.mayResume()) this.resume();
  }

  /** After each fan-out: count full voters from the backlogs just seen, and pause or resume. */
  afterFanout(): void {
    if (!this.settings.pausePublisher) return;
    this.count(false);
    if (this.paused) {
      if (this.mayResume()) this.resume();
    } else if (this.full > this.settings.pauseShare * this.voters && this.source?.pauseReading) {
      this.pause();
    }
  }

  /** The publisher is gone (or the stream is dropped): whatever was held is let go. */
  close(): void {
    this.setSource(undefined);
    for (const player of this.drainWatches.keys()) this.remove(player);
  }

  private count(live: boolean): void {
    const threshold = effectivePauseAt(this.settings, this.serverPlayers());
    const now = performance.now();
    let voters = 0;
    let full = 0;
    for (const player of this.players) {
      const voting = player.votesOnFlow;
      const limit = fullAt(player, threshold);
      let byQueue = false;
      let byAcks = false;
      if (voting) {
        const target = player.target;
        if (live) {
          // Live recount (while paused): a player still full is one that has not emptied since.
          byQueue = player.flowFullByQueue && target.outboundBacklog > 0;
          byAcks = player.flowFullByAcks && acksBehind(target, limit / 2, now);
        } else {
          const backlog = player.backlogSeen;
          byQueue = backlog >= limit && backlog > 0;
          byAcks = acksBehind(target, limit, now);
        }
      }
      player.flowVoting = voting;
      player.flowFullByQueue = byQueue;
      player.flowFullByAcks = byAcks;
      if (voting) voters++;
      if (byQueue || byAcks) full++;
    }
    this.voters = voters;
    this.full = full;
  }

  private drained(player: Subscriber): void {
    if (!player.flowFullByQueue) return;
    player.flowFullByQueue = false;
    if (!player.flowFullByAcks) this.emptied(player);
  }

  /** An acknowledgement moved forward: a player full by its acknowledgements may have caught up. */
  private acknowledged(player: Subscriber): void {
    if (!player.flowFullByAcks) return;
    const limit = fullAt(player, effectivePauseAt(this.settings, this.serverPlayers()));
    if (acksBehind(player.target, limit / 2, performance.now())) return;
    player.flowFullByAcks = false;
    if (!player.flowFullByQueue) this.emptied(player);
  }

  /** A full player is full no more (its last reason just cleared). */
  private emptied(player: Subscriber): void {
    if (player.flowVoting) this.full--;
    if (this.paused && this.mayResume()) this.resume();
  }

  private mayResume(): boolean {
    return this.full <= this.settings.resumeShare * this.voters;
  }

  private pause(): void {
    this.stats.pauses++;
    this.stats.pausedSince = performance.now();
    this.source!.pauseReading!();
    this.armRecount();
    this.emit('pause');
  }

  private resume(): void {
    const since = this.stats.pausedSince;
    if (since === undefined) return;
    this.stats.pausedSince = undefined;
    this.stats.pausedMs += performance.now() - since;
    clearTimeout(this.recountTimer);
    this.recountTimer = undefined;
    this.source?.resumeReading?.();
    this.emit('resume');
  }

  private armRecount(): void {
    this.recountTimer = setTimeout(() => {
      this.recountTimer = undefined;
      if (!this.paused) return;
      this.count(true);
      if (this.mayResume()) this.resume();
      else this.armRecount();
    }, this.recountMs);
    this.recountTimer.unref();
  }
}

function noop(): void {}

/** A player's full threshold: the stream's, never above half the player's own limit. */
function fullAt(player: Subscriber, threshold: number): number {
  return Math.min(threshold, player.maxBacklog / 2);
}

/** Whether a player's acknowledgements say it has not received at least `bytes` (and are not overdue). */
function acksBehind(target: Subscriber['target'], bytes: number, now: number): boolean {
  const behind = target.unreceivedBytes?.(now) ?? 0;
  return behind > 0 && behind >= bytes;
}
