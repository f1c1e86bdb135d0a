/**
 * `RelayPull`: plays one stream from an origin and publishes it into the local stream registry,
 * so every local player of `app/name` is fed from one upstream connection (nginx-rtmp `pull`, an
 * SRS edge):
 *
 *   connecting ─(Play.Start)▶ playing ─(origin drops)▶ retrying ─(backoff, next origin)▶ connecting
 *   any ─(no local player for idleTimeout, or stop())▶ stopped
 *
 * The local stream is published when the first media or metadata arrives and unpublished when the
 * origin's stream ends (Stream EOF, as nginx-rtmp says it, or Play.UnpublishNotify / Play.Stop, as
 * we and others do) or the upstream connection drops: local players then hear
 * Play.UnpublishNotify and Stream EOF and keep waiting, like players of a publisher that left,
 * while the relay reconnects (only while someone is still there to watch).
 *
 * The origin's stream name is the URL's when it has one, else the local name.
 */
import { EventEmitter } from 'node:events';
import { decodeOnStatus, type RtmpEvent } from '../../command/index.js';
import { Client, type ClientConfig, parseRtmpUrl } from '../../client/index.js';
import { ErrorCode, SessionError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { LiveStream, StreamRegistry } from '../stream-registry.js';
import type { SubscriberTarget } from '../subscriber.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { abortableDelay, redactUrl } from './relay-util.js';

export type RelayPullState = 'connecting' | 'playing' | 'retrying' | 'stopped';

/** Default time an upstream stays up after its last local player left: 10 s. */
export const DEFAULT_PULL_IDLE_TIMEOUT = 10_000;

export interface RelayPullOptions {
  /** Local stream. */
  app: string;
  name: string;
  /** Origins: rtmp[s]://[user:pass@]host[:port]/app[/name], tried in turn (the next one after a failure). */
  urls: readonly string[];
  /** ms the upstream stays after the last local player left. Default 10,000. */
  idleTimeout?: number;
  client?: ClientConfig;
  backoff?: BackoffOptions;
  logger?: Logger;
}

export interface RelayPullStats {
  /** Plays an origin accepted. */
  connects: number;
  /** Attempts that failed before playing. */
  failures: number;
  /** Accepted plays that ended with the origin dropping. */
  disconnects: number;
  receivedMessages: number;
  receivedBytes: number;
}

export interface RelayPullStatus {
  app: string;
  name: string;
  /** The origin of this attempt, password hidden. */
  url: string;
  state: RelayPullState;
  error?: Error;
  retryIn?: number;
}

export interface RelayPullEvents {
  state: [status: RelayPullStatus];
  /** The stream was published (true) or unpublished (false) locally from the origin. */
  local: [published: boolean];
}

/** The registry's publisher entry for a pulled stream: the registry's goodbyes to it go nowhere. */
const UPSTREAM_TARGET: SubscriberTarget = { send: () => true, outboundBacklog: 0, closed: false };

export class RelayPull extends EventEmitter<RelayPullEvents> {
  readonly app: string;
  readonly name: string;
  readonly stats: RelayPullStats = { connects: 0, failures: 0, disconnects: 0, receivedMessages: 0, receivedBytes: 0 };
  lastError: Error | undefined;
  private stateValue: RelayPullState = 'connecting';
  private readonly urls: readonly string[];
  private readonly idleTimeout: number;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private next = 0;
  private url: string;
  private client: Client | undefined;
  private local: LiveStream | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ending = false;

  constructor(
    private readonly registry: StreamRegistry,
    private readonly options: RelayPullOptions,
  ) {
    super();
    if (options.urls.length === 0) throw new SessionError(ErrorCode.INVALID_OPTION, 'relay pull: no origin URL');
    for (const url of options.urls) parseRtmpUrl(url);
    this.app = options.app;
    this.name = options.name;
    this.urls = options.urls;
    this.url = redactUrl(options.urls[0]!);
    const idle = options.idleTimeout ?? DEFAULT_PULL_IDLE_TIMEOUT;
    if (!(idle >= 0) || !Number.isFinite(idle)) throw new SessionError(ErrorCode.INVALID_OPTION, `relay pull: idleTimeout must be a finite number >= 0, got ${idle}`);
    this.idleTimeout = idle;
    this.backoff = new Backoff(options.backoff);
    this.logger = options.logger ?? silentLogger;
  }

  get state(): RelayPullState {
    return this.stateValue;
  }

  /** False once stopping (idle or stop()): a new player then needs a new RelayPull. */
  get active(): boolean {
    return !this.ending;
  }

  /** Whether the stream is published locally from the origin right now. */
  get publishing(): boolean {
    return this.local !== undefined;
  }

  start(): this {
    this.running ??= this.run();
    return this;
  }

  /** A local player joined: the idle countdown (if any) is off. */
  playerJoined(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A local player left: with none left, the upstream stops after idleTimeout unless one joins. */
  playerLeft(): void {
    if (this.ending || this.idleTimer || this.playerCount() > 0) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.playerCount() === 0) {
        this.logger.debug(`relay pull ${this.app}/${this.name}: no player for ${this.idleTimeout} ms, stopping`);
        void this.stop();
      }
    }, this.idleTimeout);
    this.idleTimer.unref();
  }

  /** Ends the upstream: local players hear that the stream ended and keep waiting. */
  async stop(): Promise<void> {
    if (!this.ending) {
      this.ending = true;
      this.playerJoined();
      this.abort.abort();
      this.unpublishLocal();
      this.client?.destroy();
    }
    await this.running;
  }

  private playerCount(): number {
    return this.registry.get(this.app, this.name)?.players.size ?? 0;
  }

  private setState(state: RelayPullState, extra: { error?: Error; retryIn?: number } = {}): void {
    this.stateValue = state;
    this.logger.debug(`relay pull ${this.app}/${this.name} <- ${this.url}: ${state}${extra.error ? ` (${extra.error.message})` : ''}`);
    this.emit('state', { app: this.app, name: this.name, url: this.url, state, ...extra });
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!this.ending) {
      const url = this.urls[this.next++ % this.urls.length]!;
      this.url = redactUrl(url);
      const error = await this.attempt(url, signal);
      if (this.ending) break;
      this.lastError = error;
      // Nobody left to watch: no reason to come back.
      if (this.playerCount() === 0) break;
      const retryIn = this.backoff.next();
      this.setState('retrying', { error, retryIn });
      await abortableDelay(retryIn, signal);
    }
    this.ending = true;
    this.playerJoined();
    this.setState('stopped');
  }

  private async attempt(url: string, signal: AbortSignal): Promise<Error> {
    this.setState('connecting');
    const client = new Client({ logger: this.logger, ...this.options.client });
    this.client = client;
    let playing = false;
    try {
      await client.connect(url, { signal });
      await client.play(parseRtmpUrl(url).streamName || this.name, { signal });
      playing = true;
      this.stats.connects++;
      this.backoff.reset();
      this.setState('playing');
      for (;;) {
        const event = await client.readEvent();
        if (!event || this.ending) break;
        this.fromUpstream(event);
      }
      if (!this.ending) this.stats.disconnects++;
      return new SessionError(ErrorCode.SESSION_CLOSED, 'the origin closed the connection');
    } catch (err) {
      if (!this.ending) {
        if (playing) this.stats.disconnects++;
        else this.stats.failures++;
      }
      return err as Error;
    } finally {
      this.unpublishLocal();
      client.destroy();
      if (this.client === client) this.client = undefined;
    }
  }

  private fromUpstream(event: RtmpEvent): void {
    switch (event.kind) {
      case 'audio':
      case 'video': {
        const local = this.local ?? this.publishLocal();
        this.stats.receivedMessages++;
        this.stats.receivedBytes += event.payload.length;
        if (local) this.registry.media(local, event);
        return;
      }
      case 'data': {
        if (event.name === '|RtmpSampleAccess') return; // our own play answer has it already
        const local = this.local ?? this.publishLocal();
        this.stats.receivedMessages++;
        if (local) this.registry.data(local, event);
        return;
      }
      case 'userControl':
        if (event.event.event === 'StreamEOF') this.unpublishLocal();
        return;
      case 'command': {
        if (event.name !== 'onStatus') return;
        const code = decodeOnStatus(event).code;
        if (code === 'NetStream.Play.UnpublishNotify' || code === 'NetStream.Play.Stop' || code === 'NetStream.Play.Complete') this.unpublishLocal();
        return;
      }
      default:
    }
  }

  private publishLocal(): LiveStream | undefined {
    const live = this.registry.publish(this.app, this.name, { target: UPSTREAM_TARGET, streamId: 0, type: 'live' });
    if (!live) {
      // Someone publishes the name here: local players are served by that publisher.
      this.logger.info(`relay pull ${this.app}/${this.name}: published locally meanwhile, upstream not needed`);
      void this.stop();
      return undefined;
    }
    this.local = live;
    this.emit('local', true);
    return live;
  }

  private unpublishLocal(): void {
    const local = this.local;
    if (!local) return;
    this.local = undefined;
    this.registry.unpublish(local);
    this.emit('local', false);
  }
}
