/**
 * Socket errors that only say the peer left: a player killed with SIGINT resets the connection
 * (ECONNRESET), a write after its close fails (EPIPE). A normal way for a connection to end, logged
 * at info; data cut off inside a chunk or a message (ERR_CHUNK_TRUNCATED) stays a warning.
 */
const PEER_GONE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

export function isPeerGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && PEER_GONE_CODES.has(code);
}
