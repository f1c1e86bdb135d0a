/**
 * `Client`: an RTMP client (publisher or player) with the seed's API in TypeScript idioms.
 *
 * States (`client.state`, 'state' events):
 *
 *   disconnected ─connect()─▶ handshaking ─S2─▶ connecting ─connect _result─▶ connected
 *   connected ─publish()─▶ publishing        connected ─play()/subscribe()─▶ subscribing
 *   any ─close()─▶ disconnected              any ─socket error, refusal, timeout─▶ error
 *
 * A failed connect() leaves `error` (or `disconnected` when the caller aborted it); connect() may
 * be called again from either. The pipelines, acknowledgements, pings and timeouts are
 * `RtmpConnection`'s; this file adds the client's side of the NetConnection/NetStream commands.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { ecmaArray } from '../amf/index.js';
import { StreamType, enhancedFields, parseEnhancedCapabilities, type EnhancedCapabilities, type CommandEvent, type RtmpEvent, CommandEncoder } from '../command/index.js';
import {
  StatusCode,
  answerCall,
  asStatusInfo,
  decodeCreateStreamResult,
  decodeErrorInfo,
  decodeOnStatus,
  decodeReplyInfo,
  encodeConnect,
  encodeCreateStream,
  encodeDeleteStream,
  encodeFCPublish,
  encodeFCUnpublish,
  encodePause,
  encodePlay,
  encodePublish,
  encodeReleaseStream,
  encodeSeek,
  statusInfo,
  type CommandBody,
} from '../command/index.js';
import { CommandError, ErrorCode, SessionError, isRtmpError } from '../errors.js';
import { performClientHandshake, type HandshakeScheme } from '../handshake/index.js';
import { silentLogger, type Logger } from '../logger.js';
import { clientSeedAliases, installSeedAliases, type ClientSeedAliases } from '../seed-aliases.js';
import { type Message, MessageType } from '../message/index.js';
import { RtmpConnection, messageToEvent, type ConnectionLimits, type ConnectionOptions, boundedClose, type CloseOptions, type Boundary, type Direction, type StageSplices } from '../session/index.js';
import { nextAuthStep, withQuery, type AuthStep } from './adobe-auth.js';
import { parseRtmpUrl, type RtmpUrl } from './url.js';
import { isOnStream, playbackEndOf, type PlaybackEnd, type PlaybackEndReason } from './playback.js';

/** The seed's ClientState values. */
export const ClientState = {
  Disconnected: 'disconnected',
  Handshaking: 'handshaking',
  Connecting: 'connecting',
  Connected: 'connected',
  Publishing: 'publishing',
  Subscribing: 'subscribing',
  Error: 'error',
} as const;
export type ClientState = (typeof ClientState)[keyof typeof ClientState];


export interface ClientConfig {
  /** ms for TCP connect + handshake + the connect command's answer. 0 = none. Default 30,000. */
  connectTimeout?: number;
  /** ms without a byte from the server before we ping it; twice that closes. 0 = never. Default 30,000. */
  readTimeout?: number;
  /** ms a pending write may make no progress before the connection closes. 0 = never. Default 30,000. */
  writeTimeout?: number;
  /** ms to wait for the answer to createStream/publish/play/call. 0 = forever. Default 30,000. */
  commandTimeout?: number;
  /** Chunk size we send with, announced after connect. Default 4096. */
  chunkSize?: number;
  /** When set, sent to the server as Window Acknowledgement Size after connect. */
  windowAckSize?: number;
  /** Overrides the app taken from the URL (the URL's path is then the stream name). */
  appName?: string;
  /** Stream name publish()/play() use when called without one and the URL has none. */
  streamName?: string;
  /** Credentials for Adobe authentication (the URL's user info is used when these are absent). */
  username?: string;
  password?: string;
  /** 0 (AMF0, default) or 3: asks the server for AMF3 commands (sent as `objectEncoding` in connect). */
  objectEncoding?: 0 | 3;
  /** Handshake scheme: 'digest' (default, like Flash Player 9+ and ffmpeg) or 'simple'. */
  handshake?: HandshakeScheme;
  /** `flashVer` in connect. Default "FMLE/3.0 (compatible; rtmp-pipeline)". */
  flashVer?: string;
  /** Extra fields merged into the connect command object (swfUrl, pageUrl, supportsGoAway...). */
  connectFields?: Record<string, unknown>;
  /**
   * Enhanced RTMP v2 fields sent in connect (fourCcList, videoFourCcInfoMap, audioFourCcInfoMap,
   * capsEx; see FourCcInfoMask and CapsExMask). The server's answer is `client.serverCapabilities`.
   */
  enhanced?: EnhancedCapabilities;
  /** Playback buffer announced with Set Buffer Length after play, ms. Default 3000. */
  bufferLength?: number;
  /** TLS options for rtmps:// (ca, rejectUnauthorized, servername, cert, key...). */
  tls?: TlsConnectionOptions;
  /** User stages spliced into the pipelines at connect (see README, "Splicing"). */
  stages?: { inbound?: StageSplices; outbound?: StageSplices };
  limits?: ConnectionLimits;
  /** Received events held for readMessage()/iteration before reading pauses. Default 256. */
  messageQueueSize?: number;
  highWaterMark?: number;
  logger?: Logger;
}

export interface ConnectOptions {
  /** Aborting rejects with `signal.reason` (AbortError / TimeoutError for AbortSignal.abort() / .timeout()). */
  signal?: AbortSignal;
}

export interface CommandOptions {
  /** Aborting rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** ms; overrides `commandTimeout` (0 = no limit). Rejects with ERR_COMMAND_TIMEOUT. */
  timeout?: number;
}

/** The Client's events, typed: a misspelled name or a wrong listener is a compile error. */
export interface ClientEvents {
  /** The state changed (see `ClientState`). */
  state: [state: ClientState];
  /** Every onStatus the server sends: its info object and the message stream it came on. */
  status: [info: ReceivedStatus, streamId: number];
  /** The played stream ended (Stream EOF, a Play.* end status, or the reader stopped); reads give null. */
  playEnd: [end: PlaybackEnd];
  /** The connection closed: the error that ended it, undefined for a clean end. */
  close: [err: Error | undefined];
}

export interface PlayOptions extends CommandOptions {
  /** Start time in seconds: -2 (default) live or recorded, -1 live only, >= 0 recorded from there. */
  start?: number;
  /** Seconds to play: -1 (until the end), 0 (a single frame), > 0. Sent only when given. */
  duration?: number;
  /** Flush any previous playlist. Sent only when given. */
  reset?: boolean;
  /**
   * Keep playing when the publisher stops (Stream EOF, Play.UnpublishNotify), for a live player
   * that should pick the stream up again when a publisher comes back. Default false: playback ends
   * there. Play.Stop, Play.Complete and the connection closing end it either way.
   */
  waitForPublisher?: boolean;
  /**
   * ms without media or data on the played stream after which playback ends (reason 'idle'),
   * for servers that never say a stream ended (node-media-server 4 keeps players waiting
   * silently). Counted from Play.Start; 0 or absent = never.
   */
  idleTimeout?: number;
}

/** Handles a server→client call; the return value becomes the `_result`, a throw the `_error`. */
export type ClientCommandHandler = (args: unknown[], command: CommandEvent) => unknown;

/** The `info` object of an onStatus (NetStream/NetConnection status). */
export interface ReceivedStatus {
  level?: string;
  code?: string;
  description?: string;
  [key: string]: unknown;
}

const DEFAULT_FLASH_VER = 'FMLE/3.0 (compatible; rtmp-pipeline)';
const DEFAULT_TIMEOUT = 30_000;
/** Chunk size the client announces after connect unless configured. */
export const DEFAULT_CLIENT_CHUNK_SIZE = 4096;
const noop = (): void => {};
/** Server calls that end a stream: passed to readers, never answered. */
const STREAM_TEARDOWN = new Set(['FCUnpublish', 'deleteStream', 'closeStream', 'FCUnsubscribe']);
/** Socket errors that only say the peer went away first (after its FIN): a normal end. */
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Fields of connect as Flash Player sends them (capability bitmasks are the values ffmpeg and Flash use). */
export function buildConnectObject(target: Pick<RtmpUrl, 'app' | 'tcUrl'>, config: ClientConfig): Record<string, unknown> {
  const object: Record<string, unknown> = {
    app: target.app,
    type: 'nonprivate',
    flashVer: config.flashVer ?? DEFAULT_FLASH_VER,
    tcUrl: target.tcUrl,
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  };
  if (config.objectEncoding === 3) object.objectEncoding = 3;
  const enhanced = config.enhanced ? enhancedFields(config.enhanced) : undefined;
  return { ...object, ...enhanced, ...config.connectFields };
}

/** What a request waits for, and the status code that answers it. */
const ANSWERS = {
  publish: StatusCode.PublishStart,
  play: StatusCode.PlayStart,
  seek: StatusCode.SeekNotify,
  pause: StatusCode.PauseNotify,
  unpause: StatusCode.UnpauseNotify,
} as const;
type StatusRequest = keyof typeof ANSWERS;

interface StatusWaiter {
  kind: StatusRequest;
  resolve(info: ReceivedStatus): void;
  reject(err: Error): void;
}

/** The client's side of one connection: routes what the server sends to the `Client` (internal). */
export class ClientConnection extends RtmpConnection {
  constructor(
    socket: Duplex,
    options: ConnectionOptions,
    private readonly owner: Client,
  ) {
    super(socket, options);
    socket.once('end', () => {
      this.peerEnded = true;
    });
  }

  /** The server has ended its side (FIN seen). */
  peerEnded = false;

  protected override handleEvent(event: RtmpEvent): void {
    this.owner.handleServerEvent(this, event);
  }

  /** Queue an event for readMessage()/iteration. */
  offer(event: RtmpEvent): void {
    this.enqueue(event);
  }

  announceWindow(size: number): void {
    this.sendWindowAckSize(size);
  }

  /** A received event as the raw message readMessage() gives. */
  toMessage(event: RtmpEvent): Message {
    return (this.commandEncoder ?? new CommandEncoder({ encoding: this.encoding })).encode(event);
  }
}

/** Queued after the last event of a playback: readers get null there (internal). */
interface PlaybackEndMark {
  kind: 'playbackEnd';
  generation: number;
}

function isEndMark(event: RtmpEvent | PlaybackEndMark): event is PlaybackEndMark {
  return event.kind === 'playbackEnd';
}

/** The stream being played and how its end is recognised. */
interface PlayingStream {
  id: number;
  name: string;
  waitForPublisher: boolean;
  paused: boolean;
  /** Media and data messages received: the idle check looks for no change. */
  received: number;
  idleTimer?: NodeJS.Timeout;
}

/** subscribe: the seed's name for play(), in lib/seed-aliases.ts. */
export interface Client extends ClientSeedAliases<PlayOptions> {}
export class Client extends EventEmitter<ClientEvents> {
  readonly config: ClientConfig;
  readonly logger: Logger;
  private stateValue: ClientState = ClientState.Disconnected;
  private conn?: ClientConnection;
  private target?: RtmpUrl;
  private connecting = false;
  private readonly handlers = new Map<string, ClientCommandHandler>();
  private readonly waiters = new Map<number, StatusWaiter>();
  private publishStream?: { id: number; name: string };
  private playStream?: PlayingStream;
  /** Id of the stream whose playback ended, until the next play(): its trailing events are dropped. */
  private endedStream?: number;
  /** Counts play() calls: a reader stops only at the end mark of the current playback. */
  private playGeneration = 0;
  /** A reader reached the end mark: reads give null until the next play(). */
  private readingEnded = false;
  private lastPlaybackEnd?: PlaybackEnd;
  private drainWait?: Promise<void>;
  private serverCaps?: EnhancedCapabilities;

  constructor(config: ClientConfig = {}) {
    super();
    this.config = config;
    this.logger = config.logger ?? silentLogger;
    if (config.objectEncoding !== undefined && config.objectEncoding !== 0 && config.objectEncoding !== 3) {
      throw new SessionError(ErrorCode.INVALID_OPTION, `objectEncoding must be 0 or 3, got ${String(config.objectEncoding)}`);
    }
  }

  get state(): ClientState {
    return this.stateValue;
  }

  private setState(state: ClientState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  /** The underlying connection (pipelines, negotiated state), once connect() has started it. */
  get connection(): RtmpConnection | undefined {
    return this.conn;
  }

  /** Where connect() went: host, port, app, tcUrl, stream name from the URL. */
  get url(): RtmpUrl | undefined {
    return this.target;
  }

  /**
   * What the server stated in its connect `_result` about Enhanced RTMP v2 (videoFourCcInfoMap,
   * audioFourCcInfoMap, capsEx, fourCcList); undefined before connect or from a legacy server.
   */
  get serverCapabilities(): EnhancedCapabilities | undefined {
    return this.serverCaps;
  }

  /** Message stream id of the stream we publish on, once publishing. */
  get publishStreamId(): number | undefined {
    return this.publishStream?.id;
  }

  /** Message stream id of the stream we play, once playing. */
  get playStreamId(): number | undefined {
    return this.playStream?.id;
  }

  /** How the last playback ended ('playEnd'), undefined before one has ended and while playing. */
  get playbackEnd(): PlaybackEnd | undefined {
    return this.lastPlaybackEnd;
  }

  // --- connect ---------------------------------------------------------------------------------

  /**
   * Open the connection: TCP (or TLS for rtmps://), handshake, `connect`, then our Set Chunk Size.
   * Rejects with CONNECT_REJECTED (the server's `_error`; `info` holds its object), CONNECT_TIMEOUT,
   * `signal.reason` (the signal aborted), INVALID_URL, or the socket/handshake error.
   */
  async connect(url: string, options: ConnectOptions = {}): Promise<void> {
    if (this.connecting || (this.conn && !this.conn.closed)) {
      throw new SessionError(ErrorCode.SESSION_STATE, `connect() needs a disconnected client (state ${this.state})`);
    }
    const target = parseRtmpUrl(url, { appName: this.config.appName });
    this.target = target;
    const credentials = {
      username: this.config.username ?? target.username,
      password: this.config.password ?? target.password,
    };
    this.connecting = true;
    const deadline = new Deadline(this.config.connectTimeout ?? DEFAULT_TIMEOUT, options.signal);
    try {
      let params: string | undefined;
      let tried = false;
      // At most three connects: bare, then the two Adobe authentication rounds.
      for (let attempt = 0; ; attempt++) {
        const refusal = await this.attempt(target, params, deadline.signal);
        if (!refusal) return;
        const description = typeof refusal.info?.description === 'string' ? refusal.info.description : '';
        let step: AuthStep | undefined = nextAuthStep(description, credentials, tried, undefined, target.app.split('?')[0]);
        if (step?.kind === 'retry' && attempt >= 2) step = { kind: 'fail', reason: 'authentication failed' };
        if (!step || step.kind === 'fail') {
          const why = step?.kind === 'fail' ? `: ${step.reason}` : '';
          throw new CommandError(
            ErrorCode.CONNECT_REJECTED,
            `server refused connect${description ? ` (${description})` : ''}${why}`,
            refusal.info,
          );
        }
        tried = step.params.includes('response=');
        params = step.params;
      }
    } catch (err) {
      this.conn?.destroy();
      this.setState(options.signal?.aborted ? ClientState.Disconnected : ClientState.Error);
      throw err;
    } finally {
      deadline.dispose();
      this.connecting = false;
    }
  }

  /** One connect: resolves undefined when accepted, or the refusal's info. */
  private async attempt(target: RtmpUrl, authParams: string | undefined, signal: AbortSignal): Promise<{ info?: ReceivedStatus } | undefined> {
    this.setState(ClientState.Handshaking);
    const socket = await openSocket(target, this.config.tls, signal);
    let handshake;
    try {
      handshake = await performClientHandshake(socket, { timeout: 0, signal, scheme: this.config.handshake ?? 'digest' });
    } catch (err) {
      socket.destroy();
      throw err;
    }
    const c = this.config;
    const conn = new ClientConnection(
      socket,
      {
        chunkSize: c.chunkSize,
        readTimeout: c.readTimeout,
        writeTimeout: c.writeTimeout,
        stages: c.stages,
        limits: c.limits,
        logger: this.logger,
        messageQueueSize: c.messageQueueSize,
        highWaterMark: c.highWaterMark,
      },
      this,
    );
    this.conn = conn;
    this.publishStream = undefined;
    this.playStream = undefined;
    conn.once('close', (err?: Error) => this.onConnectionClosed(conn, err));
    conn.start(handshake.rest);
    this.setState(ClientState.Connecting);
    const app = authParams ? withQuery(target.app, authParams) : target.app;
    const tcUrl = authParams ? withQuery(target.tcUrl, authParams) : target.tcUrl;
    const connectObject = buildConnectObject({ app, tcUrl }, c);
    this.logger.debug('rtmp client: connect', { app, tcUrl });
    this.serverCaps = undefined;
    try {
      const connect = encodeConnect(connectObject);
      const result = await withSignal(conn.call(connect.name, connect.commandObject, connect.args), signal);
      // Enhanced RTMP v2: the answer belongs in the properties object; some servers put it in the information object.
      this.serverCaps = parseEnhancedCapabilities(result.commandObject) ?? parseEnhancedCapabilities(decodeReplyInfo(result));
    } catch (err) {
      conn.destroy();
      if (isRtmpError(err, ErrorCode.COMMAND_FAILED)) return { info: asStatus((err as CommandError).info) };
      throw err;
    }
    if (c.windowAckSize !== undefined) conn.announceWindow(c.windowAckSize);
    const chunkSize = c.chunkSize ?? DEFAULT_CLIENT_CHUNK_SIZE;
    if (chunkSize !== 128) conn.setChunkSize(chunkSize);
    this.setState(ClientState.Connected);
    return undefined;
  }

  // --- streams -----------------------------------------------------------------------------------

  /**
   * Start publishing: releaseStream, FCPublish and createStream pipelined (as ffmpeg, OBS and
   * librtmp do), then publish on the new stream. Resolves with the message stream id on
   * NetStream.Publish.Start; rejects with PUBLISH_REJECTED on an error status or `_error`.
   */
  async publish(name?: string, type: StreamType = StreamType.Live, options: CommandOptions = {}): Promise<number> {
    const conn = this.requireConnected('publish');
    const streamName = this.resolveStreamName(name);
    if (type !== 'live' && type !== 'record' && type !== 'append') {
      throw new SessionError(ErrorCode.INVALID_OPTION, `publish type must be live, record or append, got ${String(type)}`);
    }
    // Servers may answer these with _error or not at all (ffmpeg tolerates both): never wait on them.
    callBody(conn, encodeReleaseStream({ name: streamName })).catch(noop);
    callBody(conn, encodeFCPublish({ name: streamName })).catch(noop);
    const streamId = await this.createStream(conn, options);
    const started = this.waitStatus(streamId, 'publish', options);
    // RTMP 1.0 §7.2.2.6: publish carries transaction id 0 and goes on the new stream.
    sendBody(conn, streamId, encodePublish({ name: streamName, type }));
    try {
      await started;
    } catch (err) {
      notifyBody(conn, encodeDeleteStream({ streamId }));
      throw err;
    }
    this.publishStream = { id: streamId, name: streamName };
    this.setState(ClientState.Publishing);
    return streamId;
  }

  /**
   * Start playing: createStream, play, Set Buffer Length. Resolves with the message stream id on
   * NetStream.Play.Start; rejects with PLAY_REJECTED on Play.StreamNotFound, Play.Failed or any
   * error status. From then on, read what arrives with readMessage() or `for await`.
   */
  async play(name?: string, options: PlayOptions = {}): Promise<number> {
    const conn = this.requireConnected('play');
    const streamName = this.resolveStreamName(name);
    // Keep what arrives from now on, so nothing between Play.Start and the first read is lost.
    conn.enableQueue();
    this.playGeneration++;
    this.readingEnded = false;
    this.endedStream = undefined;
    this.lastPlaybackEnd = undefined;
    const streamId = await this.createStream(conn, options);
    const started = this.waitStatus(streamId, 'play', options);
    // Known before Play.Start: media that follows it at once (on this id or on 0) is the stream's.
    const playing: PlayingStream = { id: streamId, name: streamName, waitForPublisher: options.waitForPublisher ?? false, paused: false, received: 0 };
    this.playStream = playing;
    const playCommand = encodePlay({ name: streamName, start: options.start, duration: options.duration, reset: options.reset });
    // Set Buffer Length goes before play: some servers (ffmpeg -listen) stop reading once play
    // arrives, and closing with unread bytes makes their kernel reset the connection, dropping the
    // tail of the stream they had already written.
    conn.send({
      kind: 'userControl',
      streamId: 0,
      timestamp: 0,
      event: { event: 'SetBufferLength', streamId, bufferLength: this.config.bufferLength ?? 3000 },
    });
    // RTMP 1.0 §7.2.2.1: play carries transaction id 0.
    sendBody(conn, streamId, playCommand);
    try {
      await started;
    } catch (err) {
      if (this.playStream === playing) this.playStream = undefined;
      notifyBody(conn, encodeDeleteStream({ streamId }));
      throw err;
    }
    if (this.playStream !== playing) {
      // Ended between Play.Start and here (a very short file): reading ends at once.
      return streamId;
    }
    if (options.idleTimeout && options.idleTimeout > 0) this.watchIdle(conn, playing, options.idleTimeout);
    this.setState(ClientState.Subscribing);
    return streamId;
  }

  private async createStream(conn: ClientConnection, options: CommandOptions): Promise<number> {
    const reply = await withSignal(
      callBody(conn, encodeCreateStream(), { timeout: options.timeout ?? this.config.commandTimeout ?? DEFAULT_TIMEOUT }),
      options.signal,
    );
    const id = decodeCreateStreamResult(reply);
    if (id === undefined) {
      const answered = decodeReplyInfo(reply);
      throw new CommandError(ErrorCode.COMMAND_FAILED, `createStream answered with no stream id (${JSON.stringify(answered)})`, answered);
    }
    return id;
  }

  /**
   * Seek the stream being played to `milliseconds` (RTMP 1.0 §7.2.2.7); resolves with the
   * NetStream.Seek.Notify status. A server seeks a file to the keyframe at or before the target.
   */
  seek(milliseconds: number, options: CommandOptions = {}): Promise<ReceivedStatus> {
    return this.playRequest('seek', encodeSeek({ milliseconds }), options);
  }

  /**
   * Pause (true) or resume (false) the stream being played (RTMP 1.0 §7.2.2.8); `position` is the
   * playback time in ms the server resumes from. Resolves with Pause.Notify / Unpause.Notify.
   */
  pause(paused = true, position = 0, options: CommandOptions = {}): Promise<ReceivedStatus> {
    return this.playRequest(paused ? 'pause' : 'unpause', encodePause({ paused, position }), options);
  }

  private async playRequest(kind: 'seek' | 'pause' | 'unpause', command: CommandBody, options: CommandOptions): Promise<ReceivedStatus> {
    const conn = this.requireOpen(kind);
    const stream = this.playStream;
    if (!stream) throw new SessionError(ErrorCode.SESSION_STATE, `${kind}() needs a stream being played`);
    const answered = this.waitStatus(stream.id, kind, options);
    // Servers send Stream EOF before Pause.Notify: that EOF is the pause's, not the stream's end.
    if (kind !== 'seek') stream.paused = kind === 'pause';
    sendBody(conn, stream.id, command);
    return answered;
  }

  private waitStatus(streamId: number, kind: StatusRequest, options: CommandOptions): Promise<ReceivedStatus> {
    const timeout = options.timeout ?? this.config.commandTimeout ?? DEFAULT_TIMEOUT;
    const promise = new Promise<ReceivedStatus>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        if (this.waiters.get(streamId) === waiter) this.waiters.delete(streamId);
      };
      const waiter: StatusWaiter = {
        kind,
        resolve: (info) => {
          done();
          resolve(info);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.waiters.set(streamId, waiter);
      if (timeout > 0) {
        timer = setTimeout(
          () => waiter.reject(new CommandError(ErrorCode.COMMAND_TIMEOUT, `no ${kind} status from the server within ${timeout} ms`)),
          timeout,
        );
      }
    });
    return withSignal(promise, options.signal);
  }

  // --- sending -----------------------------------------------------------------------------------

  /**
   * The seed's WriteMessage: send a raw message. Audio, video and data messages on message stream 0
   * (never valid for media, RTMP 1.0 §7.1) go on the publish stream instead. Resolves when the
   * pipeline can take more (backpressure).
   */
  async writeMessage(message: Message): Promise<void> {
    const conn = this.requireOpen('writeMessage');
    const isStreamData =
      message.type === MessageType.Audio ||
      message.type === MessageType.Video ||
      message.type === MessageType.DataAMF0 ||
      message.type === MessageType.DataAMF3;
    if (isStreamData && message.messageStreamId === 0 && this.publishStream) {
      message = { ...message, messageStreamId: this.publishStream.id };
    }
    await this.sendWithBackpressure(conn, messageToEvent(message));
  }

  /** Send an audio message (FLV AUDIODATA body) on the publish stream. */
  writeAudio(payload: Buffer, timestamp: number): Promise<void> {
    return this.sendOnPublishStream({ kind: 'audio', streamId: 0, timestamp, payload });
  }

  /** Send a video message (FLV VIDEODATA body) on the publish stream. */
  writeVideo(payload: Buffer, timestamp: number): Promise<void> {
    return this.sendOnPublishStream({ kind: 'video', streamId: 0, timestamp, payload });
  }

  /** Send `@setDataFrame("onMetaData", <ECMA array>)` on the publish stream, as OBS and ffmpeg do. */
  writeMetadata(metadata: Record<string, unknown>, timestamp = 0): Promise<void> {
    return this.sendOnPublishStream({
      kind: 'data',
      streamId: 0,
      timestamp,
      name: '@setDataFrame',
      values: ['onMetaData', ecmaArray({ ...metadata })],
    });
  }

  /** Send any event (media, data, command...) on the publish stream, with backpressure. */
  async sendOnPublishStream(event: RtmpEvent): Promise<void> {
    const conn = this.requireOpen('write');
    if (!this.publishStream) throw new SessionError(ErrorCode.SESSION_STATE, `writing media needs a publishing client (state ${this.state})`);
    await this.sendWithBackpressure(conn, { ...event, streamId: this.publishStream.id });
  }

  /** Send; when the pipeline is full, wait for its drain (one shared wait for all writers). */
  private async sendWithBackpressure(conn: ClientConnection, event: RtmpEvent): Promise<void> {
    if (conn.send(event)) return;
    if (conn.closed) throw new SessionError(ErrorCode.SESSION_CLOSED, 'connection is closed');
    this.drainWait ??= conn.drained().finally(() => {
      this.drainWait = undefined;
    });
    await this.drainWait;
  }

  // --- RPC ---------------------------------------------------------------------------------------

  /**
   * Call a method on the server (NetConnection.call) with `args`: resolves with its `_result`
   * command event (`args[0]` is usually the return value); rejects with COMMAND_FAILED on `_error`
   * (the error's `info` is the server's object), COMMAND_TIMEOUT after `options.timeout` (default
   * `commandTimeout`), or `signal.reason` when `options.signal` aborts.
   */
  call(name: string, args: unknown[] = [], options: CommandOptions = {}): Promise<CommandEvent> {
    let conn: ClientConnection;
    try {
      if (!Array.isArray(args)) throw new SessionError(ErrorCode.INVALID_OPTION, 'call(name, args, options): args must be an array');
      conn = this.requireOpen('call');
    } catch (err) {
      return Promise.reject(err);
    }
    return conn.call(name, null, args, { timeout: options.timeout ?? this.config.commandTimeout ?? DEFAULT_TIMEOUT, signal: options.signal });
  }

  /** Answer server→client calls named `name` (custom RPC). Replaces an earlier handler. */
  registerCommand(name: string, handler: ClientCommandHandler): void {
    this.handlers.set(name, handler);
  }

  unregisterCommand(name: string): void {
    this.handlers.delete(name);
  }

  // --- receiving ---------------------------------------------------------------------------------

  /**
   * The seed's ReadMessage: next message from the server (media, data, commands); null once the
   * played stream has ended (see 'playEnd') or the connection has closed.
   */
  async readMessage(): Promise<Message | null> {
    const conn = this.conn;
    const event = await this.readEvent();
    return event && conn ? conn.toMessage(event) : null;
  }

  /** Next received event (typed); null once the played stream has ended or the connection has closed. */
  async readEvent(): Promise<RtmpEvent | null> {
    const conn = this.conn;
    if (!conn) return null;
    for (;;) {
      if (this.readingEnded) return null;
      let event: RtmpEvent | PlaybackEndMark | null;
      try {
        event = (await conn.readEvent()) as RtmpEvent | PlaybackEndMark | null;
      } catch (err) {
        return this.endOfReading(conn, err);
      }
      if (event === null || !isEndMark(event)) return event;
      // Marks of an earlier playback (a play() came after it) are passed over.
      if (event.generation === this.playGeneration && conn === this.conn) this.readingEnded = true;
    }
  }

  /** A read that fails because the server closed first ends the reading cleanly (null). */
  private endOfReading(conn: ClientConnection, err: unknown): null {
    if (conn.peerEnded && PEER_GONE.has((err as { code?: string })?.code ?? '')) return null;
    throw err;
  }

  /**
   * Iteration over received messages; it finishes when the played stream ends or the connection
   * closes. Leaving it early (break, a throw, an aborted `pipeline()`) stops the stream being played.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this.readAll(() => this.readMessage());
  }

  /** Async iteration over typed events (finishes and stops as `[Symbol.asyncIterator]` does). */
  events(): AsyncIterableIterator<RtmpEvent> {
    return this.readAll(() => this.readEvent());
  }

  /**
   * An iterator over `read()` until null. Not an async generator: a generator's return() waits for
   * the pending next() (a read that may never come); this one stops the stream at once, which also
   * ends the pending read.
   */
  private readAll<T>(read: () => Promise<T | null>): AsyncIterableIterator<T> {
    let done = false;
    const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
    const stop = (): void => {
      if (done) return;
      done = true;
      this.stopPlaying();
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async () => {
        if (done) return end;
        let item: T | null;
        try {
          item = await read();
        } catch (err) {
          stop();
          throw err;
        }
        if (item === null || done) {
          done = true;
          return end;
        }
        return { done: false, value: item };
      },
      return: async () => {
        stop();
        return end;
      },
      throw: async (err: unknown) => {
        stop();
        throw err;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Stop the stream being played (deleteStream), keeping the connection: reads end, 'playEnd'
   * fires with reason 'stopped'. Does nothing when nothing plays.
   */
  stopPlaying(): void {
    const conn = this.conn;
    const playing = this.playStream;
    if (!conn || conn.closed || !playing) return;
    this.endPlayback(conn, { reason: 'stopped', streamId: playing.id });
  }

  /** Ends playback when nothing arrives on the stream for `idleTimeout` ms (checked a few times per period). */
  private watchIdle(conn: ClientConnection, playing: PlayingStream, idleTimeout: number): void {
    let seen = playing.received;
    let quietSince = Date.now();
    playing.idleTimer = setInterval(
      () => {
        if (this.playStream !== playing || conn.closed) {
          clearInterval(playing.idleTimer);
          return;
        }
        if (playing.received !== seen || playing.paused) {
          seen = playing.received;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= idleTimeout) {
          this.endPlayback(conn, { reason: 'idle', streamId: playing.id });
        }
      },
      Math.max(10, Math.min(1000, idleTimeout / 4)),
    );
    playing.idleTimer.unref();
  }

  /** The played stream ended: release it, let readers finish, tell listeners. */
  private endPlayback(conn: ClientConnection, end: PlaybackEnd): void {
    const playing = this.playStream;
    if (!playing || playing.id !== end.streamId) return;
    if (playing.idleTimer) clearInterval(playing.idleTimer);
    this.playStream = undefined;
    this.endedStream = end.streamId;
    this.lastPlaybackEnd = end;
    const waiter = this.waiters.get(end.streamId);
    if (waiter?.kind === 'play') {
      waiter.reject(new CommandError(ErrorCode.PLAY_REJECTED, `the stream ended before Play.Start (${end.reason})`));
    } else waiter?.reject(new SessionError(ErrorCode.SESSION_STATE, `the stream ended (${end.reason})`));
    // The server may keep a player subscribed (waiting for a next publisher): release it.
    notifyBody(conn, encodeDeleteStream({ streamId: end.streamId }));
    conn.offer({ kind: 'playbackEnd', generation: this.playGeneration } as PlaybackEndMark as unknown as RtmpEvent);
    if (this.state === ClientState.Subscribing) this.setState(this.publishStream ? ClientState.Publishing : ClientState.Connected);
    this.emit('playEnd', end);
  }

  /** Called by the connection for every event RtmpConnection does not consume itself. */
  handleServerEvent(conn: ClientConnection, event: RtmpEvent): void {
    if (conn !== this.conn) return;
    const playing = this.playStream;
    let ended: PlaybackEndReason | undefined;
    if (playing) {
      // node-media-server sends the played stream's media on message stream 0.
      if (event.kind === 'audio' || event.kind === 'video' || event.kind === 'data') {
        if (event.streamId === 0) event.streamId = playing.id;
        if (event.streamId === playing.id) playing.received++;
      }
      ended = playbackEndOf(event, playing);
    } else if (this.endedStream !== undefined && this.isTrailing(event, this.endedStream)) {
      // What a server still sends for a stream whose playback ended (Stream EOF after Play.Stop...).
      if (event.kind === 'command' && event.name === 'onStatus') this.emit('status', decodeOnStatus(event), event.streamId);
      return;
    }
    this.routeServerEvent(conn, event);
    if (ended && playing) this.endPlayback(conn, { reason: ended, streamId: playing.id });
  }

  private isTrailing(event: RtmpEvent, streamId: number): boolean {
    if (event.kind === 'command') return event.name === 'onStatus' && (event.streamId === streamId || event.streamId === 0) && isPlayStatus(decodeOnStatus(event));
    if (event.kind === 'audio' || event.kind === 'video' || event.kind === 'data') return event.streamId === streamId || event.streamId === 0;
    return isOnStream(event, streamId);
  }

  private routeServerEvent(conn: ClientConnection, event: RtmpEvent): void {
    if (event.kind === 'protocolControl') return;
    if (event.kind === 'userControl') {
      if (event.event.event !== 'PingRequest' && event.event.event !== 'PingResponse') conn.offer(event);
      return;
    }
    if (event.kind !== 'command') {
      conn.offer(event);
      return;
    }
    switch (event.name) {
      case 'onStatus':
        this.onStatus(event);
        conn.offer(event);
        return;
      case '_error':
      case '_result':
        // An answer to no pending call: a server that answers publish/play (transaction 0) this way.
        if (event.name === '_error') this.failWaiter(event.streamId, asStatus(decodeErrorInfo(event)));
        conn.offer(event);
        return;
      case 'onBWDone':
        // ffmpeg's listen mode and FMS send it after connect; clients answer with _checkbw.
        if (!this.handlers.has('onBWDone')) {
          conn.call('_checkbw').catch(noop);
          return;
        }
        break;
      default:
        break;
    }
    const handler = this.handlers.get(event.name);
    if (handler) {
      this.runHandler(conn, handler, event);
      return;
    }
    // ffmpeg in listen mode ends a stream it served by calling these on us and closing at once:
    // an `_error` answer would only race the close (EPIPE). Readers still see them.
    if (event.transactionId > 0 && !STREAM_TEARDOWN.has(event.name)) {
      conn.reply(event, null, statusInfo('error', StatusCode.CallFailed, `Method not found (${event.name})`), true);
      return;
    }
    conn.offer(event);
  }

  private runHandler(conn: ClientConnection, handler: ClientCommandHandler, event: CommandEvent): void {
    void answerCall(event, () => handler(event.args, event), conn, {
      errorInfo: (err) => statusInfo('error', StatusCode.CallFailed, err instanceof Error ? err.message : String(err)),
      isOpen: () => !conn.closed,
    });
  }

  private onStatus(event: CommandEvent): void {
    const info: ReceivedStatus = decodeOnStatus(event);
    this.emit('status', info, event.streamId);
    const code = info.code ?? '';
    const waiter = this.waiterFor(event.streamId);
    if (!waiter) return;
    if (info.level === 'error' || /\.(BadName|Denied|Failed|StreamNotFound|Rejected)$/.test(code)) {
      this.failWaiter(event.streamId, info);
    } else if (code === ANSWERS[waiter.kind]) {
      waiter.resolve(info);
    }
  }

  /** The waiter on `streamId`; status on stream 0 goes to the only waiter (some servers send it there). */
  private waiterFor(streamId: number): StatusWaiter | undefined {
    const waiter = this.waiters.get(streamId);
    if (waiter || streamId !== 0 || this.waiters.size !== 1) return waiter;
    return this.waiters.values().next().value;
  }

  private failWaiter(streamId: number, info: ReceivedStatus): void {
    const waiter = this.waiterFor(streamId);
    if (!waiter) return;
    const code =
      waiter.kind === 'publish' ? ErrorCode.PUBLISH_REJECTED : waiter.kind === 'play' ? ErrorCode.PLAY_REJECTED : ErrorCode.COMMAND_FAILED;
    const what = [info.code, info.description].filter(Boolean).join(': ');
    waiter.reject(new CommandError(code, `server refused ${waiter.kind}${what ? ` (${what})` : ''}`, info));
  }

  // --- closing -----------------------------------------------------------------------------------

  /**
   * Close: FCUnpublish and deleteStream when publishing (deleteStream when playing), flush what is
   * queued, end the connection. Resolves once the socket has closed; at `timeout` ms (default
   * 5000; 0 = no deadline) it is destroyed instead; aborting `signal` destroys it at once and
   * rejects with `signal.reason`.
   */
  close(options?: CloseOptions): Promise<void> {
    return boundedClose(() => this.closeGracefully(), () => this.conn?.destroy(), options);
  }

  private async closeGracefully(): Promise<void> {
    const conn = this.conn;
    if (!conn || conn.closed) {
      this.setState(ClientState.Disconnected);
      return;
    }
    if (this.publishStream) {
      callBody(conn, encodeFCUnpublish({ name: this.publishStream.name })).catch(noop);
      notifyBody(conn, encodeDeleteStream({ streamId: this.publishStream.id }));
    } else if (this.playStream) {
      notifyBody(conn, encodeDeleteStream({ streamId: this.playStream.id }));
      // What the server still sends until the close completes is the ended stream's trailer: not
      // routed to readers (media on stream 0 would reach them unmapped).
      this.endedStream = this.playStream.id;
    }
    this.publishStream = undefined;
    this.playStream = undefined;
    await conn.close({ timeout: 0 }); // the deadline is close()'s
    this.setState(ClientState.Disconnected);
  }

  /** Close at once without the goodbye commands. */
  destroy(err?: Error): void {
    this.conn?.destroy(err);
  }

  /** Splice a user stage into the live connection (see README, "Splicing"). */
  splice(direction: Direction, boundary: Boundary, stage: Duplex): void {
    if (!this.conn || this.conn.closed) throw new SessionError(ErrorCode.SESSION_STATE, 'splice() needs a connected client');
    this.conn.splice(direction, boundary, stage);
  }

  private onConnectionClosed(conn: ClientConnection, err: Error | undefined): void {
    if (conn !== this.conn) return;
    if (err && conn.peerEnded && PEER_GONE.has((err as { code?: string }).code ?? '')) err = undefined;
    const closed = err ?? new SessionError(ErrorCode.SESSION_CLOSED, 'connection closed');
    for (const waiter of [...this.waiters.values()]) waiter.reject(closed);
    this.waiters.clear();
    this.publishStream = undefined;
    this.playStream = undefined;
    // A connection that ends inside connect() (a refusal, an auth round) is connect()'s to report.
    if (this.connecting) return;
    this.setState(err ? ClientState.Error : ClientState.Disconnected);
    this.emit('close', err);
  }

  private requireOpen(what: string): ClientConnection {
    const conn = this.conn;
    if (!conn || conn.closed || this.connecting) {
      throw new SessionError(ErrorCode.SESSION_STATE, `${what}() needs a connected client (state ${this.state})`);
    }
    return conn;
  }

  private requireConnected(what: string): ClientConnection {
    const conn = this.requireOpen(what);
    if (this.state !== ClientState.Connected) {
      throw new SessionError(ErrorCode.SESSION_STATE, `${what}() needs state connected (state ${this.state})`);
    }
    return conn;
  }

  private resolveStreamName(name: string | undefined): string {
    const resolved = name ?? (this.target?.streamName || this.config.streamName);
    if (!resolved) throw new SessionError(ErrorCode.INVALID_OPTION, 'no stream name: pass one, put it in the URL, or set config.streamName');
    return resolved;
  }
}

/** A NetStream.Play.* status (what a server says about a stream it plays). */
function isPlayStatus(value: unknown): boolean {
  const code = asStatus(value).code;
  return typeof code === 'string' && code.startsWith('NetStream.Play.');
}

function asStatus(value: unknown): ReceivedStatus {
  return asStatusInfo(value);
}

/** A NetConnection call of the command contract (lib/command): `_result` or `_error` answers it. */
function callBody(conn: ClientConnection, body: CommandBody, options?: { timeout?: number }): Promise<CommandEvent> {
  return conn.call(body.name, body.commandObject, body.args, options);
}

/** A command of the contract sent as a notification (transaction id 0) on stream 0. */
function notifyBody(conn: ClientConnection, body: CommandBody): boolean {
  return conn.notify(body.name, body.commandObject, body.args);
}

/** A NetStream command of the contract (RTMP 1.0 §7.2.2: transaction id 0) on `streamId`. */
function sendBody(conn: ClientConnection, streamId: number, body: CommandBody): boolean {
  return conn.send({ kind: 'command', streamId, timestamp: 0, transactionId: 0, ...body });
}

/** connectTimeout and the caller's signal as one signal whose reason is our error. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer?: NodeJS.Timeout;
  private readonly outer?: AbortSignal;
  private readonly onOuterAbort = (): void => {
    this.controller.abort(this.outer?.reason);
  };

  constructor(timeout: number, outer: AbortSignal | undefined) {
    this.outer = outer;
    if (outer?.aborted) this.onOuterAbort();
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    if (timeout > 0 && Number.isFinite(timeout)) {
      this.timer = setTimeout(() => {
        this.controller.abort(new SessionError(ErrorCode.CONNECT_TIMEOUT, `connect not completed within ${timeout} ms`));
      }, timeout);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

/** `promise`, or a rejection with `signal.reason` on abort (as Node core does). */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const reason = (): unknown => signal.reason;
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

installSeedAliases(Client.prototype, clientSeedAliases);

/** TCP, or TLS for rtmps://; resolves once connected (TLS: once the handshake is done). */
function openSocket(target: RtmpUrl, tls: TlsConnectionOptions | undefined, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket: Socket =
      target.scheme === 'rtmps'
        ? tlsConnect({
            host: target.host,
            port: target.port,
            // SNI takes host names only (RFC 6066 §3).
            ...(isIP(target.host) ? {} : { servername: target.host }),
            ...tls,
          })
        : netConnect({ host: target.host, port: target.port });
    const ready = target.scheme === 'rtmps' ? 'secureConnect' : 'connect';
    const cleanup = (): void => {
      socket.off(ready, onReady);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(new SessionError(ErrorCode.SESSION_CLOSED, `cannot connect to ${target.host}:${target.port}: ${err.message}`, { cause: err }));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    socket.once(ready, onReady);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
