/**
 * The interop tests' peer servers and the Enhanced RTMP ffmpeg, installed outside the project's
 * dependencies (idempotent): nginx + libnginx-mod-rtmp (apt-get, as root), node-media-server@4
 * (npm into a temp prefix), ffmpeg 7 (the imageio-ffmpeg wheel, pip). Run by scripts/ensure-tools.mjs
 * before the tests. What cannot be installed is said loudly here; its tests then skip, loudly too.
 */
import { nginxRtmp, nodeMediaServer } from '../bench/support/peers.js';
import { ensureFfmpeg7 } from '../spec/helpers/ffmpeg7.js';

const results: Array<[string, string | undefined]> = [
  ['nginx-rtmp', nginxRtmp.ensure()],
  ['node-media-server', nodeMediaServer.ensure()],
  ['ffmpeg 7', ensureFfmpeg7()],
];
for (const [name, reason] of results) {
  if (reason) console.error(`!!!! ${name} is NOT available; its interop tests will be SKIPPED: ${reason}`);
}
