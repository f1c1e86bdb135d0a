/** Exit codes of `rtmp-server` and `rtmp-client` (documented in --help and the README). */
export const ExitCode = {
  /** Done: the stream ended, the file was sent, or a signal asked us to stop. */
  Ok: 0,
  /** Bad flags or arguments. */
  Usage: 1,
  /** Could not connect, authenticate or listen (refused, timeout, address in use). */
  Connect: 2,
  /** The server refused the publish or play. */
  StreamRejected: 3,
  /** A file could not be read or written, or is not a valid FLV. */
  Io: 4,
  /** The connection broke while streaming. */
  ConnectionLost: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** `rtmp-client --help`: the codes the client returns. */
export const CLIENT_EXIT_CODE_HELP = `Exit codes:
  0  ok (stream ended, file sent, or stopped by SIGINT/SIGTERM)
  1  usage error (bad flags)
  2  cannot connect or authenticate
  3  publish or play refused by the server
  4  file I/O error or invalid FLV
  5  connection lost while streaming`;

/** `rtmp-server --help`: the codes the server returns. */
export const SERVER_EXIT_CODE_HELP = `Exit codes:
  0  stopped by SIGINT/SIGTERM (graceful shutdown done)
  1  usage error (bad flags)
  2  cannot listen (address in use, no permission)
  4  cannot read the TLS certificate or key
  5  shutdown cut short (a second signal) or failed`;
