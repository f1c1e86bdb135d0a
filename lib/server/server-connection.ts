/**
 * `ServerConnection`: the server's side of one client connection, the NetConnection part: connect
 * (with authentication and the onConnect hook), createStream/deleteStream, custom calls and the
 * replies. Each message stream it creates has at most one role (lib/server/roles: live publish,
 * live play, VOD play); NetStream commands and media go to that role.
 *
 * States (`state`):
 *   handshaking ─(C2 read, pipelines started)▶ connecting ─(connect accepted)▶ connected
 *   connected ─(publish accepted)▶ publishing     connected ─(play accepted)▶ playing
 *   publishing/playing ─(closeStream / deleteStream / FCUnpublish)▶ connected
 *   any ─(close())▶ closing ▶ closed        any ─(protocol or socket error)▶ error
 * A refused connect gets `_error` and the connection is closed; a refused publish or play gets an
 * error-level onStatus and the connection stays as it was. Hooks run before anything starts.
 *
 * Commands are handled one at a time in arrival order (an async hook holds the ones behind it),
 * which is what clients that pipeline releaseStream/FCPublish/createStream expect: replies go out
 * in order, each with its request's transaction id.
 */
import type { Duplex } from 'node:stream';
import { type CommandEvent, type DataEvent, type MediaEvent, type RtmpEvent, enhancedFields, parseEnhancedCapabilities, type EnhancedCapabilities } from '../command/index.js';
import {
  answerCall,
  encodeEvent,
  decodeConnect,
  decodeDeleteStream,
  decodeFCUnpublish,
  decodePause,
  decodePlay,
  decodePlay2,
  decodeReceive,
  decodeSeek,
  decodeStreamNameCommand,
  isPromiseLike,
} from '../command/index.js';
import { logValue, quoted, type Logger } from '../logger.js';
import { connectionSeedAliases, installSeedAliases, type ConnectionSeedAliases } from '../seed-aliases.js';
import { type Message, MessageType, PeerBandwidthLimit } from '../message/index.js';
import { RtmpConnection, type ConnectionOptions, type ConnectionState } from '../session/index.js';
import type { ConnectAuthenticator } from '../auth/index.js';
import { parseQuery, queryOf, splitQuery } from './query.js';
import type { StreamRequestInfo } from './stream-query.js';
import {
  FMS_CAPABILITIES,
  FMS_VERSION,
  StatusCode,
  refusalCode,
  refusalDescription,
  statusInfo,
  type StatusInfo,
} from './status.js';
import { StreamRegistry, sendStatus, type StreamType } from './stream-registry.js';
import { DEFAULT_MAX_NAME_LENGTH, nameProblem } from './stream-name.js';
import { PhaseDeadlines } from './phase-deadlines.js';
import { DEFAULT_MAX_PLAYER_BACKLOG, type Subscriber, type SubscriberTarget } from './subscriber.js';
import type { Recordings } from './recorder.js';
import type { VodLibrary } from './vod.js';
import type { StreamRoleContext, StreamSlot } from './roles/stream-role.js';
import { startPublish } from './roles/live-publish-role.js';
import { LivePlayRole } from './roles/live-play-role.js';
import { startPlay } from './roles/start-play.js';
import { onDrain } from './fanout-flow.js';

/** What onConnect learns from the connect command. */
export interface ConnectInfo {
  /** Application name without its query (`live` for `rtmp://host/live?token=1`). */
  app: string;
  tcUrl: string | undefined;
  /** Parsed query of tcUrl and app (app's values win). */
  query: Record<string, string>;
  objectEncoding: 0 | 3;
  /** The connect command object as the client sent it (flashVer, capabilities, ...). */
  commandObject: Record<string, unknown>;
  /** Optional arguments after the command object. */
  args: unknown[];
  /** The user name the client authenticated as, when the server requires authentication. */
  username?: string;
  /** Enhanced RTMP v2 fields of the connect (fourCcList, ...FourCcInfoMap, capsEx); absent for a legacy client. */
  enhanced?: EnhancedCapabilities;
}

/** A custom command handler: its return value is the `_result`, a throw is the `_error`. */
export type ServerCommandHandler = (conn: ServerConnection, command: CommandEvent) => unknown;

/** What a ServerConnection needs from its server (implemented by `Server`). */
export interface ServerHost {
  readonly registry: StreamRegistry;
  readonly settings: {
    chunkSize: number;
    windowAckSize: number;
    maxPlayerBacklog: number;
    maxStreamsPerConnection: number;
    /** Window Acknowledgement Size for live players (`limits.fanout.ackWindow`); 0 or absent: none. */
    playerAckWindow?: number;
    /** Longest app, tcUrl or stream name in UTF-8 bytes (tcUrl may be twice that). Default 1024. */
    maxNameLength?: number;
    /** ms from the handshake to an accepted connect; 0 = never (see lib/server/phase-deadlines.ts). */
    connectTimeout?: number;
    /** ms a connected client may go without publishing or playing; 0 = never. */
    idleTimeout?: number;
  };
  readonly hooks: {
    onConnect?(conn: ServerConnection, info: ConnectInfo): unknown;
    onPublish?(conn: ServerConnection, streamName: string, streamType: StreamType, info: StreamRequestInfo): unknown;
    onPlay?(conn: ServerConnection, streamName: string, info: StreamRequestInfo): unknown;
    onMessage?(conn: ServerConnection, message: Message): unknown;
  };
  commandHandler(name: string): ServerCommandHandler | undefined;
  /** The server's `auth`: when set, a connect must pass its challenge before onConnect runs. */
  readonly authenticator?: ConnectAuthenticator;
  /** Emits a server event for this connection (connect, publish, play, unpublish). */
  notify(event: 'connect' | 'publish' | 'play' | 'unpublish', conn: ServerConnection, ...args: unknown[]): void;
  connectionClosed(conn: ServerConnection, err: Error | undefined): void;
  /** The server's recordings (recordDir) and VOD files (vodDir), when configured. */
  readonly recordings?: Recordings;
  readonly vod?: VodLibrary;
  /** What the connect `_result` states to an Enhanced RTMP client; false or absent: nothing. */
  readonly enhanced?: EnhancedCapabilities | false;
}

export interface ServerConnectionOptions extends ConnectionOptions {
  id: string;
  secure?: boolean;
}

const NOT_CONNECTED = 'connect first';

/** remoteAddr: the seed's name, in lib/seed-aliases.ts. */
export interface ServerConnection extends ConnectionSeedAliases {}
export class ServerConnection extends RtmpConnection {
  readonly id: string;
  readonly host: ServerHost;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Whether the connection came in on the TLS (rtmps) listener. */
  readonly secure: boolean;
  /** Application name from connect (without its query); '' before connect. */
  app = '';
  /** Query parameters of connect's tcUrl and app. */
  query: Record<string, string> = {};
  tcUrl: string | undefined;
  connectInfo: ConnectInfo | undefined;

  private readonly slots = new Map<number, StreamSlot>();
  /** What the publish and play factories (lib/server/roles) see of this connection. */
  private readonly streams: StreamRoleContext = this.roleContext();
  private readonly deadlines: PhaseDeadlines;

  constructor(socket: Duplex, host: ServerHost, options: ServerConnectionOptions) {
    super(socket, options);
    this.id = options.id;
    this.host = host;
    this.secure = options.secure ?? false;
    const s = socket as Duplex & { remoteAddress?: string; remotePort?: number };
    this.remoteAddress = s.remoteAddress;
    this.remotePort = s.remotePort;
    const { connectTimeout, idleTimeout } = host.settings;
    this.deadlines = new PhaseDeadlines((err) => this.destroy(err), { connectTimeout, idleTimeout });
  }

  /** Every phase has a deadline (handshake, connect, then publish or play): see PhaseDeadlines. */
  protected override setState(state: ConnectionState): void {
    super.setState(state);
    this.deadlines?.enter(state); // undefined while the base constructor runs
  }

  private get maxNameLength(): number {
    return this.host.settings.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH;
  }

  /** True once connect was accepted. */
  get connected(): boolean {
    return this.connectInfo !== undefined;
  }

  /** Options the connection was built with (stages may be filled in before `start`). */
  get connectionOptions(): ConnectionOptions {
    return this.options;
  }

  override start(rest?: Buffer): void {
    super.start(rest);
    this.setState('connecting');
  }

  /** Stream names this connection publishes. */
  get publishedStreams(): string[] {
    return [...this.slots.values()].flatMap((s) => (s.role?.kind === 'live-publish' ? [s.role.name] : []));
  }

  /** This connection's live players (one per message stream it plays on), with their drop counters. */
  get subscribers(): Subscriber[] {
    return [...this.slots.values()].flatMap((s) => (s.role instanceof LivePlayRole ? [s.role.player] : []));
  }

  /**
   * [budget] The live stream (registry key) this connection only plays, its outbound side inline:
   * its backlog is then that stream's shared frames, which the memory budget counts once for all
   * the stream's players (lib/server/memory-budget.ts). Undefined for anything else.
   */
  get sharedBacklogGroup(): string | undefined {
    if (!this.outboundInline) return undefined;
    let key: string | undefined;
    for (const slot of this.slots.values()) {
      const role = slot.role;
      if (role === undefined) continue;
      if (!(role instanceof LivePlayRole) || (key !== undefined && role.player.key !== key)) return undefined;
      key = role.player.key;
    }
    return key;
  }

  /**
   * [flow] A live player acknowledges at `limits.fanout.ackWindow`, smaller than the connect-time
   * window, so that flow control sees how far behind it is, kernel buffers included, to within that
   * window (lib/server/fanout-flow.ts). RTMP 1.0 §5.4.4 lets the window change at any time.
   */
  announcePlayerWindow(): void {
    const window = this.host.settings.playerAckWindow ?? 0;
    if (window > 0 && window < (this.announcedWindow ?? Infinity)) this.sendWindowAckSize(window);
  }

  /** [flow] The socket's queue emptied: a player's flow control hears it (lib/server/fanout-flow.ts). */
  watchDrain(listener: () => void): () => void { return onDrain(this.socket, listener); }

  /** Sends an onStatus on a message stream. */
  sendStatus(streamId: number, info: StatusInfo): void {
    sendStatus(this, streamId, info);
  }

  // --- inbound ---------------------------------------------------------------------------------

  protected override handleEvent(event: RtmpEvent): void | Promise<void> {
    const hook = this.host.hooks.onMessage;
    if (hook && event.kind !== 'protocolControl' && event.kind !== 'userControl' && this.connected) {
      let result: unknown;
      try {
        result = hook(this, this.toMessage(event));
      } catch (err) {
        this.refuseMessage(event, err);
        return;
      }
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(
          () => this.route(event),
          (err: unknown) => this.refuseMessage(event, err),
        );
      }
    }
    return this.route(event);
  }

  private toMessage(event: RtmpEvent): Message {
    return encodeEvent(event, this.encoding);
  }

  /** onMessage refused: a call gets `_error`, anything else is dropped. */
  private refuseMessage(event: RtmpEvent, err: unknown): void {
    this.log.debug(`connection ${this.id}: onMessage refused a ${event.kind} message: ${logValue(refusalDescription(err, 'refused'))}`);
    if (event.kind === 'command' && event.transactionId > 0) {
      this.replyError(event, refusalCode(err, StatusCode.CallFailed), refusalDescription(err, 'Refused.'));
    }
  }

  private route(event: RtmpEvent): void | Promise<void> {
    switch (event.kind) {
      case 'audio':
      case 'video':
        this.onMedia(event);
        return;
      case 'data':
        this.onData(event);
        return;
      case 'command':
        return this.onCommand(event);
      default:
        this.enqueue(event);
    }
  }

  private onMedia(event: MediaEvent): void {
    this.slots.get(event.streamId)?.role?.media(event);
    this.enqueue(event);
  }

  private onData(event: DataEvent): void {
    this.slots.get(event.streamId)?.role?.data(event);
    this.enqueue(event);
  }

  private onCommand(cmd: CommandEvent): void | Promise<void> {
    if (cmd.name === 'connect') return this.onConnect(cmd);
    if (cmd.name === '_result' || cmd.name === '_error' || cmd.name === 'onStatus') {
      this.enqueue(cmd); // answers to nothing we asked, or statuses: the application may want them
      return;
    }
    if (!this.connected) {
      this.replyError(cmd, StatusCode.CallFailed, NOT_CONNECTED);
      return;
    }
    switch (cmd.name) {
      case 'createStream':
        this.onCreateStream(cmd);
        return;
      case 'publish':
        return startPublish(this.streams, cmd);
      case 'play': {
        const play = decodePlay(cmd);
        return startPlay(this.streams, cmd, play.name, play.reset, play.start);
      }
      case 'play2':
        return startPlay(this.streams, cmd, decodePlay2(cmd).name, true);
      case 'deleteStream': {
        const id = decodeDeleteStream(cmd).streamId;
        this.closeSlot(id);
        this.slots.delete(id);
        return;
      }
      case 'closeStream':
        this.closeSlot(cmd.streamId);
        return;
      case 'FCUnpublish': {
        const { name } = splitQuery(decodeFCUnpublish(cmd).name);
        for (const slot of this.slots.values()) if (slot.role?.kind === 'live-publish' && slot.role.name === name) this.endRole(slot);
        this.replyResult(cmd, null, undefined);
        return;
      }
      case 'releaseStream':
      case 'FCPublish':
      case 'FCSubscribe':
      case 'FCUnsubscribe':
      case '_checkbw':
        this.replyResult(cmd, null, undefined);
        return;
      case 'getStreamLength': {
        // Live streams have no length; a VOD file answers its duration in seconds.
        const { name } = splitQuery(decodeStreamNameCommand(cmd).name);
        const vod = this.host.vod;
        if (!vod || !name || this.host.registry.isPublished(this.app, name)) this.replyResult(cmd, null, 0);
        else return vod.streamLength(this.app, name).then((seconds) => this.replyResult(cmd, null, seconds));
        return;
      }
      case 'receiveAudio':
        this.slots.get(cmd.streamId)?.role?.receiveAudio(decodeReceive(cmd).on);
        return;
      case 'receiveVideo':
        this.slots.get(cmd.streamId)?.role?.receiveVideo(decodeReceive(cmd).on);
        return;
      case 'pause':
        this.slots.get(cmd.streamId)?.role?.pause(decodePause(cmd).paused);
        return;
      case 'seek':
        this.slots.get(cmd.streamId)?.role?.seek(decodeSeek(cmd).milliseconds);
        return;
      default:
        return this.onCustomCommand(cmd);
    }
  }

  // --- NetConnection ---------------------------------------------------------------------------

  private async onConnect(cmd: CommandEvent): Promise<void> {
    if (this.connected) {
      this.replyError(cmd, StatusCode.ConnectFailed, 'already connected');
      return;
    }
    const { app: appField, tcUrl, objectEncoding, commandObject } = decodeConnect(cmd);
    const badName = nameProblem(appField, this.maxNameLength) ?? (tcUrl === undefined ? undefined : nameProblem(tcUrl, 2 * this.maxNameLength));
    if (badName) {
      this.log.info(`connection ${this.id}: connect refused: app or tcUrl: ${badName}`);
      this.replyError(cmd, StatusCode.ConnectRejected, `Connection rejected: app or tcUrl: ${badName}.`);
      void this.close();
      return;
    }
    const { name: appPath, query: appQuery } = splitQuery(appField);
    const app = appPath.replace(/\/+$/, '');
    const query = { ...parseQuery(queryOf(tcUrl ?? '')), ...appQuery };
    const info: ConnectInfo = { app, tcUrl, query, objectEncoding, commandObject, args: cmd.args };
    const enhanced = parseEnhancedCapabilities(commandObject);
    if (enhanced) info.enhanced = enhanced;
    this.app = app;
    this.query = query;
    this.tcUrl = tcUrl;
    // Authentication first (lib/auth): a refusal carries the challenge text the client parses,
    // and the connection closes (clients reconnect for the next step). Until a connect succeeds
    // every other command gets `_error` (see onCommand), so nothing plays or publishes without it.
    const authenticator = this.host.authenticator;
    if (authenticator) {
      const verdict = await authenticator.check(appField, tcUrl, { app, remoteAddress: this.remoteAddress });
      if (this.closed || this.state === 'closing') return;
      if (!verdict.ok) {
        this.log.info(`connection ${this.id}: connect to ${quoted(app)} refused: authentication (${verdict.reason})`);
        this.replyError(cmd, StatusCode.ConnectRejected, verdict.description);
        void this.close();
        return;
      }
      info.username = verdict.username;
    }
    try {
      await this.host.hooks.onConnect?.(this, info);
    } catch (err) {
      this.log.info(`connection ${this.id}: connect to ${quoted(app)} refused: ${logValue(refusalDescription(err, 'refused'))}`);
      this.replyError(cmd, refusalCode(err, StatusCode.ConnectRejected), refusalDescription(err, 'Connection rejected.'));
      void this.close();
      return;
    }
    if (this.closed) return;
    const { windowAckSize, chunkSize } = this.host.settings;
    // RTMP 1.0 §7.2.1.1: Window Acknowledgement Size, Set Peer Bandwidth, then the _result.
    this.sendWindowAckSize(windowAckSize);
    this.send({
      kind: 'protocolControl',
      streamId: 0,
      timestamp: 0,
      control: { type: MessageType.SetPeerBandwidth, windowSize: windowAckSize, limitType: PeerBandwidthLimit.Dynamic },
    });
    this.setChunkSize(chunkSize);
    this.connectInfo = info;
    // Enhanced RTMP v2 (connect): the server states its support in the _result's properties; a
    // legacy client gets the legacy reply, unchanged.
    const answer = enhanced && this.host.enhanced ? enhancedFields(this.host.enhanced) : undefined;
    this.reply(
      cmd,
      { fmsVer: FMS_VERSION, capabilities: FMS_CAPABILITIES, mode: 1, ...answer },
      statusInfo('status', StatusCode.ConnectSuccess, 'Connection succeeded.', { objectEncoding }),
    );
    // Flash-era clients wait for onBWDone before their bandwidth check; ffmpeg answers with _checkbw.
    this.notify('onBWDone', null, [8192]);
    this.setState('connected');
    this.host.notify('connect', this, info);
  }

  private onCreateStream(cmd: CommandEvent): void {
    if (this.slots.size >= this.host.settings.maxStreamsPerConnection) {
      this.replyError(cmd, StatusCode.CallFailed, `at most ${this.host.settings.maxStreamsPerConnection} streams per connection`);
      return;
    }
    let id = 1;
    while (this.slots.has(id)) id++;
    this.slots.set(id, { id });
    this.replyResult(cmd, null, id);
  }

  private async onCustomCommand(cmd: CommandEvent): Promise<void> {
    const handler = this.host.commandHandler(cmd.name);
    if (!handler) {
      this.enqueue(cmd);
      if (cmd.transactionId > 0) this.replyError(cmd, StatusCode.CallFailed, `Method not found (${cmd.name}).`);
      return;
    }
    await answerCall(cmd, () => handler(this, cmd), this, {
      errorInfo: (err) => statusInfo('error', refusalCode(err, StatusCode.CallFailed), refusalDescription(err, 'Call failed.')),
    });
  }

  // --- streams ---------------------------------------------------------------------------------

  /** The slot for a message stream; lenient clients publish/play on an id they never created. */
  private slot(streamId: number): StreamSlot | undefined {
    let slot = this.slots.get(streamId);
    if (!slot && streamId > 0 && this.slots.size < this.host.settings.maxStreamsPerConnection) {
      slot = { id: streamId };
      this.slots.set(streamId, slot);
    }
    return slot;
  }

  private closeSlot(streamId: number): void {
    const slot = this.slots.get(streamId);
    if (slot) this.endRole(slot);
  }

  /** The slot's role ends (it unpublishes, leaves its live stream or closes its file); the state follows. */
  private endRole(slot: StreamSlot): void {
    const role = slot.role;
    if (!role) return;
    slot.role = undefined;
    role.close();
    this.settleState();
  }

  private roleContext(): StreamRoleContext {
    const conn = this; // the getter below runs with the context object as `this`
    return {
      conn,
      get maxNameLength() {
        return conn.maxNameLength;
      },
      slot: (streamId) => conn.slot(streamId),
      enter: (slot, role) => {
        slot.role = role;
        conn.setState(role.kind === 'live-publish' ? 'publishing' : 'playing');
      },
    };
  }

  /** Publishing wins over playing: one publishing stream makes the connection a publisher. */
  private settleState(): void {
    if (this.closed || this.state === 'closing') return;
    const kinds = [...this.slots.values()].map((s) => s.role?.kind);
    if (kinds.includes('live-publish')) this.setState('publishing');
    else if (kinds.includes('live-play') || kinds.includes('vod-play')) this.setState('playing');
    else if (this.connected) this.setState('connected');
  }

  // --- replies ---------------------------------------------------------------------------------

  private replyResult(cmd: CommandEvent, commandObject: unknown, info: unknown): void {
    if (cmd.transactionId === 0) return; // a notification expects no answer
    this.reply(cmd, commandObject, info);
  }

  private replyError(cmd: CommandEvent, code: string, description: string): void {
    this.reply(cmd, null, statusInfo('error', code, description), true);
  }

  private get log(): Logger {
    return this.logger;
  }

  protected override onClosed(err: Error | undefined): void {
    for (const id of [...this.slots.keys()]) this.closeSlot(id);
    this.host.connectionClosed(this, err);
  }
}

installSeedAliases(ServerConnection.prototype, connectionSeedAliases);

/** Default limits a ServerHost applies. */
export const DEFAULT_MAX_STREAMS_PER_CONNECTION = 16;
export { DEFAULT_MAX_PLAYER_BACKLOG };
export type { SubscriberTarget };
