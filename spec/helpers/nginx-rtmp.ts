/**
 * nginx-rtmp for interop tests: the bench's launcher (bench/support/peers.ts, generated config,
 * loopback, ephemeral port) behind a check that fails loudly when nginx or its RTMP module is
 * missing (CI installs them: .ci/run, scripts/ensure-tools.mjs).
 */
import { nginxRtmp, startNginxRtmp, type RunningPeer } from '../../bench/support/peers.js';

export type { RunningPeer };

export async function startNginx(options: { port?: number; applications?: string } = {}): Promise<RunningPeer> {
  const missing = nginxRtmp.ensure();
  if (missing) throw new Error(`nginx-rtmp is required for this test: ${missing}`);
  return startNginxRtmp(options);
}
