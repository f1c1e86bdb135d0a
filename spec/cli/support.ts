/** Running the CLIs as child processes (`node --import tsx lib/cli/...`), as users run them. */
import { start, type RunningProcess } from '../helpers/ffmpeg.js';

export function cli(name: 'rtmp-server' | 'rtmp-client', args: string[]): RunningProcess {
  return start(process.execPath, ['--import', 'tsx', `lib/cli/${name}.ts`, ...args]);
}

/** Resolves with the first match of `pattern` in the process's stderr (rejects if it exits first). */
export function waitForStderr(proc: RunningProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(proc.stderr());
      if (match) {
        proc.proc.stderr!.off('data', onData);
        resolve(match);
      }
      return Boolean(match);
    };
    const onData = (): void => {
      // The helper's own listener appends first (it was added first), so stderr() is up to date.
      check();
    };
    if (check()) return;
    proc.proc.stderr!.on('data', onData);
    void proc.exited.then((r) => {
      if (!check()) reject(new Error(`process exited (${r.code}) before printing ${pattern}:\n${r.stderr}`));
    });
  });
}

/** Starts `rtmp-server` on a free loopback port; resolves with the process and the port. */
export async function startServerCli(args: string[] = []): Promise<{ server: RunningProcess; port: number }> {
  const server = cli('rtmp-server', ['--addr', '127.0.0.1:0', ...args]);
  const match = await waitForStderr(server, /rtmp-server listening on rtmp:\/\/127\.0\.0\.1:(\d+)/);
  return { server, port: Number(match[1]) };
}
