/**
 * `RelaySink`: what a relay push subscribes to the local stream with. To the stream registry it
 * is a player (a `SubscriberTarget`), so the `Subscriber` in front of it applies the same
 * overflow policy as to any player: above its backlog the relay loses media until the next
 * keyframe, and nothing waits on it. Behind it is a Client's connection publishing to the
 * destination.
 *
 * Until the destination accepts the publish, events are queued here (counted in the backlog, so
 * a destination that is slow to answer makes the relay drop, not grow); `attach()` flushes them
 * in order. What the registry tells players (onStatus, Stream Begin/EOF, |RtmpSampleAccess) is not
 * for a destination and is left out; metadata goes out as `@setDataFrame` as publishers send it.
 *
 * Flow control (lib/server/fanout-flow.ts): once attached, the push votes like a player (a slow
 * destination among fast players is outvoted and drops; alone, it paces the publisher); while it
 * connects, what it queues never holds the publisher.
 */
import type { SharedFrame } from '../../chunk/index.js';
import type { RtmpEvent } from '../../command/index.js';
import { ON_META_DATA, SET_DATA_FRAME } from '../../message/index.js';
import type { RtmpConnection } from '../../session/index.js';
import type { SubscriberTarget } from '../subscriber.js';
import { onDrain } from '../fanout-flow.js';

/** Estimated bytes of one event in the outbound pipeline: payload plus chunk headers. */
function eventBytes(event: RtmpEvent, chunkSize: number): number {
  if (event.kind === 'audio' || event.kind === 'video') return event.payload.length + 12 + Math.floor(event.payload.length / chunkSize);
  return 64;
}

function noop(): void {}

export class RelaySink implements SubscriberTarget {
  private conn: RtmpConnection | undefined;
  private streamId = 0;
  private queue: RtmpEvent[] = [];
  private queuedBytes = 0;
  private ended = false;
  private readonly drainListeners = new Map<() => void, () => void>();

  /** Starts writing to `conn` on message stream `streamId`, after what was queued. */
  attach(conn: RtmpConnection, streamId: number): void {
    if (this.ended) return;
    this.conn = conn;
    this.streamId = streamId;
    for (const listener of this.drainListeners.keys()) this.drainListeners.set(listener, onDrain(conn.socket, listener));
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const event of queued) this.write(event);
  }

  /** Stops writing (queued events are dropped); the connection is the caller's to close. */
  detach(): void {
    this.ended = true;
    this.queue = [];
    this.queuedBytes = 0;
    for (const unwatch of this.drainListeners.values()) unwatch();
    this.drainListeners.clear();
  }

  /** Votes on flow control once the destination has accepted the publish. */
  get flowVoter(): boolean {
    return this.conn !== undefined;
  }

  watchDrain(listener: () => void): () => void {
    this.drainListeners.set(listener, this.conn && !this.ended ? onDrain(this.conn.socket, listener) : noop);
    return () => {
      this.drainListeners.get(listener)?.();
      this.drainListeners.delete(listener);
    };
  }

  get closed(): boolean {
    return this.ended || (this.conn !== undefined && this.conn.closed);
  }

  get outboundBacklog(): number {
    const conn = this.conn;
    if (!conn) return this.queuedBytes;
    return conn.outboundBacklog;
  }

  send(event: RtmpEvent): boolean {
    if (this.closed) return false;
    let out: RtmpEvent;
    if (event.kind === 'audio' || event.kind === 'video') out = event;
    else if (event.kind === 'data') {
      if (event.name === '|RtmpSampleAccess') return true;
      // Players get `onMetaData`; a publisher sends `@setDataFrame("onMetaData", ...)`.
      out = event.name === ON_META_DATA ? { ...event, name: SET_DATA_FRAME, values: [ON_META_DATA, ...event.values] } : event;
    } else return true;
    if (!this.conn) {
      this.queue.push(out);
      this.queuedBytes += eventBytes(out, 4096);
      return true;
    }
    return this.write(out);
  }

  /** A shared frame goes out on the upstream's stream as the same bytes every player in its header state sends. */
  sendFrame(kind: 'audio' | 'video', frame: SharedFrame, _streamId: number): boolean {
    if (this.closed) return false;
    if (!this.conn) return this.send({ kind, streamId: 0, timestamp: frame.timestamp, payload: frame.payload });
    return this.conn.sendFrame(kind, frame, this.streamId);
  }

  private write(event: RtmpEvent): boolean {
    const conn = this.conn!;
    return conn.send({ ...event, streamId: this.streamId });
  }
}
