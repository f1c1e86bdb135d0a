/**
 * One player of a live stream: what it asked for (receiveAudio/receiveVideo, pause) and its
 * overflow policy. A player that cannot keep up must never stall the publisher or the other
 * players, so nothing here waits: each media message is either written to the player's outbound
 * pipeline at once or dropped.
 *
 * Backlog = bytes queued in the player's socket plus what its outbound pipeline still holds
 * (`SubscriberTarget.outboundBacklog`). Above `maxBacklog` the player loses media until the next
 * keyframe that finds room (audio included, so sound and picture resume together; a stream without
 * video resumes once the backlog is down to half). Sequence headers, metadata and status messages
 * are never dropped. Drops are counted per player.
 *
 * Whether the publisher is held instead while most players are full is the stream's flow control
 * (lib/server/fanout-flow.ts): it reads the backlog each offer saw (`backlogSeen`) and this
 * player's vote (`votesOnFlow`).
 */
import type { SharedFrame } from '../chunk/index.js';
import type { DataEvent, MediaEvent, RtmpEvent, SharedEvent } from '../command/index.js';

/** What a subscriber writes to: a server connection (or a test double). */
export interface SubscriberTarget {
  send(event: RtmpEvent): boolean;
  /** `send` of a shared frame on message stream `streamId`, when the target has a cheaper path for it. */
  sendFrame?(kind: 'audio' | 'video', frame: SharedFrame, streamId: number): boolean;
  /** `send` of an event many targets send (encoded once), on message stream `streamId`. */
  sendShared?(shared: SharedEvent, streamId: number): boolean;
  /** Bytes written but not yet handed to the kernel. */
  readonly outboundBacklog: number;
  readonly closed: boolean;
  /** Calls `listener` each time the queue behind `outboundBacklog` has emptied; returns the remover (flow control). */
  watchDrain?(listener: () => void): () => void;
  /**
   * Bytes sent that the peer has certainly not received, kernel buffers included, by its
   * acknowledgements (absent or 0: unknown). It lets flow control see a player whose bytes wait in
   * kernel buffers rather than in our queue. `now`: `performance.now()`.
   */
  unreceivedBytes?(now: number): number;
  /** Calls `listener` on each acknowledgement that moves forward; returns the remover. */
  watchAcknowledgements?(listener: () => void): () => void;
  /** False while this target's backlog must not hold the publisher (a relay push still connecting). Absent: true. */
  readonly flowVoter?: boolean;
  /** A publisher's side: stop and resume reading it (fan-out flow control holds it while most players are full). */
  pauseReading?(): void;
  resumeReading?(): void;
}

export interface SubscriberStats {
  sentMessages: number;
  sentBytes: number;
  /** Media messages lost to overflow (not those the player declined with receiveAudio/Video or pause). */
  droppedMessages: number;
  droppedBytes: number;
  droppedAudio: number;
  droppedVideo: number;
  /** Times the player entered the dropping state. */
  overflows: number;
  /** Largest backlog seen when a message was offered. */
  maxBacklog: number;
}

export interface MediaFlags {
  keyframe: boolean;
  sequenceHeader: boolean;
  /** Whether the stream carries video at all (decides how an audio-only player recovers). */
  streamHasVideo: boolean;
}

/** Default per-player backlog before drop-until-keyframe: 4 MiB. */
export const DEFAULT_MAX_PLAYER_BACKLOG = 4 * 1024 * 1024;

export class Subscriber {
  receiveAudio = true;
  receiveVideo = true;
  paused = false;
  /** True while overflowing: media is dropped until a keyframe finds room. */
  dropping = false;
  /** Video waits for a keyframe (joined without a cached GOP, unpaused, video turned back on). */
  needVideoKeyframe = false;
  /** The backlog the last media offer saw (before writing it). */
  backlogSeen = 0;
  /**
   * Owned by the stream's FanoutFlow: counted as voting / as full at its last count, and why it is
   * full (its queue; its acknowledgements: bytes waiting in kernel buffers).
   */
  flowVoting = false;
  flowFullByQueue = false;
  flowFullByAcks = false;
  readonly stats: SubscriberStats = {
    sentMessages: 0,
    sentBytes: 0,
    droppedMessages: 0,
    droppedBytes: 0,
    droppedAudio: 0,
    droppedVideo: 0,
    overflows: 0,
    maxBacklog: 0,
  };

  constructor(
    readonly target: SubscriberTarget,
    /** The message stream id the player created and played on: everything goes out on it. */
    readonly streamId: number,
    /** Registry key (`app/name`). */
    readonly key: string,
    readonly maxBacklog: number = DEFAULT_MAX_PLAYER_BACKLOG,
  ) {}

  /** Offer one media message; returns whether it was written. */
  offerMedia(kind: 'audio' | 'video', timestamp: number, payload: Buffer, frame: SharedFrame | undefined, flags: MediaFlags): boolean {
    if (this.target.closed) return false;
    if (flags.sequenceHeader) return this.write(kind, timestamp, payload, frame);
    if (this.paused || (kind === 'audio' ? !this.receiveAudio : !this.receiveVideo)) return false;
    const backlog = this.target.outboundBacklog;
    this.backlogSeen = backlog;
    if (backlog > this.stats.maxBacklog) this.stats.maxBacklog = backlog;
    if (this.dropping) {
      const resume = flags.streamHasVideo
        ? kind === 'video' && flags.keyframe && backlog <= this.maxBacklog
        : backlog <= this.maxBacklog / 2;
      if (!resume) return this.drop(kind, payload);
      this.dropping = false;
    } else if (backlog > this.maxBacklog) {
      this.dropping = true;
      this.stats.overflows++;
      return this.drop(kind, payload);
    }
    if (kind === 'video' && this.needVideoKeyframe) {
      if (!flags.keyframe) return false;
      this.needVideoKeyframe = false;
    }
    return this.write(kind, timestamp, payload, frame);
  }

  /** Counted as full by the stream's FanoutFlow, for either reason. */
  get flowFull(): boolean {
    return this.flowFullByQueue || this.flowFullByAcks;
  }

  /**
   * Whether this player's backlog takes part in holding the publisher: not one that declined the
   * media (paused, video off), lags (dropping), waits for a keyframe or has gone.
   */
  get votesOnFlow(): boolean {
    const target = this.target;
    return !this.paused && this.receiveVideo && !this.dropping && !this.needVideoKeyframe && !target.closed && target.flowVoter !== false;
  }

  /** Metadata and other data messages: never dropped. */
  sendData(name: string, values: unknown[], timestamp: number): void {
    const event: DataEvent = { kind: 'data', streamId: this.streamId, timestamp, name, values };
    this.target.send(event);
  }

  /** An event every player of the stream gets (status, metadata): encoded once for all of them. */
  sendShared(shared: SharedEvent): void {
    const target = this.target;
    if (target.sendShared) target.sendShared(shared, this.streamId);
    else target.send(shared.eventOn(this.streamId));
  }

  private write(kind: 'audio' | 'video', timestamp: number, payload: Buffer, frame: SharedFrame | undefined): boolean {
    const target = this.target;
    if (frame !== undefined && target.sendFrame) target.sendFrame(kind, frame, this.streamId);
    else {
      const event: MediaEvent = { kind, streamId: this.streamId, timestamp, payload };
      if (frame) event.frame = frame;
      target.send(event);
    }
    this.stats.sentMessages++;
    this.stats.sentBytes += payload.length;
    return true;
  }

  private drop(kind: 'audio' | 'video', payload: Buffer): false {
    this.stats.droppedMessages++;
    this.stats.droppedBytes += payload.length;
    if (kind === 'audio') this.stats.droppedAudio++;
    else this.stats.droppedVideo++;
    return false;
  }
}
