/**
 * What a peer's Acknowledgements (RTMP 1.0 §5.4.3) say about how far behind it is. Our own
 * queue (`outboundBacklog`) shows only the bytes the kernel has not taken yet; a peer whose bytes
 * wait in the kernel's socket buffers, ours or its own, is as far behind as one whose bytes wait
 * in our queue, and only its acknowledgements show it. Fan-out flow control reads this
 * (lib/server/fanout-flow.ts).
 *
 * RTMP 1.0 §5.4.4: after we announce a window (Window Acknowledgement Size), the peer acknowledges
 * once it has received that many bytes since its last acknowledgement. So of what we sent, the peer
 * has certainly not received `sent − acknowledged − step`, where the step is the window, or the
 * largest step seen between two of its acknowledgements if that is larger (peers acknowledge at
 * their own pace: ours and node-media-server's once per window, ffmpeg every half window, librtmp
 * every tenth of the peer bandwidth). The count starts before the first acknowledgement (the peer
 * has acknowledged 0 bytes).
 *
 * A peer that stops acknowledging (or never does) would look further behind for ever: once it has
 * owed an acknowledgement for more than `overdueMs`, the measure says nothing (0) until its next
 * one, and the peer is judged by our queue alone. It can never hold anything by silence.
 */

/** A step at or above half the sequence space (2^32) is a peer going backwards, or lying. */
const HALF = 0x8000_0000;
/** Default `overdueMs`. */
export const ACK_OVERDUE_MS = 2000;

export class PeerAcknowledgements {
  /** The window we announced (Window Acknowledgement Size); 0: none, so nothing is known. */
  window = 0;
  /** The last sequence number (bytes the peer received, mod 2^32). */
  private sequence = 0;
  /**
   * Bytes acknowledged, unwrapped: the sum of the forward steps between sequence numbers, so that
   * comparing with our own count needs no modular arithmetic on the hot path.
   */
  private acknowledged = 0;
  /** Largest forward step seen between two Acknowledgements (the first one's step from 0 is not one). */
  private largestStep = 0;
  /** `performance.now()` from which the peer has owed an Acknowledgement (undefined: none owed, or not looked at since). */
  private owedSince: number | undefined;
  private watchers: Set<() => void> | undefined;

  constructor(private readonly overdueMs: number = ACK_OVERDUE_MS) {}

  /** An Acknowledgement arrived; watchers hear of it when it moved the count forward. */
  received(sequenceNumber: number): void {
    const step = (sequenceNumber - this.sequence) >>> 0;
    if (step === 0 || step >= HALF) return;
    if (this.acknowledged > 0 && step > this.largestStep) this.largestStep = step;
    this.sequence = sequenceNumber >>> 0;
    this.acknowledged += step;
    this.owedSince = undefined;
    if (this.watchers) for (const listener of this.watchers) listener();
  }

  /**
   * Of `sent` (all bytes we have sent since the handshake), what the peer has certainly not
   * received; 0 while unknown (no window announced) or while its acknowledgement is overdue.
   * `now` is `performance.now()`.
   */
  behind(sent: number, now: number): number {
    const step = this.window > this.largestStep ? this.window : this.largestStep;
    // Negative: the peer is ahead of our count (it counted the handshake too).
    const owed = sent - this.acknowledged - step;
    if (owed <= 0 || step === 0) {
      this.owedSince = undefined;
      return 0;
    }
    // An acknowledgement is owed: since when (first seen here, or its last one if it is still behind)?
    const since = (this.owedSince ??= now);
    return now - since > this.overdueMs ? 0 : owed;
  }

  /** Calls `listener` on each Acknowledgement that moves forward; returns the remover. */
  watch(listener: () => void): () => void {
    (this.watchers ??= new Set()).add(listener);
    return () => void this.watchers?.delete(listener);
  }
}
