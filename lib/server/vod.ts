/**
 * Video on demand: `play(name)` of `<vodDir>/<app>/<name>.flv` (also `flv:name` and `name.flv`)
 * when nobody publishes `app/name` live (a live stream of the same name wins; a player that
 * arrives before its publisher and finds no file waits for the publisher as before).
 *
 * - Opening scans the file's tag headers once (`indexFlvFile`, cached per path while its size and
 *   mtime stay the same): the seek points (video keyframes), the duration, where the tags end.
 * - Playback streams the file: tags are read in order through a bounded read-ahead window, never
 *   the whole file. The pace is real time by default (`vodPace: 'realtime'`): a tag goes out once
 *   its timestamp minus the start timestamp is within `vodLead` ms (default 500, the player's
 *   buffer) of the wall time elapsed, with one timer at a time and no polling; `'fast'` sends as
 *   fast as the player takes it. Either way a player that does not keep up holds the reading
 *   (the outbound pipeline's backpressure and `limits.maxPlayerBacklog`), nothing is dropped.
 * - Statuses as Flash Media Server sends them, on the player's message stream: Stream Begin,
 *   Play.Reset, Play.Start, `|RtmpSampleAccess`, then the file's tags. `seek(ms)`: Seek.Notify then
 *   Play.Start, then onMetaData and the sequence headers in force there, then media from the last
 *   keyframe at or before the target. `pause(true|false)`: Pause.Notify (with Stream EOF) and
 *   Unpause.Notify (with Stream Begin); the pacing clock stops and resumes, media goes on from
 *   where it stopped. At the end: the `onPlayStatus` data message `{ code: 'NetStream.Play.Complete',
 *   duration, bytes }`, Stream EOF, then onStatus Play.Stop. A seek after the end plays again.
 * - `play(name, start)`: start -1 is live only (no file), start >= 0 starts at that position.
 *   `getStreamLength(name)` answers the duration in seconds (onMetaData's, else the timestamp span).
 * - Refusals: a name that cannot be a file name (see safe-path.ts) is `NetStream.Play.StreamNotFound`
 *   unless it is live; a file that is not FLV is `NetStream.Play.Failed`.
 */
import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { RtmpEvent } from '../command/index.js';
import { logValue, silentLogger, type Logger } from '../logger.js';
import { decodeData } from '../message/index.js';
import { FlvTagType } from '../flv/index.js';
import { flvDuration, FlvTagReader, indexFlvFile, readTagAt, seekPointAtOrBefore, type FileTag, type FlvFileIndex } from './flv-file.js';
import { mediaFilePath, openBelow } from './safe-path.js';
import { StatusCode, statusInfo, type StatusInfo } from './status.js';

/** Server options for VOD (part of ServerConfig). */
export interface VodConfig {
  /** Directory of FLV files players can play: `<vodDir>/<app>/<name>.flv`. Unset: no VOD. */
  vodDir?: string;
  /** 'realtime' (default): at the media's pace; 'fast': as fast as the player takes it. */
  vodPace?: 'realtime' | 'fast';
  /** ms of media sent ahead of the real-time clock (what the player buffers). Default 500. */
  vodLead?: number;
}

export const PlayComplete = 'NetStream.Play.Complete';
export const DEFAULT_VOD_LEAD = 500;
const INDEX_CACHE_SIZE = 64;

/** What a VOD player writes to: the playing connection. */
export interface VodTarget {
  send(event: RtmpEvent): boolean;
  sendStatus(streamId: number, info: StatusInfo): void;
  /** Resolves when the outbound pipeline takes more (or the connection closed). */
  drained(): Promise<void>;
  readonly outboundBacklog: number;
  readonly closed: boolean;
  readonly socket?: Duplex;
}

export interface VodLibraryOptions extends VodConfig {
  vodDir: string;
  /** Bytes a player may have queued before reading waits. Default 4 MiB. */
  maxBacklog?: number;
  logger?: Logger;
}

export interface VodEvents {
  start: [player: VodPlayer];
  /** The end of the file went out (Play.Complete, Stream EOF, Play.Stop). */
  complete: [player: VodPlayer];
  /** The player stopped (closeStream, another play, disconnect, server close) and its file is closed. */
  stop: [player: VodPlayer];
}

export interface VodPlayOptions {
  /** Send Play.Reset before Play.Start. Default true. */
  reset?: boolean;
  /** play's Start argument (RTMP 1.0 §7.2.2.1): -2 (default) live or file, -1 live only, >= 0 the file from there (ms). */
  start?: number;
}

/** The server's VOD files and players. */
export class VodLibrary extends EventEmitter<VodEvents> {
  readonly dir: string;
  readonly pace: 'realtime' | 'fast';
  readonly lead: number;
  readonly maxBacklog: number;
  readonly logger: Logger;
  private readonly players = new Set<VodPlayer>();
  private readonly indexes = new Map<string, { size: number; mtimeMs: number; index: FlvFileIndex }>();

  constructor(options: VodLibraryOptions) {
    super();
    this.dir = options.vodDir;
    this.pace = options.vodPace ?? 'realtime';
    if (this.pace !== 'realtime' && this.pace !== 'fast') throw new RangeError(`vodPace must be 'realtime' or 'fast', got ${String(options.vodPace)}`);
    this.lead = options.vodLead ?? DEFAULT_VOD_LEAD;
    if (!(this.lead >= 0) || !Number.isFinite(this.lead)) throw new RangeError(`vodLead must be a finite number >= 0, got ${String(options.vodLead)}`);
    this.maxBacklog = options.maxBacklog ?? 4 * 1024 * 1024;
    this.logger = options.logger ?? silentLogger;
  }

  /** Players playing (or paused, or at their end) right now. */
  get activePlayers(): VodPlayer[] {
    return [...this.players];
  }

  /** The file for `app/name`, if there is one (a regular file at a safe path). */
  async find(app: string, name: string): Promise<{ path: string; stats: Stats } | undefined> {
    const found = await this.openFile(app, name);
    if (!found) return undefined;
    const stats = await found.handle.stat().finally(() => found.handle.close());
    return { path: found.path, stats };
  }

  /**
   * The open file for `app/name`, or undefined when there is none. No link below vodDir is
   * followed (lib/server/safe-path.ts openBelow): a link, a FIFO or a device is no file here.
   */
  private async openFile(app: string, name: string): Promise<{ path: string; handle: FileHandle } | undefined> {
    const where = mediaFilePath(this.dir, app, name);
    if (!where.ok) return undefined;
    try {
      return { path: where.path, handle: await openBelow(this.dir, where.relative, fsConstants.O_RDONLY) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.logger.warn(`vod ${logValue(where.relative)} not opened: ${code} ${logValue((err as Error).message)}`);
      return undefined;
    }
  }

  /** getStreamLength: the file's duration in seconds, 0 when there is no (valid) file. */
  async streamLength(app: string, name: string): Promise<number> {
    const found = await this.openFile(app, name);
    if (!found) return 0;
    try {
      return flvDuration(await this.index(found.path, found.handle));
    } catch {
      return 0;
    } finally {
      await found.handle.close();
    }
  }

  /**
   * Plays the file for `app/name` on `streamId`: the VodPlayer, undefined when there is no file
   * (the caller plays it live), or 'refused' when an error status went out.
   */
  async play(target: VodTarget, app: string, name: string, streamId: number, options: VodPlayOptions = {}): Promise<VodPlayer | 'refused' | undefined> {
    const start = options.start ?? -2;
    // -1: live only (ffmpeg sends its -rtmp_live value times 1000: -1000 live, -2000 any).
    if (start === -1 || start === -1000) return undefined;
    const where = mediaFilePath(this.dir, app, name);
    if (!where.ok) {
      target.sendStatus(streamId, statusInfo('error', StatusCode.PlayStreamNotFound, `${JSON.stringify(name)} is not a valid stream name: ${where.reason}`, { details: name }));
      return 'refused';
    }
    const found = await this.openFile(app, name);
    if (!found) return undefined;
    const handle = found.handle;
    let index: FlvFileIndex;
    try {
      index = await this.index(found.path, handle);
    } catch (err) {
      await handle.close().catch(() => undefined);
      this.logger.warn(`vod ${logValue(found.path)}: ${logValue((err as Error).message)}`);
      target.sendStatus(streamId, statusInfo('error', StatusCode.PlayFailed, `cannot play ${name}: ${(err as Error).message}`, { details: name }));
      return 'refused';
    }
    if (target.closed) {
      await handle.close();
      return 'refused';
    }
    const player = new VodPlayer(this, target, handle, index, found.path, name, streamId);
    this.players.add(player);
    player.begin(options.reset ?? true, start >= 0 ? start : undefined);
    this.emit('start', player);
    return player;
  }

  /** server.close(): every player hears Play.Stop and Stream EOF, and its file is closed. */
  shutdown(): Promise<void> {
    return Promise.all([...this.players].map((p) => p.stop(true))).then(() => undefined);
  }

  /** @internal */
  playerStopped(player: VodPlayer): void {
    if (this.players.delete(player)) this.emit('stop', player);
  }

  private async index(path: string, handle: FileHandle): Promise<FlvFileIndex> {
    const stats = await handle.stat();
    const cached = this.indexes.get(path);
    if (cached && cached.size === stats.size && cached.mtimeMs === stats.mtimeMs) {
      // Refresh its place in the LRU order.
      this.indexes.delete(path);
      this.indexes.set(path, cached);
      return cached.index;
    }
    const index = await indexFlvFile(handle);
    this.indexes.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, index });
    if (this.indexes.size > INDEX_CACHE_SIZE) this.indexes.delete(this.indexes.keys().next().value!);
    return index;
  }
}

export type VodState = 'playing' | 'paused' | 'complete' | 'stopped';

export interface VodStats {
  /** Tags sent (media and data). */
  tags: number;
  /** Payload bytes sent. */
  bytes: number;
}

/** One player of one file, on one message stream. */
export class VodPlayer {
  receiveAudio = true;
  receiveVideo = true;
  readonly stats: VodStats = { tags: 0, bytes: 0 };
  private stateValue: VodState = 'playing';
  private reader: FlvTagReader;
  private pending: FileTag | undefined;
  /** Wall time (ms) and media timestamp the pacing clock counts from; unset until the first tag. */
  private clockWall = 0;
  private clockTs: number | undefined;
  private pausedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by seek and stop: a read that started before is stale. */
  private generation = 0;
  private pumping = false;
  /** A seek re-sends headers before media: work queued ahead of the reader. */
  private preamble: Promise<FileTag[]> | undefined;

  constructor(
    readonly library: VodLibrary,
    readonly target: VodTarget,
    private readonly handle: FileHandle,
    readonly index: FlvFileIndex,
    readonly path: string,
    readonly name: string,
    readonly streamId: number,
  ) {
    this.reader = new FlvTagReader(handle, index.dataStart, index.end);
  }

  get state(): VodState {
    return this.stateValue;
  }

  /** The file's duration in seconds. */
  get duration(): number {
    return flvDuration(this.index);
  }

  /** Play's opening statuses, then the media (from `startMs` when given). */
  begin(reset: boolean, startMs?: number): void {
    const { target, streamId, name } = this;
    target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } });
    if (reset) target.sendStatus(streamId, statusInfo('status', StatusCode.PlayReset, `Playing and resetting ${name}.`, { details: name }));
    target.sendStatus(streamId, statusInfo('status', StatusCode.PlayStart, `Started playing ${name}.`, { details: name }));
    target.send({ kind: 'data', streamId, timestamp: 0, name: '|RtmpSampleAccess', values: [true, true] });
    if (startMs !== undefined && startMs > 0) this.position(startMs);
    this.wake();
  }

  /** seek(ms): Seek.Notify, Play.Start, then from the keyframe at or before `ms`. Keeps a pause. */
  seek(ms: number): void {
    if (this.stateValue === 'stopped') return;
    const { target, streamId, name } = this;
    const targetMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    if (this.stateValue === 'complete') this.stateValue = 'playing';
    target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } });
    target.sendStatus(streamId, statusInfo('status', StatusCode.SeekNotify, `Seeking ${targetMs} (stream ID: ${streamId}).`, { details: name }));
    target.sendStatus(streamId, statusInfo('status', StatusCode.PlayStart, `Started playing ${name}.`, { details: name }));
    this.position(targetMs);
    this.wake();
  }

  /** pause(true) stops the media and the clock; pause(false) resumes both. */
  pause(pause: boolean): void {
    const { target, streamId, name } = this;
    if (this.stateValue === 'stopped') return;
    if (pause) {
      if (this.stateValue === 'playing') {
        this.stateValue = 'paused';
        this.pausedAt = performance.now();
        this.clearTimer();
      }
      target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId } });
      target.sendStatus(streamId, statusInfo('status', StatusCode.PauseNotify, `Pausing ${name}.`, { details: name }));
      return;
    }
    target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamBegin', streamId } });
    target.sendStatus(streamId, statusInfo('status', StatusCode.UnpauseNotify, `Unpausing ${name}.`, { details: name }));
    if (this.stateValue === 'paused') {
      this.stateValue = 'playing';
      this.clockWall += performance.now() - this.pausedAt;
      this.wake();
    }
  }

  /**
   * Stops playing and closes the file. `notify`: tell the player (Play.Stop, Stream EOF), as on
   * server close; closeStream and a new play need no status.
   */
  async stop(notify = false): Promise<void> {
    if (this.stateValue === 'stopped') return;
    const wasComplete = this.stateValue === 'complete';
    this.stateValue = 'stopped';
    this.generation++;
    this.clearTimer();
    if (notify && !wasComplete && !this.target.closed) {
      this.target.sendStatus(this.streamId, statusInfo('status', StatusCode.PlayStop, `Stopped playing ${this.name}.`, { details: this.name }));
      this.target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId: this.streamId } });
    }
    await this.handle.close().catch(() => undefined);
    this.library.playerStopped(this);
  }

  /** Moves the reader to the seek point for `ms` and queues the headers to re-send there. */
  private position(ms: number): void {
    this.generation++;
    this.clearTimer();
    this.pending = undefined;
    const index = this.index;
    const k = seekPointAtOrBefore(index, ms);
    const offset = k < 0 ? index.dataStart : index.seekOffsets[k]!;
    this.reader = new FlvTagReader(this.handle, offset, index.end);
    // The pacing clock restarts at the keyframe's timestamp.
    this.clockTs = undefined;
    if (k < 0) {
      this.preamble = undefined;
      return;
    }
    // Headers that come before the keyframe in the file would not be read again: re-send them.
    const offsets = [index.metadataOffset, index.seekVideoHeaders[k]!, index.seekAudioHeaders[k]!].filter((o) => o >= 0 && o < offset);
    const timestamp = index.seekTimestamps[k]!;
    this.preamble = Promise.all(offsets.map((o) => readTagAt(this.handle, o, index.end))).then((tags) =>
      tags.filter((t): t is FileTag => t !== null).map((t) => ({ ...t, timestamp })),
    );
    // A paused or stopped player may never await it (stop() closes the file under the reads):
    // the pump that does await it handles its error; nobody else must see an unhandled rejection.
    this.preamble.catch(() => undefined);
  }

  private wake(): void {
    if (!this.pumping && this.stateValue === 'playing') void this.pump();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends tags while the clock and the player allow; one pump at a time, re-entered by timers, drain, unpause and seek. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.stateValue === 'playing' && !this.target.closed) {
        const generation = this.generation;
        if (this.preamble) {
          const headers = await this.preamble;
          if (generation !== this.generation || this.stateValue !== 'playing') continue;
          this.preamble = undefined;
          for (const tag of headers) this.sendTag(tag);
          continue;
        }
        if (!this.pending) {
          const tag = await this.reader.next();
          if (generation !== this.generation || this.stateValue !== 'playing') {
            // Seeked meanwhile (the tag is stale), or paused (keep it for later).
            if (generation === this.generation && tag) this.pending = tag;
            continue;
          }
          if (!tag) {
            this.complete();
            return;
          }
          this.pending = tag;
        }
        const tag = this.pending;
        if (this.clockTs === undefined) {
          this.clockTs = tag.timestamp;
          this.clockWall = performance.now();
        }
        if (this.library.pace === 'realtime') {
          const due = tag.timestamp - this.clockTs - this.library.lead;
          const wait = due - (performance.now() - this.clockWall);
          if (wait > 0) {
            this.timer = setTimeout(() => {
              this.timer = undefined;
              this.wake();
            }, Math.ceil(wait));
            return;
          }
        }
        this.pending = undefined;
        const room = this.sendTag(tag);
        if (!room) await this.target.drained();
        else if (this.target.outboundBacklog > this.library.maxBacklog) await this.socketDrained();
      }
    } catch (err) {
      this.library.logger.warn(`vod ${logValue(this.path)}: ${logValue((err as Error).message)}`);
      if (!this.target.closed) {
        this.target.sendStatus(this.streamId, statusInfo('error', StatusCode.PlayFailed, `playing ${this.name} failed: ${(err as Error).message}`, { details: this.name }));
      }
      void this.stop();
    } finally {
      this.pumping = false;
    }
  }

  private socketDrained(): Promise<void> {
    const socket = this.target.socket;
    if (!socket || !socket.writableNeedDrain) return this.target.drained();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      socket.once('close', done);
    });
  }

  /** One tag to the player; false when the outbound pipeline asks to wait. */
  private sendTag(tag: FileTag): boolean {
    const { target, streamId } = this;
    if (tag.type === FlvTagType.ScriptData) {
      let values: unknown[];
      try {
        values = decodeData(tag.data);
      } catch {
        return true; // a damaged script tag is skipped, as a player would
      }
      const [name, ...rest] = values;
      this.stats.tags++;
      this.stats.bytes += tag.data.length;
      return target.send({ kind: 'data', streamId, timestamp: tag.timestamp, name: typeof name === 'string' ? name : '', values: rest });
    }
    const kind = tag.type === FlvTagType.Audio ? 'audio' : 'video';
    if (kind === 'audio' ? !this.receiveAudio : !this.receiveVideo) return true;
    this.stats.tags++;
    this.stats.bytes += tag.data.length;
    return target.send({ kind, streamId, timestamp: tag.timestamp, payload: tag.data });
  }

  /** The end: onPlayStatus Play.Complete, Stream EOF, Play.Stop. */
  private complete(): void {
    const { target, streamId, name } = this;
    this.stateValue = 'complete';
    target.send({
      kind: 'data',
      streamId,
      timestamp: 0,
      name: 'onPlayStatus',
      values: [{ level: 'status', code: PlayComplete, description: `Finished playing ${name}.`, details: name, duration: this.duration, bytes: this.stats.bytes }],
    });
    target.send({ kind: 'userControl', streamId: 0, timestamp: 0, event: { event: 'StreamEOF', streamId } });
    target.sendStatus(streamId, statusInfo('status', StatusCode.PlayStop, `Stopped playing ${name}.`, { details: name }));
    this.library.emit('complete', this);
  }
}
