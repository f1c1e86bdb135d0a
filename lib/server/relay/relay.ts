/**
 * `Relay`: the server's relays, driven by its events (the `relay` option of `Server`):
 *   - push: each accepted publish is republished to every destination whose rule matches, plus
 *     those `pushTo` picks for it; the relays end (after flushing) when the publisher leaves.
 *   - pull: a play of a stream nobody publishes here starts one upstream from the first origin
 *     whose rule matches (or those `pullFrom` picks); later players share it; it stops
 *     `idleTimeout` ms after the last player left.
 * Streams that arrive by pull are not pushed (the relays follow connections' publishes only),
 * so an edge with both never loops a stream back to its origin.
 */
import { EventEmitter } from 'node:events';
import { type ClientConfig, parseRtmpUrl } from '../../client/index.js';
import { isPromiseLike } from '../../command/index.js';
import { ErrorCode, SessionError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { ServerConnection } from '../server-connection.js';
import type { StreamRegistry, StreamType } from '../stream-registry.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { RelayPull, type RelayPullStatus } from './relay-pull.js';
import { RelayPush, type RelayPushStatus } from './relay-push.js';
import { ruleMatches } from './relay-util.js';

/** Which streams a rule applies to: every one unless `apps` or `match` says otherwise. */
export interface RelayRule {
  /** rtmp[s]://[user:pass@]host[:port]/app[/name]. */
  url: string;
  /** Only streams of these local apps. */
  apps?: readonly string[];
  /** Only streams whose `app/name` matches (a RegExp is tested against `app/name`). */
  match?: RegExp | ((app: string, name: string) => boolean);
}

export interface RelayStreamInfo {
  conn: ServerConnection;
  app: string;
  name: string;
}

type Choice = string | readonly string[] | undefined | null;

export interface RelayOptions {
  /** Destinations every matching publish is republished to (nginx-rtmp `push`). */
  push?: ReadonlyArray<string | RelayRule>;
  /**
   * Per publish, more destinations (URLs) beside the matching `push` rules. A promise is waited
   * for: the destinations then start from the stream's cached GOP instead of its first message.
   */
  pushTo?(info: RelayStreamInfo & { type: StreamType }): Choice | Promise<Choice>;
  /** Origins a play of a stream not published here is pulled from (nginx-rtmp `pull`); the first matching rule's URL is tried first, then the others in turn. */
  pull?: ReadonlyArray<string | RelayRule>;
  /** Per play of a stream not published here, the origins (URLs) to pull it from; when it returns none, the `pull` rules apply. */
  pullFrom?(info: RelayStreamInfo): Choice | Promise<Choice>;
  /** ms a pulled stream's upstream stays after its last local player left. Default 10,000. */
  idleTimeout?: number;
  /** Reconnect delays (both directions). Default 1 s doubling up to 30 s. */
  backoff?: BackoffOptions;
  /** Client settings for relay connections (tls for rtmps://, timeouts, chunkSize...). */
  client?: ClientConfig;
  /** Bytes a push may have queued before it drops media until the next keyframe. Default: the server's maxPlayerBacklog. */
  maxBacklog?: number;
}

/** What Relay needs from a server: its registry and its publish/unpublish/play events. */
export interface RelayHost {
  readonly registry: StreamRegistry;
  on(event: 'publish' | 'unpublish' | 'play', listener: (conn: ServerConnection, name: string, ...rest: never[]) => void): unknown;
  off(event: 'publish' | 'unpublish' | 'play', listener: (conn: ServerConnection, name: string, ...rest: never[]) => void): unknown;
}

export interface RelayEvents {
  /** A push relay changed state (connecting, publishing, retrying with the error, stopped). */
  push: [status: RelayPushStatus, relay: RelayPush];
  /** A pull relay changed state. */
  pull: [status: RelayPullStatus, relay: RelayPull];
}

function normalizeRules(rules: ReadonlyArray<string | RelayRule> | undefined, what: string): RelayRule[] {
  return (rules ?? []).map((rule) => {
    const r = typeof rule === 'string' ? { url: rule } : rule;
    if (!r || typeof r.url !== 'string') throw new SessionError(ErrorCode.INVALID_OPTION, `relay.${what}: each entry is a URL or { url, apps?, match? }`);
    parseRtmpUrl(r.url); // a bad URL fails here, not at the first publish
    return r;
  });
}

function urlsOf(choice: Choice): string[] {
  if (choice === undefined || choice === null) return [];
  return typeof choice === 'string' ? [choice] : [...choice];
}

export class Relay extends EventEmitter<RelayEvents> {
  private readonly pushRules: RelayRule[];
  private readonly pullRules: RelayRule[];
  private readonly pushes = new Map<string, Set<RelayPush>>();
  private readonly pulls = new Map<string, RelayPull>();
  private readonly logger: Logger;
  private readonly stopListening: () => void;
  private closed = false;

  constructor(
    private readonly host: RelayHost,
    private readonly options: RelayOptions,
    settings: { logger?: Logger; maxBacklog?: number } = {},
  ) {
    super();
    this.pushRules = normalizeRules(options.push, 'push');
    this.pullRules = normalizeRules(options.pull, 'pull');
    new Backoff(options.backoff); // bad delays fail here, not at the first relay
    const idle = options.idleTimeout;
    if (idle !== undefined && (!(idle >= 0) || !Number.isFinite(idle))) {
      throw new SessionError(ErrorCode.INVALID_OPTION, `relay.idleTimeout must be a finite number >= 0, got ${idle}`);
    }
    this.logger = settings.logger ?? silentLogger;
    if (options.maxBacklog === undefined && settings.maxBacklog !== undefined) this.options = { ...options, maxBacklog: settings.maxBacklog };
    const onPublish = (conn: ServerConnection, name: string, type?: StreamType): void => this.onPublish(conn, name, type ?? 'live');
    const onUnpublish = (conn: ServerConnection, name: string): void => this.onUnpublish(conn.app, name);
    const onPlay = (conn: ServerConnection, name: string): void => this.onPlay(conn, name);
    host.on('publish', onPublish);
    host.on('unpublish', onUnpublish);
    host.on('play', onPlay);
    const stopWatching = host.registry.onPlayerLeft((stream) => this.pulls.get(stream.key)?.playerLeft());
    this.stopListening = () => {
      host.off('publish', onPublish);
      host.off('unpublish', onUnpublish);
      host.off('play', onPlay);
      stopWatching();
    };
  }

  /** Push relays running now. */
  get pushRelays(): RelayPush[] {
    return [...this.pushes.values()].flatMap((set) => [...set]);
  }

  /** Pull relays running now. */
  get pullRelays(): RelayPull[] {
    return [...this.pulls.values()];
  }

  /** Starts republishing local `app/name` to `url` (also what the `push` option does per publish). */
  push(app: string, name: string, url: string): RelayPush {
    const o = this.options;
    const relay = new RelayPush(this.host.registry, { app, name, url, client: o.client, backoff: o.backoff, maxBacklog: o.maxBacklog, logger: this.logger });
    const key = `${app}/${name}`;
    let set = this.pushes.get(key);
    if (!set) this.pushes.set(key, (set = new Set()));
    set.add(relay);
    relay.on('state', (status) => {
      if (status.state === 'stopped') {
        set.delete(relay);
        if (set.size === 0 && this.pushes.get(key) === set) this.pushes.delete(key);
      }
      this.emit('push', status, relay);
    });
    return relay.start();
  }

  /** Starts pulling local `app/name` from `urls` (also what the `pull` option does per play). */
  pull(app: string, name: string, urls: readonly string[]): RelayPull {
    const o = this.options;
    const relay = new RelayPull(this.host.registry, { app, name, urls, idleTimeout: o.idleTimeout, client: o.client, backoff: o.backoff, logger: this.logger });
    const key = `${app}/${name}`;
    this.pulls.set(key, relay);
    relay.on('state', (status) => {
      if (status.state === 'stopped' && this.pulls.get(key) === relay) this.pulls.delete(key);
      this.emit('pull', status, relay);
    });
    return relay.start();
  }

  /** Stops every relay (pushes flush what they hold) and stops following the server. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopListening();
    // Pushes that publish flush what they hold; one still connecting is abandoned (no drain: a
    // destination that never answers must not hold the shutdown for its connect timeout).
    await Promise.all([...this.pushRelays.map((r) => r.stop()), ...this.pullRelays.map((r) => r.stop())]);
  }

  private onPublish(conn: ServerConnection, name: string, type: StreamType): void {
    const app = conn.app;
    const urls = this.pushRules.filter((rule) => ruleMatches(rule, app, name)).map((rule) => rule.url);
    const start = (chosen: Choice): void => {
      if (this.closed || !this.host.registry.isPublished(app, name)) return;
      for (const url of new Set([...urls, ...urlsOf(chosen)])) this.push(app, name, url);
    };
    const hook = this.options.pushTo;
    if (!hook) return start(undefined);
    let chosen: Choice | Promise<Choice>;
    try {
      chosen = hook({ conn, app, name, type });
    } catch (err) {
      this.logger.warn(`relay pushTo threw for ${app}/${name}: ${(err as Error).message}`);
      return start(undefined);
    }
    if (!isPromiseLike(chosen)) return start(chosen);
    chosen.then(start, (err: Error) => {
      this.logger.warn(`relay pushTo rejected for ${app}/${name}: ${err.message}`);
      start(undefined);
    });
  }

  private onUnpublish(app: string, name: string): void {
    for (const relay of this.pushes.get(`${app}/${name}`) ?? []) void relay.stop({ drain: true });
  }

  private onPlay(conn: ServerConnection, name: string): void {
    const app = conn.app;
    const key = `${app}/${name}`;
    const existing = this.pulls.get(key);
    if (existing?.active) return existing.playerJoined();
    if (this.pullRules.length === 0 && !this.options.pullFrom) return;
    const start = (chosen: Choice): void => {
      // Published here (or a file played from vodDir: no live entry): nothing to pull.
      const stream = this.host.registry.get(app, name);
      if (this.closed || !stream || stream.publisher || stream.players.size === 0) return;
      if (this.pulls.get(key)?.active) return this.pulls.get(key)!.playerJoined();
      let urls = urlsOf(chosen);
      if (urls.length === 0) {
        const rules = this.pullRules.filter((rule) => ruleMatches(rule, app, name)).map((rule) => rule.url);
        urls = rules;
      }
      if (urls.length > 0) this.pull(app, name, urls);
    };
    const hook = this.options.pullFrom;
    if (!hook) return start(undefined);
    let chosen: Choice | Promise<Choice>;
    try {
      chosen = hook({ conn, app, name });
    } catch (err) {
      this.logger.warn(`relay pullFrom threw for ${app}/${name}: ${(err as Error).message}`);
      return start(undefined);
    }
    if (!isPromiseLike(chosen)) return start(chosen);
    chosen.then(start, (err: Error) => {
      this.logger.warn(`relay pullFrom rejected for ${app}/${name}: ${err.message}`);
      start(undefined);
    });
  }
}
