#!/usr/bin/env node
// `npm test` runs real peers (ffmpeg, ffprobe, rtmpdump) and makes certificates with openssl.
// On a fresh Debian/Ubuntu machine as root, install what is missing; elsewhere say what to install.
// Then the interop peers outside the project (scripts/ensure-peers.ts): nginx-rtmp (apt-get),
// node-media-server@4 (npm, temp prefix) and ffmpeg 7 (pip wheel); those are not fatal when missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function ensurePeers() {
  const script = fileURLToPath(new URL('./ensure-peers.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (r.status !== 0) console.error(`!!!! installing the interop peers failed (${r.status ?? r.error}): their tests will skip`);
}

const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffmpeg', rtmpdump: 'rtmpdump', openssl: 'openssl' };
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(Object.entries(tools).filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg))];
// nginx with its RTMP module: the relay interop tests' peer (found by path: nginx is in /usr/sbin).
if (!existsSync('/usr/sbin/nginx') || !existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so')) missing.push('nginx', 'libnginx-mod-rtmp');
if (missing.length === 0) {
  ensurePeers();
  process.exit(0);
}

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && has('apt-get')) {
  console.error(`installing ${missing.join(' ')} for the interop tests (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (run(['update', '-qq']) && run(['install', '-y', '-qq', '--no-install-recommends', ...missing])) {
    ensurePeers();
    process.exit(0);
  }
}
console.error(`The tests need ${missing.join(', ')} on PATH (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}).`);
process.exit(1);
