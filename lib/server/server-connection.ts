/**
 * `ServerConnection`: the server's side of one client connection. It answers the NetConnection
 * and NetStream commands as mature servers do and feeds publishers' media into the stream
 * registry.
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
  decodeConnect,
  decodeDeleteStream,
  decodeFCUnpublish,
  decodePause,
  decodePlay,
  decodePlay2,
  decodePublish,
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
import { parseStreamRequest, type StreamRequestInfo } from './stream-query.js';
import {
  FMS_CAPABILITIES,
  FMS_VERSION,
  StatusCode,
  refusalCode,
  refusalDescription,
  statusInfo,
  type StatusInfo,
} from './status.js';
import { StreamRegistry, sendStatus, sendStreamEvent, type LiveStream, type StreamType } from './stream-registry.js';
import { DEFAULT_MAX_NAME_LENGTH, echoedName, nameProblem } from './stream-name.js';
import { PhaseDeadlines } from './phase-deadlines.js';
import { DEFAULT_MAX_PLAYER_BACKLOG, Subscriber, type SubscriberTarget } from './subscriber.js';
import { onDrain } from './fanout-flow.js';
// [record-vod] recording and VOD (issue 4): lib/server/recorder.ts, lib/server/vod.ts
import type { Recordings, StreamRecorder } from './recorder.js';
import type { VodLibrary, VodPlayer } from './vod.js';

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
  /** [record-vod] The server's recordings (recordDir) and VOD files (vodDir), when configured. */
  readonly recordings?: Recordings;
  readonly vod?: VodLibrary;
  /** What the connect `_result` states to an Enhanced RTMP client; false or absent: nothing. */
  readonly enhanced?: EnhancedCapabilities | false;
}

/** A message stream the client created (RTMP 1.0 §7.2.1.3) and what it does. */
interface StreamSlot {
  id: number;
  name?: string;
  publishing?: LiveStream;
  playing?: Subscriber;
  /** [record-vod] The publish's recording; the file played instead of a live stream. */
  recorder?: StreamRecorder;
  vod?: VodPlayer;
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
  // Outbound backlog accounting: estimated bytes handed to the pipeline vs bytes out of the chunk encoder.
  private bytesIntoPipeline = 0;
  private bytesOutOfPipeline = 0;
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
    this.chunkEncoder!.on('data', (bytes: Buffer) => {
      this.bytesOutOfPipeline += bytes.length;
    });
  }

  /** Stream names this connection publishes. */
  get publishedStreams(): string[] {
    return [...this.slots.values()].filter((s) => s.publishing).map((s) => s.name!);
  }

  /** This connection's players (one per message stream it plays on), with their drop counters. */
  get subscribers(): Subscriber[] {
    return [...this.slots.values()].flatMap((s) => (s.playing ? [s.playing] : []));
  }

  override send(event: RtmpEvent): boolean {
    if (event.kind === 'audio' || event.kind === 'video') {
      const length = event.payload.length;
      // Payload plus chunk headers: a type-0 header once, a basic header per further chunk.
      this.bytesIntoPipeline += length + 12 + Math.floor(length / this.outboundChunkSize);
    } else this.bytesIntoPipeline += 64;
    return super.send(event);
  }

  /**
   * Bytes written to this connection that have not reached the kernel yet: the socket's queue plus
   * an estimate of what the outbound pipeline holds (exact whenever the pipeline is empty).
   */
  get outboundBacklog(): number {
    const socketBytes = this.socket.writableLength;
    if (this.outboundEmpty) {
      this.bytesIntoPipeline = this.bytesOutOfPipeline;
      return socketBytes;
    }
    return socketBytes + Math.max(0, this.bytesIntoPipeline - this.bytesOutOfPipeline);
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
    return this.commandEncoder!.encode(event);
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
    const slot = this.slots.get(event.streamId);
    const live = slot?.publishing;
    if (live) this.host.registry.media(live, event);
    slot?.recorder?.media(event); // [record-vod]
    this.enqueue(event);
  }

  private onData(event: DataEvent): void {
    const slot = this.slots.get(event.streamId);
    const live = slot?.publishing;
    if (live) this.host.registry.data(live, event);
    slot?.recorder?.data(event); // [record-vod]
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
        return this.onPublish(cmd);
      case 'play': {
        const play = decodePlay(cmd);
        return this.onPlay(cmd, play.name, play.reset, play.start);
      }
      case 'play2':
        return this.onPlay(cmd, decodePlay2(cmd).name, true);
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
        for (const slot of this.slots.values()) if (slot.publishing && slot.name === name) this.stopPublishing(slot);
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
        // Live streams have no length; [record-vod] a VOD file answers its duration in seconds.
        const { name } = splitQuery(decodeStreamNameCommand(cmd).name);
        const vod = this.host.vod;
        if (!vod || !name || this.host.registry.isPublished(this.app, name)) this.replyResult(cmd, null, 0);
        else return vod.streamLength(this.app, name).then((seconds) => this.replyResult(cmd, null, seconds));
        return;
      }
      case 'receiveAudio':
      case 'receiveVideo':
        this.onReceive(cmd);
        return;
      case 'pause':
        this.onPause(cmd);
        return;
      case 'seek':
        this.onSeek(cmd);
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

  // --- NetStream: publish ----------------------------------------------------------------------

  private async onPublish(cmd: CommandEvent): Promise<void> {
    const streamId = cmd.streamId;
    const publish = decodePublish(cmd);
    const { name, info } = parseStreamRequest(publish.name);
    const type = publish.type;
    const slot = this.slot(streamId);
    const badName = (description: string): void =>
      this.sendStatus(streamId, statusInfo('error', StatusCode.PublishBadName, description, { details: echoedName(name) }));
    const nameIssue = nameProblem(publish.name, this.maxNameLength);
    if (nameIssue) {
      badName(`invalid stream name: ${nameIssue}`);
      return;
    }
    if (!slot) {
      badName(`no stream ${streamId} (createStream first)`);
      return;
    }
    if (slot.publishing || slot.playing || slot.vod /* [record-vod] */) {
      badName(`stream ${streamId} is already ${slot.publishing ? 'publishing' : 'playing'}`);
      return;
    }
    if (!name) {
      badName('a stream name is required');
      return;
    }
    // A duplicate is refused before the hook runs; the first publisher is not touched.
    if (this.host.registry.isPublished(this.app, name)) {
      badName(`${name} is already being published`);
      return;
    }
    try {
      await this.host.hooks.onPublish?.(this, name, type, info);
    } catch (err) {
      this.sendStatus(streamId, statusInfo('error', refusalCode(err, StatusCode.PublishDenied), refusalDescription(err, 'Publishing refused.'), { details: name }));
      return;
    }
    if (this.closed) return;
    // [record-vod] record/append (or recordAll) opens <recordDir>/<app>/<name>.flv first; a refusal sent its status.
    const recorder = this.host.recordings ? await this.host.recordings.open(this, streamId, this.app, name, type) : undefined;
    if (recorder === 'refused') return;
    if (this.closed) return void recorder?.close();
    // Checked again: another publisher may have claimed the name while the hook ran.
    const live = this.host.registry.publish(this.app, name, { target: this, streamId, type });
    if (!live) {
      void recorder?.close(); // [record-vod]
      badName(`${name} is already being published`);
      return;
    }
    slot.publishing = live;
    slot.name = name;
    slot.recorder = recorder; // [record-vod]
    this.setState('publishing');
    this.sendStatus(streamId, statusInfo('status', StatusCode.PublishStart, `${name} is now published.`, { details: name }));
    recorder?.announce(); // [record-vod] NetStream.Record.Start
    this.host.notify('publish', this, name, type, info);
  }

  private stopPublishing(slot: StreamSlot): void {
    const live = slot.publishing;
    if (!live) return;
    slot.publishing = undefined;
    void slot.recorder?.close(); // [record-vod] the file is flushed and closed (Record.Stop)
    slot.recorder = undefined;
    this.host.registry.unpublish(live);
    this.host.notify('unpublish', this, live.name);
    this.settleState();
  }

  // --- NetStream: play -------------------------------------------------------------------------

  private async onPlay(cmd: CommandEvent, rawName: string, reset: unknown, start = -2): Promise<void> {
    const streamId = cmd.streamId;
    const { name, info } = parseStreamRequest(rawName);
    const slot = this.slot(streamId);
    const failed = (code: string, description: string): void =>
      this.sendStatus(streamId, statusInfo('error', code, description, { details: echoedName(name) }));
    const nameIssue = nameProblem(rawName, this.maxNameLength);
    if (nameIssue) {
      failed(StatusCode.PlayStreamNotFound, `invalid stream name: ${nameIssue}`);
      return;
    }
    if (!slot) {
      failed(StatusCode.PlayFailed, `no stream ${streamId} (createStream first)`);
      return;
    }
    if (slot.publishing) {
      failed(StatusCode.PlayFailed, `stream ${streamId} is publishing`);
      return;
    }
    if (!name) {
      failed(StatusCode.PlayStreamNotFound, 'a stream name is required');
      return;
    }
    try {
      await this.host.hooks.onPlay?.(this, name, info);
    } catch (err) {
      failed(refusalCode(err, StatusCode.PlayFailed), refusalDescription(err, 'Playing refused.'));
      return;
    }
    if (this.closed) return;
    // [record-vod] A file in vodDir plays unless the name is live (lib/server/vod.ts); a refusal sent its status.
    void slot.vod?.stop();
    slot.vod = undefined;
    const vod = this.host.vod && !this.host.registry.isPublished(this.app, name)
      ? await this.host.vod.play(this, this.app, name, streamId, { reset: reset !== false && reset !== 0, start })
      : undefined;
    if (vod === 'refused') return;
    if (this.closed) return void vod?.stop();
    if (vod) {
      if (slot.playing) this.host.registry.unsubscribe(slot.playing);
      Object.assign(slot, { playing: undefined, vod, name });
      this.setState('playing');
      this.host.notify('play', this, name, info);
      return;
    }
    // play on a stream that already plays switches it to the new name.
    if (slot.playing) this.host.registry.unsubscribe(slot.playing);
    const player = new Subscriber(this, streamId, StreamRegistry.key(this.app, name), this.host.settings.maxPlayerBacklog);
    slot.playing = player;
    slot.name = name;
    this.setState('playing');
    // Stream Begin, Play.Reset, Play.Start, |RtmpSampleAccess, then the media, all on the player's stream.
    sendStreamEvent(this, 'StreamBegin', streamId);
    if (reset !== false && reset !== 0) {
      this.sendStatus(streamId, statusInfo('status', StatusCode.PlayReset, `Playing and resetting ${name}.`, { details: name }));
    }
    this.sendStatus(streamId, statusInfo('status', StatusCode.PlayStart, `Started playing ${name}.`, { details: name }));
    this.send({ kind: 'data', streamId, timestamp: 0, name: '|RtmpSampleAccess', values: [true, true] });
    this.host.registry.subscribe(this.app, name, player);
    this.host.notify('play', this, name, info);
  }

  private onReceive(cmd: CommandEvent): void {
    const vod = this.slots.get(cmd.streamId)?.vod; // [record-vod]
    const { on } = decodeReceive(cmd);
    if (vod) return void (cmd.name === 'receiveAudio' ? (vod.receiveAudio = on) : (vod.receiveVideo = on));
    const player = this.slots.get(cmd.streamId)?.playing;
    if (!player) return;
    if (cmd.name === 'receiveAudio') player.receiveAudio = on;
    else {
      if (on && !player.receiveVideo) player.needVideoKeyframe = true;
      player.receiveVideo = on;
    }
  }

  /** Pausing a live stream stops delivery; unpausing resumes at the live point from a keyframe. */
  private onPause(cmd: CommandEvent): void {
    const slot = this.slots.get(cmd.streamId);
    const pause = decodePause(cmd).paused;
    if (slot?.vod) return slot.vod.pause(pause); // [record-vod]
    const player = slot?.playing;
    if (!player) return;
    const name = slot.name!;
    player.paused = pause;
    if (pause) {
      sendStreamEvent(this, 'StreamEOF', cmd.streamId);
      this.sendStatus(cmd.streamId, statusInfo('status', StatusCode.PauseNotify, `Pausing ${name}.`, { details: name }));
    } else {
      player.needVideoKeyframe = true;
      sendStreamEvent(this, 'StreamBegin', cmd.streamId);
      this.sendStatus(cmd.streamId, statusInfo('status', StatusCode.UnpauseNotify, `Unpausing ${name}.`, { details: name }));
    }
  }

  /** A live stream cannot seek: the answer is Seek.Notify and playback goes on from the next keyframe. */
  private onSeek(cmd: CommandEvent): void {
    const slot = this.slots.get(cmd.streamId);
    if (slot?.vod) return slot.vod.seek(decodeSeek(cmd).milliseconds); // [record-vod]
    const player = slot?.playing;
    if (!player) return;
    player.needVideoKeyframe = true;
    this.sendStatus(
      cmd.streamId,
      statusInfo('status', StatusCode.SeekNotify, `Seeking ${slot.name}: a live stream plays on from the live point.`, { details: slot.name }),
    );
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
    if (!slot) return;
    this.stopPublishing(slot);
    if (slot.playing) {
      this.host.registry.unsubscribe(slot.playing);
      slot.playing = undefined;
      this.settleState();
    }
    if (slot.vod) {
      void slot.vod.stop(); // [record-vod] closes the file
      slot.vod = undefined;
      this.settleState();
    }
  }

  private settleState(): void {
    if (this.closed || this.state === 'closing') return;
    const slots = [...this.slots.values()];
    if (slots.some((s) => s.publishing)) this.setState('publishing');
    else if (slots.some((s) => s.playing || s.vod /* [record-vod] */)) this.setState('playing');
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
