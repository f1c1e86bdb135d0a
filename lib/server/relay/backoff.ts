/**
 * Reconnect delays for relays: exponential from `initialDelay` up to `maxDelay`, with up to
 * `jitter` (a fraction) taken off at random so many relays that lost the same peer do not all
 * come back in the same millisecond. A connection that worked resets it (`reset()`).
 */
import { ErrorCode, SessionError } from '../../errors.js';

export interface BackoffOptions {
  /** ms before the first retry. Default 1000. */
  initialDelay?: number;
  /** Longest delay, ms. Default 30,000. */
  maxDelay?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Fraction (0..1) of each delay that may be taken off at random. Default 0.2. */
  jitter?: number;
}

export const DEFAULT_RELAY_BACKOFF: Required<BackoffOptions> = { initialDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  private readonly options: Required<BackoffOptions>;
  private attempt = 0;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    const o = { ...DEFAULT_RELAY_BACKOFF, ...options };
    const bad = (what: string): never => {
      throw new SessionError(ErrorCode.INVALID_OPTION, `relay backoff: ${what}`);
    };
    if (!(o.initialDelay >= 0) || !Number.isFinite(o.initialDelay)) bad(`initialDelay must be a finite number >= 0, got ${o.initialDelay}`);
    if (!(o.maxDelay >= o.initialDelay) || !Number.isFinite(o.maxDelay)) bad(`maxDelay must be finite and >= initialDelay, got ${o.maxDelay}`);
    if (!(o.factor >= 1) || !Number.isFinite(o.factor)) bad(`factor must be >= 1, got ${o.factor}`);
    if (!(o.jitter >= 0 && o.jitter <= 1)) bad(`jitter must be 0..1, got ${o.jitter}`);
    this.options = o;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt (and counts the attempt). */
  next(): number {
    const { initialDelay, maxDelay, factor, jitter } = this.options;
    const base = Math.min(maxDelay, initialDelay * factor ** Math.min(this.attempt, 64));
    this.attempt++;
    return Math.round(base * (1 - jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
