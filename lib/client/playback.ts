/**
 * When a played stream has ended, as the common servers say it:
 *
 * | server           | the publisher stops                       | a file ends                       |
 * | ---------------- | ----------------------------------------- | --------------------------------- |
 * | rtmp-pipeline    | Play.UnpublishNotify, Stream EOF          | Play.Complete, Stream EOF, Play.Stop |
 * | nginx-rtmp       | Stream EOF only                           | Stream EOF, Play.Stop             |
 * | node-media-server| nothing (4.4: the player waits on)        | -                                 |
 * | FMS / Wowza      | Play.UnpublishNotify                      | Play.Complete (onPlayStatus), Play.Stop |
 *
 * The first of them ends playback. A player that waits for a publisher to come back
 * (`waitForPublisher`) keeps playing through Stream EOF and UnpublishNotify; Play.Stop and
 * Play.Complete still end it. Stream EOF while a pause is pending is the pause's, not an end.
 * A server that says nothing (node-media-server 4) is covered by `idleTimeout`: no media for
 * that long ends playback with reason 'idle'.
 */
import { decodeOnStatus, type RtmpEvent } from '../command/index.js';

/** What ended playback: the status code, or 'StreamEOF' for the user control event. */
export type PlaybackEndReason =
  | 'NetStream.Play.Stop'
  | 'NetStream.Play.Complete'
  | 'NetStream.Play.UnpublishNotify'
  | 'StreamEOF'
  /** The reader stopped iterating early (a `break`, an aborted pipeline): the client stopped the stream. */
  | 'stopped'
  /** No media or data arrived for `idleTimeout` ms. */
  | 'idle';

export interface PlaybackEnd {
  reason: PlaybackEndReason;
  /** Message stream id of the stream that ended. */
  streamId: number;
}

const ENDING_STATUS = new Set(['NetStream.Play.Stop', 'NetStream.Play.Complete', 'NetStream.Play.UnpublishNotify']);
/** Signals that only say the publisher left: a player waiting for the next one plays on. */
const PUBLISHER_GONE = new Set<PlaybackEndReason>(['NetStream.Play.UnpublishNotify', 'StreamEOF']);

export interface PlaybackWatch {
  /** The message stream id being played. */
  id: number;
  /** Play through Stream EOF and UnpublishNotify (the publisher may come back). */
  waitForPublisher: boolean;
  /** A pause is pending or in effect (its Stream EOF is not an end). */
  paused: boolean;
}

/**
 * The end this event announces for the watched stream, if any. Statuses and media on message
 * stream 0 belong to the played stream (node-media-server sends them there).
 */
export function playbackEndOf(event: RtmpEvent, watch: PlaybackWatch): PlaybackEndReason | undefined {
  let reason: PlaybackEndReason | undefined;
  if (event.kind === 'userControl') {
    const uc = event.event;
    if (uc.event === 'StreamEOF' && uc.streamId === watch.id && !watch.paused) reason = 'StreamEOF';
  } else if (event.kind === 'command' && event.name === 'onStatus') {
    if (event.streamId === watch.id || event.streamId === 0) reason = endingCode(decodeOnStatus(event));
  } else if (event.kind === 'data' && event.name === 'onPlayStatus') {
    if (event.streamId === watch.id || event.streamId === 0) reason = endingCode(event.values[0]);
  }
  if (reason && watch.waitForPublisher && PUBLISHER_GONE.has(reason)) return undefined;
  return reason;
}

function endingCode(info: unknown): PlaybackEndReason | undefined {
  const code = info !== null && typeof info === 'object' ? (info as { code?: unknown }).code : undefined;
  return typeof code === 'string' && ENDING_STATUS.has(code) ? (code as PlaybackEndReason) : undefined;
}

/** Whether an event belongs to the given message stream (media, data, statuses, stream events). */
export function isOnStream(event: RtmpEvent, streamId: number): boolean {
  if (event.kind === 'userControl') {
    const uc = event.event as { streamId?: number };
    return uc.streamId === streamId;
  }
  if (event.kind === 'protocolControl') return false;
  return event.streamId === streamId;
}
