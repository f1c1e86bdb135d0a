/**
 * Transfer statistics for the CLIs: a progress line rewritten once a second when stderr is a
 * terminal, and a one-line summary at the end. The progress line and the log share stderr through
 * a StatusLine, so a log line never lands on the end of a progress line.
 */
import { Writable } from 'node:stream';
export interface TransferStats {
  /** Payload bytes of media and data messages. */
  bytes: number;
  videoFrames: number;
  audioFrames: number;
  /** Media the client discarded (see the client CLI's --help). */
  drops: number;
  /** First and last media timestamps seen (ms). */
  firstTimestamp: number | undefined;
  lastTimestamp: number | undefined;
}

export function newStats(): TransferStats {
  return { bytes: 0, videoFrames: 0, audioFrames: 0, drops: 0, firstTimestamp: undefined, lastTimestamp: undefined };
}

export function countMedia(stats: TransferStats, kind: string, bytes: number, timestamp: number): void {
  stats.bytes += bytes;
  if (kind === 'video') stats.videoFrames++;
  else if (kind === 'audio') stats.audioFrames++;
  else return;
  stats.firstTimestamp ??= timestamp;
  stats.lastTimestamp = timestamp;
}

function clock(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(1).padStart(4, '0')}`;
}

/** `time 00:00:05.0  media 00:00:04.9  812.3 kbit/s  frames 125  audio 215  drops 0` */
export function formatStats(stats: TransferStats, elapsedMs: number): string {
  const kbps = elapsedMs > 0 ? (stats.bytes * 8) / elapsedMs : 0;
  const media = stats.firstTimestamp === undefined ? 0 : (stats.lastTimestamp ?? 0) - stats.firstTimestamp;
  return `time ${clock(elapsedMs)}  media ${clock(media)}  ${kbps.toFixed(1)} kbit/s  frames ${stats.videoFrames}  audio ${stats.audioFrames}  drops ${stats.drops}`;
}

/**
 * The last line of a terminal: a status (the progress line) drawn in place, and whole lines (log
 * lines, the summary) written through this stream. A whole line first erases the status (carriage
 * return, erase line), so it starts at the left margin on a line of its own; the next status draw
 * puts the progress back below it. Off a terminal, no status is ever drawn.
 */
export class StatusLine extends Writable {
  private showing = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    readonly isTty: boolean = Boolean((out as NodeJS.WriteStream).isTTY),
  ) {
    super({ decodeStrings: false });
  }

  /** Draws `text` as the status (terminal only). */
  show(text: string): void {
    if (!this.isTty) return;
    this.out.write(`\r\x1b[K${text}`);
    this.showing = true;
  }

  /** Writes whole lines below any status, erasing it first. */
  writeLines(text: string): void {
    if (this.showing) {
      this.out.write('\r\x1b[K');
      this.showing = false;
    }
    this.out.write(text);
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeLines(String(chunk));
    callback();
  }
}

/** Prints the progress line every second on a TTY; `finish()` prints the summary. */
export class ProgressReporter {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly line: StatusLine;

  constructor(
    private readonly stats: TransferStats,
    out: StatusLine | NodeJS.WriteStream | NodeJS.WritableStream,
    isTty?: boolean,
  ) {
    this.line = out instanceof StatusLine ? out : new StatusLine(out, isTty);
    if (this.line.isTty) {
      // Not unref'd: finish() always runs and clears it.
      this.timer = setInterval(() => this.tick(), 1000);
    }
  }

  tick(): void {
    this.line.show(formatStats(this.stats, Date.now() - this.started));
  }

  /** Stops the line and prints the summary (`label` says what happened). */
  finish(label: string): void {
    if (this.timer) clearInterval(this.timer);
    this.line.writeLines(`${label}: ${formatStats(this.stats, Date.now() - this.started)}\n`);
  }
}
