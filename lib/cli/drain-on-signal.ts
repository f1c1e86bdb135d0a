/**
 * How both server CLIs (one process and `--workers`) stop: the first SIGINT/SIGTERM drains
 * gracefully and resolves with exit code 0; a second one exits at once.
 */
import type { Logger } from '../logger.js';
import { ExitCode } from './exit-codes.js';

export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export function drainOnSignal(signals: SignalSource, log: Logger, draining: () => string, close: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn(`${signal} again: exiting at once`);
        resolve(ExitCode.ConnectionLost);
        return;
      }
      stopping = true;
      log.info(`${signal}: ${draining()}`);
      close().then(
        () => {
          signals.off('SIGINT', onInt);
          signals.off('SIGTERM', onTerm);
          log.info('rtmp-server stopped');
          resolve(ExitCode.Ok);
        },
        (err: Error) => {
          log.error(`shutdown failed: ${err.message}`);
          resolve(ExitCode.ConnectionLost);
        },
      );
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
}
