/**
 * One close convention for Server, ServerConnection and Client:
 * `close({ timeout, signal })` flushes and ends gracefully and resolves once everything is closed;
 * at `timeout` ms (default 5000; 0 = no deadline) what is still open is destroyed and the promise
 * still resolves; aborting `signal` destroys at once and rejects with `signal.reason`.
 */
import { ErrorCode, SessionError } from '../errors.js';

export interface CloseOptions {
  /** ms to wait for the graceful close before destroying what is left. Default 5000; 0 = no deadline. */
  timeout?: number;
  /** Aborting destroys at once; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export const DEFAULT_CLOSE_TIMEOUT = 5000;

/** Validated close options (a bare number, the old form, is refused loudly). */
export function closeOptions(options: CloseOptions | undefined): { timeout: number; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeout: DEFAULT_CLOSE_TIMEOUT, signal: undefined };
  if (options === null || typeof options !== 'object') {
    throw new SessionError(ErrorCode.INVALID_OPTION, `close() takes { timeout, signal }, got ${String(options)}`);
  }
  const timeout = options.timeout ?? DEFAULT_CLOSE_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new SessionError(ErrorCode.INVALID_OPTION, `close timeout must be a number of ms >= 0, got ${String(options.timeout)}`);
  }
  return { timeout, signal: options.signal };
}

/**
 * `graceful()` bounded by the options: `destroy()` runs at the timeout (the promise then resolves
 * once `graceful()` does) or on abort (the promise rejects with the reason at once).
 */
export function boundedClose(graceful: () => Promise<void>, destroy: () => void, options: CloseOptions | undefined): Promise<void> {
  let timeout: number;
  let signal: AbortSignal | undefined;
  try {
    ({ timeout, signal } = closeOptions(options));
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) {
    destroy();
    graceful().catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<void>((resolve, reject) => {
    // Not unref'd: a caller awaiting close() is owed its outcome even when nothing else runs.
    const timer = timeout > 0 && Number.isFinite(timeout) ? setTimeout(destroy, timeout) : undefined;
    const onAbort = (): void => {
      cleanup();
      destroy();
      reject(signal!.reason);
    };
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    graceful().then(
      () => {
        cleanup();
        resolve();
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}
