/**
 * Rewriting the duration of an FLV file once it is complete: a recording stopped early (SIGINT,
 * --duration) keeps the onMetaData its source sent, whose duration is the source's. FlvMuxer knows
 * where that number sits in the file and how long the file really is (`muxer.durationPatch`).
 */
import { open } from 'node:fs/promises';

/** Writes `patch.seconds` over the onMetaData duration at `patch.position`; false when there is none. */
export async function rewriteFlvDuration(file: string, patch: { position: number; seconds: number } | undefined): Promise<boolean> {
  if (!patch) return false;
  const value = Buffer.alloc(8);
  value.writeDoubleBE(patch.seconds);
  const handle = await open(file, 'r+');
  try {
    await handle.write(value, 0, 8, patch.position);
  } finally {
    await handle.close();
  }
  return true;
}
