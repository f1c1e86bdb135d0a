/**
 * Transfer statistics for the CLIs: a progress line rewritten once a second when stderr is a
 * terminal, and a one-line summary at the end.
 */
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

/** Prints the progress line every second on a TTY; `finish()` prints the summary. */
export class ProgressReporter {
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private printed = false;

  constructor(
    private readonly stats: TransferStats,
    private readonly out: NodeJS.WriteStream | NodeJS.WritableStream,
    private readonly isTty: boolean = Boolean((out as NodeJS.WriteStream).isTTY),
  ) {
    if (this.isTty) {
      // Not unref'd: finish() always runs and clears it.
      this.timer = setInterval(() => this.tick(), 1000);
    }
  }

  private tick(): void {
    this.out.write(`\r\x1b[K${formatStats(this.stats, Date.now() - this.started)}`);
    this.printed = true;
  }

  /** Stops the line and prints the summary (`label` says what happened). */
  finish(label: string): void {
    if (this.timer) clearInterval(this.timer);
    const line = `${label}: ${formatStats(this.stats, Date.now() - this.started)}`;
    this.out.write(this.isTty && this.printed ? `\r\x1b[K${line}\n` : `${line}\n`);
  }
}
