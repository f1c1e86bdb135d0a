/**
 * `RelayPush`: republishes one local live stream to one destination URL (nginx-rtmp `push`):
 *
 *   connecting ─(publish accepted)▶ publishing ─(destination drops)▶ retrying ─(backoff)▶ connecting
 *   any ─stop()▶ stopped          connecting ─(refused, unreachable)▶ retrying
 *
 * The relay is a player of the local stream (see RelaySink): each attempt subscribes, so the
 * destination starts with the metadata, the decoder configurations and the cached GOP (a keyframe
 * first), then the live media; a destination that is slow or down costs only this relay's own
 * drops, never the publisher's or another player's time.
 *
 * The destination's stream name is the URL's when it has one (`rtmp://host/live2/KEY`, what a
 * platform gives you), else the local name (`rtmp://host/app`: nginx-rtmp's push).
 */
import { EventEmitter } from 'node:events';
import { Client, type ClientConfig, parseRtmpUrl } from '../../client/index.js';
import { ErrorCode, SessionError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { StreamRegistry } from '../stream-registry.js';
import { DEFAULT_MAX_PLAYER_BACKLOG, Subscriber } from '../subscriber.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { RelaySink } from './relay-sink.js';
import { abortableDelay, redactUrl } from './relay-util.js';

export type RelayPushState = 'connecting' | 'publishing' | 'retrying' | 'stopped';

export interface RelayPushOptions {
  /** Local stream. */
  app: string;
  name: string;
  /** Destination: rtmp[s]://[user:pass@]host[:port]/app[/name]. */
  url: string;
  /** Client settings for the destination connection (tls, timeouts, chunkSize...). */
  client?: ClientConfig;
  backoff?: BackoffOptions;
  /** Bytes the relay may have queued before it drops media until the next keyframe. Default 4 MiB. */
  maxBacklog?: number;
  logger?: Logger;
}

export interface RelayPushStats {
  /** Publishes the destination accepted. */
  connects: number;
  /** Attempts that failed before publishing (unreachable, refused, timed out). */
  failures: number;
  /** Accepted publishes that ended with the destination dropping. */
  disconnects: number;
  sentMessages: number;
  sentBytes: number;
  /** Media lost to overflow while the destination was slow (or still connecting). */
  droppedMessages: number;
  droppedBytes: number;
  overflows: number;
}

export interface RelayPushStatus {
  app: string;
  name: string;
  /** The destination URL, password hidden. */
  url: string;
  state: RelayPushState;
  /** Why the last attempt failed or the destination dropped. */
  error?: Error;
  /** ms until the next attempt (state retrying). */
  retryIn?: number;
}

export interface RelayPushEvents {
  /** Every state change. */
  state: [status: RelayPushStatus];
}

export class RelayPush extends EventEmitter<RelayPushEvents> {
  readonly app: string;
  readonly name: string;
  /** The destination URL, password hidden. */
  readonly url: string;
  /** The name published at the destination. */
  readonly remoteName: string;
  readonly stats: RelayPushStats = {
    connects: 0,
    failures: 0,
    disconnects: 0,
    sentMessages: 0,
    sentBytes: 0,
    droppedMessages: 0,
    droppedBytes: 0,
    overflows: 0,
  };
  lastError: Error | undefined;
  private stateValue: RelayPushState = 'connecting';
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private client: Client | undefined;
  private subscriber: Subscriber | undefined;
  private running: Promise<void> | undefined;
  private ending = false;

  constructor(
    private readonly registry: StreamRegistry,
    private readonly options: RelayPushOptions,
  ) {
    super();
    const target = parseRtmpUrl(options.url);
    this.app = options.app;
    this.name = options.name;
    this.url = redactUrl(options.url);
    this.remoteName = target.streamName || options.name;
    this.backoff = new Backoff(options.backoff);
    this.logger = options.logger ?? silentLogger;
  }

  get state(): RelayPushState {
    return this.stateValue;
  }

  /** The local subscriber's counters for the current attempt (drops while connecting included). */
  get subscriberStats(): Subscriber['stats'] | undefined {
    return this.subscriber?.stats;
  }

  start(): this {
    this.running ??= this.run();
    return this;
  }

  /**
   * Ends the relay: it leaves the local stream at once. What the destination already has queued
   * is flushed and the publish ends cleanly (FCUnpublish, deleteStream). With `drain` (the local
   * publisher ended), an attempt still connecting goes on and delivers what was queued before it
   * closes; otherwise it is abandoned, as is a wait between attempts. Resolves once the
   * destination connection has closed.
   */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    const first = !this.ending;
    this.ending = true;
    if (first) this.leaveStream();
    const client = this.client;
    if (first && client && this.stateValue === 'publishing') await client.close().catch(() => undefined);
    else if (!(options.drain && this.stateValue === 'connecting')) {
      // Also when a drain is under way: a stop without drain abandons it.
      this.abort.abort();
      if (this.stateValue !== 'publishing') client?.destroy();
    }
    await this.running;
  }

  private setState(state: RelayPushState, extra: { error?: Error; retryIn?: number } = {}): void {
    this.stateValue = state;
    const status: RelayPushStatus = { app: this.app, name: this.name, url: this.url, state, ...extra };
    this.logger.debug(`relay push ${this.app}/${this.name} -> ${this.url}: ${state}${extra.error ? ` (${extra.error.message})` : ''}`);
    this.emit('state', status);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!this.ending) {
      const error = await this.attempt(signal);
      if (this.ending) break;
      this.lastError = error;
      const retryIn = this.backoff.next();
      this.setState('retrying', { error, retryIn });
      await abortableDelay(retryIn, signal);
    }
    this.setState('stopped');
  }

  /** One connection to the destination, until it ends; resolves why it ended. */
  private async attempt(signal: AbortSignal): Promise<Error> {
    this.setState('connecting');
    // Subscribed first: what the publisher sends while we connect is queued, not lost.
    const sink = new RelaySink();
    const subscriber = new Subscriber(sink, 0, `${this.app}/${this.name}`, this.options.maxBacklog ?? DEFAULT_MAX_PLAYER_BACKLOG);
    this.subscriber = subscriber;
    this.registry.subscribe(this.app, this.name, subscriber);
    const client = new Client({ logger: this.logger, ...this.options.client });
    this.client = client;
    let published = false;
    try {
      await client.connect(this.options.url, { signal });
      await client.publish(this.remoteName, 'live', { signal });
      published = true;
      const conn = client.connection;
      if (!conn || conn.closed) return new SessionError(ErrorCode.SESSION_CLOSED, 'the destination closed the connection');
      const closed = new Promise<Error | undefined>((resolve) => client.once('close', resolve));
      this.stats.connects++;
      this.backoff.reset();
      sink.attach(conn, client.publishStreamId!);
      this.setState('publishing');
      // Stopped while connecting with `drain`: what was queued is out, the publish ends.
      if (this.ending) await client.close().catch(() => undefined);
      const err = await closed;
      if (!this.ending) this.stats.disconnects++;
      return err ?? new SessionError(ErrorCode.SESSION_CLOSED, 'the destination closed the connection');
    } catch (err) {
      if (!published && !this.ending) this.stats.failures++;
      return err as Error;
    } finally {
      if (this.subscriber === subscriber) this.leaveStream();
      sink.detach();
      client.destroy();
      if (this.client === client) this.client = undefined;
    }
  }

  /** Leaves the local stream, adding this attempt's counters to the totals. */
  private leaveStream(): void {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    this.subscriber = undefined;
    this.registry.unsubscribe(subscriber);
    const s = subscriber.stats;
    this.stats.sentMessages += s.sentMessages;
    this.stats.sentBytes += s.sentBytes;
    this.stats.droppedMessages += s.droppedMessages;
    this.stats.droppedBytes += s.droppedBytes;
    this.stats.overflows += s.overflows;
  }
}
