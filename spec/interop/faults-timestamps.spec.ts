/**
 * Timestamps across 2^24 ms through real ffmpeg (issue 5, item 2): ffmpeg publishes a 3 s clip
 * shifted to start at 16,776 s (`-output_ts_offset`), so 1.2 s in its timestamps pass 0xFFFFFF ms
 * and the chunk headers switch to the extended timestamp field (RTMP 1.0 §5.3.1.3). An ffmpeg
 * player connected before publishing starts must get every packet, with the same sizes, flags and
 * spacing (dts and pts relative to the first packet) as the source, and so must the server's FLV
 * recording of the stream (`recordAll`; the recorder rebases the clock to start at 0).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, ffmpeg, killAll, probePackets, runningProcesses, type Packet } from '../helpers/ffmpeg.js';
import { generateFlv, tempDir } from '../helpers/media.js';

const OFFSET_S = 16_776; // 2^24 ms = 16,777.216 s
const EXTENDED_MS = 0xffffff;

/** Per media type: size, keyframe flag, dts/pts relative to the file's first dts, and duration. */
function relative(packets: Packet[], type: 'audio' | 'video'): string[] {
  const origin = Math.min(...packets.map((p) => p.dts ?? Infinity));
  return packets.filter((p) => p.codecType === type).map((p) => `${p.size}:${p.keyframe ? 'K' : '_'}:${p.dts! - origin}:${p.pts! - origin}:${p.duration}`);
}

describe('interop: timestamps across 2^24 ms through the server to an ffmpeg player', { timeout: 60_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let source: string;

  before(async () => {
    ({ dir, remove } = await tempDir('faults-ts'));
    source = await generateFlv(dir, 'source.flv', { seconds: 3, gop: 25 });
  });
  after(async () => {
    await killAll();
    await remove();
  });

  it('the player and the recording get every packet with the same sizes, flags and spacing', { timeout: 45_000 }, async () => {
    let maxTimestamp = 0;
    let crossed = false;
    const recordDir = join(dir, 'rec');
    const server = new Server({
      addr: '127.0.0.1:0',
      recordDir,
      recordAll: true,
      onMessage(_conn, message) {
        if (message.type !== 8 && message.type !== 9) return;
        if (message.timestamp < EXTENDED_MS && maxTimestamp >= EXTENDED_MS) throw new Error('timestamps went backwards');
        if (message.timestamp > EXTENDED_MS && maxTimestamp > 0 && maxTimestamp < EXTENDED_MS) crossed = true;
        maxTimestamp = Math.max(maxTimestamp, message.timestamp);
      },
    });
    await server.listen();
    try {
      const url = `rtmp://127.0.0.1:${server.address()!.port}/live/wrap`;
      const out = join(dir, 'played.flv');
      const played = once(server, 'play');
      const player = ffmpeg([...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', out]);
      await played;
      const unpublished = once(server, 'unpublish');
      const recorded = once(server.recordings!, 'stop');
      const publisher = ffmpeg(['-i', source, '-map', '0', '-c', 'copy', '-output_ts_offset', String(OFFSET_S), '-f', 'flv', url]);
      const published = await publisher.exited;
      assert.equal(published.code, 0, published.stderr);
      await unpublished;
      await recorded;
      assert.ok(crossed, `the publisher's timestamps crossed 2^24 ms (max ${maxTimestamp})`);
      // ffmpeg players ignore UnpublishNotify: the server closes them (after flushing).
      await server.close();
      const result = await player.exited;
      assert.equal(result.code, 0, result.stderr);

      const [want, got] = await Promise.all([probePackets(source), probePackets(out)]);
      assert.ok(want.length > 100);
      assert.deepEqual(relative(got, 'video'), relative(want, 'video'));
      assert.deepEqual(relative(got, 'audio'), relative(want, 'audio'));
      const recording = await probePackets(join(recordDir, 'live', 'wrap.flv'));
      assert.deepEqual(relative(recording, 'video'), relative(want, 'video'), 'the recording has every packet, same spacing');
      assert.deepEqual(relative(recording, 'audio'), relative(want, 'audio'));
    } finally {
      await server.close({ timeout: 500 });
    }
  });

  it('every process started here is gone', () => {
    assert.equal(runningProcesses(), 0);
  });
});
