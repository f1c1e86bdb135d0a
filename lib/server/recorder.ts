/**
 * Recording live streams to FLV: `publish(name, 'record' | 'append')` (or every publish with
 * `recordAll`) writes what the publisher sends to `<recordDir>/<app>/<name>.flv` through an
 * `FlvMuxer` piped into `fs.createWriteStream`.
 *
 * - 'record' writes the file afresh; 'append' continues an existing file: no second header, and
 *   the new tags' timestamps start 1 ms after the file's last tag (read back from the end through
 *   PreviousTagSize; a damaged tail is found by a scan and cut off first), so every track's
 *   timestamps keep increasing. Both rebase the publisher's clock: its first message is written at
 *   0 (record) or at that offset (append).
 * - Names go through `mediaFilePath` (lib/server/safe-path.ts): nothing is created for a name that
 *   could leave the directory. One recording per file at a time.
 * - The publisher is never held up by the disk. Media goes to the muxer at once; the muxer and the
 *   file stream buffer what the disk has not taken yet. Payloads stay views of the socket reads
 *   while that backlog is small (the usual case: a disk outruns a network), and are copied once it
 *   passes 256 KiB, so a slow disk cannot pin many socket buffers. Nothing is ever dropped from a
 *   recording: past `recordMaxBacklog` bytes (default 64 MiB) the recording stops instead (the
 *   file keeps everything up to there and is closed properly) with `NetStream.Record.Failed`, and
 *   the live stream goes on.
 * - The file is finalised (flushed and closed) on unpublish, disconnect and `server.close()`.
 *
 * Statuses (Flash Media Server's codes): NetStream.Record.Start after Publish.Start,
 * NetStream.Record.Stop when it ends; refusals before anything starts (no Publish.Start):
 * NetStream.Publish.BadName (error) for a stream name that is not a safe file name or whose file is
 * being recorded already, NetStream.Record.NoAccess (error) for an app name that is not safe or a
 * file the server may not write, NetStream.Record.Failed (error) for any other failure to open.
 * Recordings the publisher did not ask for (recordAll with a 'live' publish) never send it
 * anything: their failures are logged.
 */
import { EventEmitter } from 'node:events';
import { constants as fsConstants, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { DataEvent, MediaEvent } from '../command/index.js';
import { encodeScriptData, FlvMuxer, FLV_TAG_HEADER_LENGTH } from '../flv/index.js';
import { ErrorCode } from '../errors.js';
import { logValue, silentLogger, type Logger } from '../logger.js';
import { createMessage, MessageType } from '../message/index.js';
import { indexFlvFile, lastTagTimestamp } from './flv-file.js';
import { mediaFilePath, openBelow } from './safe-path.js';
import { StatusCode, statusInfo, type StatusInfo } from './status.js';
import type { StreamType } from './stream-registry.js';

export const RecordStatus = {
  Start: 'NetStream.Record.Start',
  Stop: 'NetStream.Record.Stop',
  NoAccess: 'NetStream.Record.NoAccess',
  Failed: 'NetStream.Record.Failed',
} as const;

/** Server options for recording (part of ServerConfig). */
export interface RecordingConfig {
  /** Directory for `publish(name, 'record' | 'append')`: files are `<recordDir>/<app>/<name>.flv`. Unset: those publish live only. */
  recordDir?: string;
  /** Record every live publish too: `true` or 'record' writes each afresh, 'append' continues the file. Needs recordDir. Default false. */
  recordAll?: boolean | 'record' | 'append';
  /** Bytes a recording may have waiting for the disk before it stops (never drops). Default 64 MiB. */
  recordMaxBacklog?: number;
}

export const DEFAULT_RECORD_MAX_BACKLOG = 64 * 1024 * 1024;
/** Above this backlog payloads are copied rather than kept as views of socket reads. */
const COPY_ABOVE = 256 * 1024;
const FILE_HEADER_BYTES = 13;
const TAG_OVERHEAD = FLV_TAG_HEADER_LENGTH + 4;

/** Where a recording's statuses go: the publishing connection. */
export interface RecordTarget {
  sendStatus(streamId: number, info: StatusInfo): void;
  readonly closed: boolean;
}

export interface RecorderStats {
  /** Tags handed to the muxer. */
  tags: number;
  /** Payload bytes handed to the muxer. */
  payloadBytes: number;
  /** Payloads copied because the disk was behind. */
  copies: number;
  /** Largest backlog seen (bytes not yet written to the file). */
  maxBacklog: number;
}

export interface StreamRecorderOptions {
  maxBacklog?: number;
  logger?: Logger;
  /** The directory `path` must stay in: no link below it is followed (see openBelow). */
  root?: string;
}

/** One recording: an FLV file being written. Create with `StreamRecorder.open`. */
export class StreamRecorder {
  readonly stats: RecorderStats = { tags: 0, payloadBytes: 0, copies: 0, maxBacklog: 0 };
  /** Why the recording stopped early, if it did. */
  failure: Error | undefined;
  /** Set by whoever announces statuses (the publisher's connection and stream). */
  notify: { target: RecordTarget; streamId: number; name: string } | undefined;
  private readonly muxer: FlvMuxer;
  private readonly maxBacklog: number;
  private readonly logger: Logger;
  private bytesIn: number;
  private base: number | undefined;
  private ending: Promise<void> | undefined;
  private readonly closed: Promise<void>;

  private constructor(
    readonly path: string,
    readonly mode: 'record' | 'append',
    /** Added to every (rebased) timestamp: 0, or 1 ms past the last tag of the file appended to. */
    readonly timestampOffset: number,
    private readonly file: WriteStream,
    writeHeader: boolean,
    options: StreamRecorderOptions,
  ) {
    this.maxBacklog = options.maxBacklog ?? DEFAULT_RECORD_MAX_BACKLOG;
    this.logger = options.logger ?? silentLogger;
    this.bytesIn = writeHeader ? FILE_HEADER_BYTES : 0;
    this.muxer = new FlvMuxer({ header: writeHeader, writableHighWaterMark: 256, readableHighWaterMark: 256 * 1024 });
    this.closed = new Promise((resolve) => file.once('close', resolve));
    file.on('error', (err) => this.fail(err));
    this.muxer.on('error', (err) => this.fail(err));
    this.muxer.pipe(file);
  }

  /**
   * Opens `path` for a recording (its directory is created). 'append' to a missing or empty file
   * starts it; to a file that is not FLV is an FlvError; fs errors are passed on.
   */
  static async open(path: string, mode: 'record' | 'append', options: StreamRecorderOptions = {}): Promise<StreamRecorder> {
    // Not truncated at open: a file refused after the open (a hard link) must be left as it was.
    const { O_CREAT, O_RDWR, O_WRONLY, O_APPEND } = fsConstants;
    const flags = O_CREAT | (mode === 'append' ? O_RDWR | O_APPEND : O_WRONLY);
    let handle: FileHandle;
    if (options.root !== undefined) {
      handle = await openBelow(options.root, relative(resolve(options.root), resolve(path)).split(/[\\/]/).join('/'), flags, { createDirs: true, singleLink: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      handle = await open(path, flags, 0o666);
    }
    let writeHeader = true;
    let offset = 0;
    try {
      if (mode === 'append') {
        if ((await handle.stat()).size > 0) {
          const last = await continuation(handle);
          writeHeader = false;
          offset = last === undefined ? 0 : last + 1;
        }
      } else await handle.truncate(0);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    const file = createWriteStream(path, { fd: handle, highWaterMark: 256 * 1024 });
    return new StreamRecorder(path, mode, offset, file, writeHeader, options);
  }

  /** Bytes handed to the muxer that the file has not written yet. */
  get backlog(): number {
    return this.bytesIn - this.file.bytesWritten;
  }

  /** Resolves once the file is closed (after close(), or a failure). */
  get whenClosed(): Promise<void> {
    return this.closed;
  }

  /** True once the recording takes nothing more (stopped, failed or closed). */
  get done(): boolean {
    return this.ending !== undefined || this.failure !== undefined;
  }

  /** NetStream.Record.Start to the publisher. */
  announce(): void {
    const n = this.notify;
    if (n && !n.target.closed) n.target.sendStatus(n.streamId, statusInfo('status', RecordStatus.Start, `Recording ${n.name}.`, { details: n.name }));
  }

  /** A media message from the publisher (never waits, never drops; see the file comment). */
  media(event: MediaEvent): void {
    if (this.done) return;
    let payload = event.payload;
    const backlog = this.checkBacklog(payload.length);
    if (backlog < 0) return;
    if (backlog > COPY_ABOVE) {
      payload = Buffer.from(payload);
      this.stats.copies++;
    }
    this.writeTag({ kind: event.kind, streamId: 0, timestamp: this.timestamp(event.timestamp), payload }, payload.length);
  }

  /** A data message (onMetaData with `@setDataFrame` is stored as FLV has it: onMetaData, ECMA array). */
  data(event: DataEvent): void {
    if (this.done || event.name === '@clearDataFrame') return;
    const body = encodeScriptData([event.name, ...event.values]);
    if (this.checkBacklog(body.length) < 0) return;
    this.writeTag(createMessage(5, 0, MessageType.DataAMF0, body, this.timestamp(event.timestamp)), body.length);
  }

  /** Finishes the file (everything accepted is written, then it is closed); resolves once closed. */
  close(): Promise<void> {
    if (!this.ending) {
      this.ending = this.finish();
      const n = this.notify;
      if (n && !n.target.closed && !this.failure) {
        n.target.sendStatus(n.streamId, statusInfo('status', RecordStatus.Stop, `Stopped recording ${n.name}.`, { details: n.name }));
      }
    }
    return this.ending;
  }

  private async finish(): Promise<void> {
    if (!this.file.destroyed) this.muxer.end();
    await this.closed;
  }

  private timestamp(ts: number): number {
    if (this.base === undefined) this.base = ts;
    // Rebased on the first message; a message a little older than it (audio/video interleave) is clamped to 0.
    const delta = ts - this.base;
    return (this.timestampOffset + (delta > 0 ? delta : 0)) >>> 0;
  }

  /** The backlog before this tag, or -1 when the recording had to stop. */
  private checkBacklog(size: number): number {
    const backlog = this.backlog;
    if (backlog > this.stats.maxBacklog) this.stats.maxBacklog = backlog;
    if (backlog + size + TAG_OVERHEAD > this.maxBacklog) {
      this.fail(new Error(`the disk is behind by ${backlog} bytes (recordMaxBacklog ${this.maxBacklog}): recording stopped`));
      return -1;
    }
    return backlog;
  }

  private writeTag(input: object, size: number): void {
    this.bytesIn += size + TAG_OVERHEAD;
    this.stats.tags++;
    this.stats.payloadBytes += size;
    this.muxer.write(input);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.logger.error(`recording ${logValue(this.path)}: ${logValue(err.message)}`);
    const n = this.notify;
    if (n && !n.target.closed) n.target.sendStatus(n.streamId, statusInfo('error', RecordStatus.Failed, `Recording ${n.name} failed: ${err.message}`, { details: n.name }));
    if (this.file.destroyed) this.muxer.destroy();
    void this.close();
  }
}

/**
 * The timestamp of the last tag of the FLV file at `path` (undefined: no tags), cutting off a
 * damaged tail first so appended tags follow a whole one.
 */
async function continuation(handle: FileHandle): Promise<number | undefined> {
  const last = await lastTagTimestamp(handle);
  if (last) return last.tags ? last.timestamp : undefined;
  const index = await indexFlvFile(handle);
  if (index.damagedBytes > 0) await handle.truncate(index.end);
  return index.tagCount > 0 ? index.lastTimestamp : undefined;
}

export interface RecordingsOptions extends RecordingConfig {
  logger?: Logger;
}

export interface RecordingsEvents {
  /** A recording started (its file is open). */
  start: [recorder: StreamRecorder, app: string, name: string];
  /** A recording ended and its file is closed. */
  stop: [recorder: StreamRecorder, app: string, name: string];
}

/** The server's recordings: which publishes record, where, and every open file (for close()). */
export class Recordings extends EventEmitter<RecordingsEvents> {
  readonly dir: string;
  private readonly all: 'record' | 'append' | undefined;
  private readonly maxBacklog: number;
  private readonly logger: Logger;
  private readonly paths = new Set<string>();
  private readonly active = new Set<StreamRecorder>();

  constructor(options: RecordingsOptions & { recordDir: string }) {
    super();
    this.dir = options.recordDir;
    this.all = options.recordAll === true ? 'record' : options.recordAll === false ? undefined : options.recordAll;
    const max = options.recordMaxBacklog ?? DEFAULT_RECORD_MAX_BACKLOG;
    if (!(max > 0) || !Number.isFinite(max)) throw new RangeError(`recordMaxBacklog must be a finite number > 0, got ${String(max)}`);
    this.maxBacklog = max;
    this.logger = options.logger ?? silentLogger;
  }

  /** Recordings in progress. */
  get recorders(): StreamRecorder[] {
    return [...this.active];
  }

  /** How a publish of `type` records: 'record', 'append' or not at all. */
  modeFor(type: StreamType): 'record' | 'append' | undefined {
    return type === 'live' ? this.all : type;
  }

  /**
   * Opens the recording a publish asks for. undefined: it does not record; 'refused': a refusal
   * status went to the publisher and the publish must not start.
   */
  async open(target: RecordTarget, streamId: number, app: string, name: string, type: StreamType): Promise<StreamRecorder | undefined | 'refused'> {
    const mode = this.modeFor(type);
    if (!mode) return undefined;
    const requested = type !== 'live';
    const refuse = (code: string, description: string): 'refused' => {
      this.logger.info(`recording ${logValue(`${app}/${name}`)} refused: ${logValue(description)}`);
      target.sendStatus(streamId, statusInfo('error', code, description, { details: name }));
      return 'refused';
    };
    const where = mediaFilePath(this.dir, app, name);
    if (!where.ok) {
      return where.what === 'app'
        ? refuse(RecordStatus.NoAccess, `application ${JSON.stringify(app)} cannot record: ${where.reason}`)
        : refuse(StatusCode.PublishBadName, `${JSON.stringify(name)} is not a valid stream name for recording: ${where.reason}`);
    }
    if (this.paths.has(where.path)) return refuse(StatusCode.PublishBadName, `${name} is being recorded already`);
    this.paths.add(where.path);
    let recorder: StreamRecorder;
    try {
      recorder = await StreamRecorder.open(where.path, mode, { maxBacklog: this.maxBacklog, logger: this.logger, root: this.dir });
    } catch (err) {
      this.paths.delete(where.path);
      const code = (err as NodeJS.ErrnoException).code;
      const noAccess = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === ErrorCode.PATH_ESCAPES_ROOT;
      return refuse(noAccess ? RecordStatus.NoAccess : RecordStatus.Failed, `cannot record ${name}: ${(err as Error).message}`);
    }
    if (requested) recorder.notify = { target, streamId, name };
    this.active.add(recorder);
    this.logger.info(`recording ${logValue(`${app}/${name}`)} to ${logValue(where.path)} (${mode}${mode === 'append' ? `, from ${recorder.timestampOffset} ms` : ''})`);
    this.emit('start', recorder, app, name);
    void recorder.whenClosed.then(() => {
      this.active.delete(recorder);
      this.paths.delete(where.path);
      this.emit('stop', recorder, app, name);
    });
    return recorder;
  }

  /** Finishes every recording (server.close()); resolves once every file is closed. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.active].map((r) => r.close()));
  }
}
