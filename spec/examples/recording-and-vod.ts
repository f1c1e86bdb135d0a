// Record a publish to FLV, then play the recording back as VOD, in one process.
// Run: node --import tsx recording-and-vod.ts [DIR]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Server, StreamType } from '../../lib/index.js';

const dir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'recordings-')));
const server = new Server({
  addr: '127.0.0.1:0',
  recordDir: dir, // publish(name, 'record' | 'append') → <dir>/<app>/<name>.flv
  recordAll: false, // true / 'record': every live publish is recorded too; 'append': continues the file
  recordMaxBacklog: 64 << 20, // bytes waiting for the disk before a recording stops (never drops)
  vodDir: dir, // play('clip') → <dir>/<app>/clip.flv when nobody publishes live/clip
  vodPace: 'fast', // or 'realtime' (the default)
  vodLead: 500, // ms sent ahead of the real-time clock (the player's buffer)
});
const saved = new Promise<void>((resolve) =>
  server.recordings?.on('stop', (_recorder, app, name) => {
    console.log(`${app}/${name} saved`);
    resolve();
  }),
);
server.vod?.on('complete', (player) => console.log(`${player.name} played to the end`));
await server.listen();
const url = `rtmp://127.0.0.1:${server.address()!.port}/live`;

const publisher = new Client();
await publisher.connect(url);
await publisher.publish('clip', StreamType.Record);
await publisher.writeMetadata({ duration: 0.08 });
for (let i = 0; i < 3; i++) await publisher.writeVideo(Buffer.from([i === 0 ? 0x17 : 0x27, 0x01, 0, 0, 0, i]), i * 40);
await publisher.close();
await saved;

const player = new Client();
await player.connect(url);
await player.play('clip');
let frames = 0;
for await (const event of player.events()) {
  if (event.kind === 'video') frames++;
  const code = event.kind === 'command' ? (event.args[0] as { code?: string } | undefined)?.code : undefined;
  if (code === 'NetStream.Play.Stop') break; // after NetStream.Play.Complete and Stream EOF
}
console.log(`played ${frames} video frames from the file`);
await player.close();
await server.close();
