/**
 * Runs a handshake machine over a socket (any byte-mode Duplex). Reads with a 'data' listener,
 * writes what the machine returns, and when done removes every listener it added and pauses the
 * socket, so the caller can feed `result.rest` and then the socket to the chunk layer.
 *
 * On failure the promise rejects and the socket is left paused, without our listeners and open:
 * the caller decides whether to destroy it (it should: the handshake state is lost).
 */
import type { Duplex } from 'node:stream';
import { ErrorCode, HandshakeError } from '../errors.js';
import { ClientHandshake, type ClientHandshakeOptions } from './client.js';
import { ServerHandshake, type ServerHandshakeOptions } from './server.js';
import type { HandshakeResult, HandshakeStep } from './types.js';

/** Default handshake timeout: 10 s. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

export interface HandshakeSocketOptions {
  /**
   * Milliseconds for the whole handshake before it fails with HANDSHAKE_TIMEOUT. Default
   * DEFAULT_HANDSHAKE_TIMEOUT (10 s); 0 or Infinity disables it.
   */
  timeout?: number;
  /** Aborting rejects the promise with `signal.reason`. */
  signal?: AbortSignal;
}

export type ServerHandshakeSocketOptions = ServerHandshakeOptions & HandshakeSocketOptions;
export type ClientHandshakeSocketOptions = ClientHandshakeOptions & HandshakeSocketOptions;

/** Answers a client's C0/C1/C2 on `socket`. Resolves once C2 is read. */
export function performServerHandshake(socket: Duplex, options: ServerHandshakeSocketOptions = {}): Promise<HandshakeResult> {
  return run(socket, new ServerHandshake(options), undefined, options);
}

/** Sends C0/C1 on `socket` and completes the handshake with the server. Resolves once S2 is read. */
export function performClientHandshake(socket: Duplex, options: ClientHandshakeSocketOptions = {}): Promise<HandshakeResult> {
  // Build the machine first: a bad option throws before any byte is sent.
  let machine: ClientHandshake;
  try {
    machine = new ClientHandshake(options);
  } catch (err) {
    return Promise.reject(err);
  }
  return run(socket, machine, machine.start(), options);
}

function checkTimeout(timeout: number): number {
  if (!(timeout >= 0)) throw new RangeError(`handshake timeout must be >= 0 ms, got ${timeout}`);
  return timeout;
}

function run(
  socket: Duplex,
  machine: { push(chunk: Buffer): HandshakeStep },
  first: Buffer | undefined,
  options: HandshakeSocketOptions,
): Promise<HandshakeResult> {
  return new Promise<HandshakeResult>((resolve, reject) => {
    const timeout = checkTimeout(options.timeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
    const { signal } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    if (socket.destroyed || socket.readableEnded) {
      reject(new HandshakeError(ErrorCode.HANDSHAKE_CLOSED, 'socket already closed before the handshake'));
      return;
    }
    let timer: NodeJS.Timeout | undefined;

    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      socket.pause();
    };
    const fail = (err: unknown): void => {
      cleanup();
      reject(err);
    };
    const onData = (chunk: Buffer | string): void => {
      if (typeof chunk === 'string') {
        fail(new TypeError('the socket has an encoding set; the handshake needs Buffers'));
        return;
      }
      let step: HandshakeStep;
      try {
        step = machine.push(chunk);
      } catch (err) {
        fail(err);
        return;
      }
      for (const buf of step.output) socket.write(buf);
      if (step.done) {
        cleanup();
        resolve(step.result!);
      }
    };
    const onEnd = (): void => {
      fail(new HandshakeError(ErrorCode.HANDSHAKE_CLOSED, 'peer closed the connection during the handshake'));
    };
    const onError = (err: Error): void => {
      fail(new HandshakeError(ErrorCode.HANDSHAKE_CLOSED, `connection failed during the handshake: ${err.message}`, { cause: err }));
    };
    const onAbort = (): void => {
      fail(signal!.reason);
    };

    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout > 0 && timeout !== Infinity) {
      timer = setTimeout(() => {
        fail(new HandshakeError(ErrorCode.HANDSHAKE_TIMEOUT, `handshake not completed within ${timeout} ms`));
      }, timeout);
    }
    if (first !== undefined) socket.write(first);
  });
}
