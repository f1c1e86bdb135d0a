/**
 * Our Client driving VOD on our Server (issue 4, item 4): seek and pause through the Client API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '../../lib/client/client.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';
import { Server } from '../../lib/server/index.js';
import { tempDir } from '../helpers/media.js';
import { writeSynthetic } from '../server/record-vod-fixtures.js';

/** Next event that `match` accepts (others are skipped); fails if the connection ends first. */
async function next(client: Client, match: (e: RtmpEvent) => boolean): Promise<RtmpEvent> {
  for (;;) {
    const event = await client.readEvent();
    assert.ok(event, 'the connection ended before the expected event');
    if (match(event)) return event;
  }
}

const isVideo = (e: RtmpEvent): boolean => e.kind === 'video';

test('Client.seek and Client.pause on a VOD file: statuses, media resumes at the keyframe at or before the target and after unpause', async () => {
  const { dir, remove } = await tempDir('client-vod');
  await mkdir(join(dir, 'vod'), { recursive: true });
  // 30 s of media, a keyframe every second, played at real-time pace so pause has something to stop.
  await writeSynthetic(join(dir, 'vod', 'clip.flv'), { durationMs: 30_000, keyframeMs: 1000 });
  const server = new Server({ addr: '127.0.0.1:0', vodDir: dir, vodPace: 'realtime', vodLead: 300 });
  await server.listen();
  const client = new Client();
  try {
    await client.connect(`rtmp://127.0.0.1:${server.address()!.port}/vod/clip`);
    await assert.rejects(client.seek(1000), (e: unknown) => isRtmpError(e, ErrorCode.SESSION_STATE), 'seek needs a stream being played');
    await client.play();
    await next(client, isVideo);

    const seek = await client.seek(12_500);
    assert.equal(seek.code, 'NetStream.Seek.Notify');
    const first = await next(client, (e) => isVideo(e) && e.timestamp >= 1000);
    assert.equal(first.timestamp, 12_000, 'media resumes at the keyframe at or before 12.5 s');
    assert.equal(first.kind === 'video' && first.payload[0]! >> 4, 1, 'and that frame is a keyframe');

    const paused = await client.pause(true, 12_000);
    assert.equal(paused.code, 'NetStream.Pause.Notify');
    // Whatever was in flight before the pause may still arrive; after Unpause.Notify media flows again.
    const resumed = await client.pause(false, 12_000);
    assert.equal(resumed.code, 'NetStream.Unpause.Notify');
    const after = await next(client, isVideo);
    assert.ok(after.timestamp >= 12_000, `media after unpause continues from the pause point (${after.timestamp})`);
  } finally {
    await client.close();
    await server.close();
    await remove();
  }
});
