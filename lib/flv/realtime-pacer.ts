/**
 * Real-time pacing for publishing a file: an object-mode Transform that lets each timestamped
 * object (FlvDemuxer events, Messages) through once the wall clock has caught up with its
 * timestamp, so a file goes out at its own pace instead of as fast as the server takes it:
 *
 *   pipeline(createReadStream('in.flv'), new FlvDemuxer(), new RealtimePacer(), createPublishStream(client))
 *
 * The clock starts at the first timestamp. `lead` lets objects through that many ms early (the
 * player's buffer fills at once; encoders and ffmpeg -re do the same). One timer at a time, no
 * polling; while waiting, nothing is read from upstream (backpressure does the rest). A timestamp
 * that goes backwards or jumps forward by more than `maxJump` (a spliced file, a wrap) restarts the
 * clock at that object instead of stalling or bursting. Objects without a numeric timestamp pass
 * at once.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface RealtimePacerOptions {
  /** ms an object may go out before its time. Default 0. */
  lead?: number;
  /** A forward jump in timestamps larger than this (ms) restarts the clock. Default 10 000. */
  maxJump?: number;
  /** Objects buffered on each side. Default 16. */
  highWaterMark?: number;
}

export class RealtimePacer extends Transform {
  private readonly lead: number;
  private readonly maxJump: number;
  private origin: { wall: number; media: number } | undefined;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RealtimePacerOptions = {}) {
    super({ objectMode: true, highWaterMark: options.highWaterMark ?? 16 });
    this.lead = Math.max(0, options.lead ?? 0);
    this.maxJump = options.maxJump ?? 10_000;
  }

  override _transform(item: { timestamp?: unknown }, _enc: BufferEncoding, callback: TransformCallback): void {
    const timestamp = item?.timestamp;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      callback(null, item);
      return;
    }
    const now = performance.now();
    if (this.origin === undefined || timestamp < this.last || timestamp - this.last > this.maxJump) {
      this.origin = { wall: now, media: timestamp };
    }
    this.last = timestamp;
    const wait = this.origin.wall + (timestamp - this.origin.media) - this.lead - now;
    if (wait <= 0) {
      callback(null, item);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      callback(null, item);
    }, wait);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    callback(err);
  }
}
