/**
 * Deadlines for a server connection's phases, so that no peer holds a connection slot by doing
 * nothing (or by trickling bytes: these timers do not care what arrives, only what was achieved).
 *
 *   handshake ─ handshakeTimeout (Server, lib/handshake) ─▶ connecting
 *   connecting ─ connectTimeout: a connect must be accepted in time ─▶ connected
 *   connected ─ idleTimeout: publish or play must start in time ─▶ publishing / playing
 *   publishing / playing ─(stops)─▶ connected: the idle deadline runs again
 *
 * The read timeout (lib/session) still watches that bytes arrive at all; this watches progress.
 */
import { ErrorCode, SessionError } from '../errors.js';
import type { ConnectionState } from '../session/index.js';

/** Default ms from the end of the handshake to an accepted connect. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;
/** Default ms a connected client may go without publishing or playing anything. */
export const DEFAULT_IDLE_TIMEOUT = 30_000;

export interface PhaseDeadlineOptions {
  /** ms; 0 = never. Default DEFAULT_CONNECT_TIMEOUT. */
  connectTimeout?: number;
  /** ms; 0 = never. Default DEFAULT_IDLE_TIMEOUT. */
  idleTimeout?: number;
}

export class PhaseDeadlines {
  private timer: NodeJS.Timeout | undefined;
  private readonly connectTimeout: number;
  private readonly idleTimeout: number;

  /** `expire` closes the connection with the typed error. */
  constructor(
    private readonly expire: (err: SessionError) => void,
    options: PhaseDeadlineOptions = {},
  ) {
    this.connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  }

  /** The connection entered `state`: arm the deadline of that phase, or clear it. */
  enter(state: ConnectionState): void {
    this.clear();
    if (state === 'connecting') {
      this.arm(this.connectTimeout, ErrorCode.CONNECT_TIMEOUT, (ms) => `no accepted connect within ${ms} ms of the handshake`);
    } else if (state === 'connected') {
      this.arm(this.idleTimeout, ErrorCode.SESSION_IDLE_TIMEOUT, (ms) => `connected for ${ms} ms without publishing or playing`);
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number, code: ErrorCode, message: (ms: number) => string): void {
    if (!(ms > 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.expire(new SessionError(code, message(ms)));
    }, ms);
    this.timer.unref();
  }
}
