/**
 * Real RTMP servers for the interop specs: nginx-rtmp and node-media-server, installed and started
 * exactly as bench/peers.bench.ts does (bench/support/peers.ts: outside the project's dependencies,
 * on an ephemeral loopback port with a generated config, one `live` application). A peer that
 * cannot be installed is reported loudly and its suite skipped; anything else is a failure.
 */
import { nginxRtmp, nodeMediaServer, type PeerKind, type RunningPeer } from '../../bench/support/peers.js';

export type { PeerKind, RunningPeer };
export const PEER_SERVERS: readonly PeerKind[] = [nginxRtmp, nodeMediaServer];

/** Installs the peer if needed; the reason it is unavailable (also printed, loudly), or undefined. */
export function peerUnavailable(peer: PeerKind): string | undefined {
  const reason = peer.ensure();
  if (reason) console.error(`\n!!!! ${peer.name} CANNOT BE INSTALLED: its interop tests are SKIPPED: ${reason}\n`);
  return reason;
}
