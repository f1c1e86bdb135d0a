/**
 * Issue 12 item 2: Enhanced RTMP with a real peer. ffmpeg 7 (spec/helpers/ffmpeg7.ts: HEVC and AV1
 * in FLV/RTMP as Enhanced RTMP) publishes through our server to an ffmpeg 7 player and to our
 * client, and plays what our client publishes. Each recording is compared with the source packet
 * by packet with ffmpeg 7's framemd5 (timestamp, size and MD5 of every packet, and of the codec
 * configuration): Debian's ffprobe 5.1 misreads Enhanced FLV.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, it, before } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { createPlayStream, createPublishStream } from '../../lib/client/media-streams.js';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import { FlvMuxer } from '../../lib/flv/flv-muxer.js';
import { Server } from '../../lib/server/index.js';
import { RTMP_INPUT_PROBE, run, runningProcesses, start } from '../helpers/ffmpeg.js';
import { FFMPEG7, ensureFfmpeg7 } from '../helpers/ffmpeg7.js';
import { interopMedia } from '../helpers/media.js';

const unavailable = ensureFfmpeg7();
if (unavailable) console.error(`\n!!!! ffmpeg 7 CANNOT BE INSTALLED: the Enhanced RTMP interop tests are SKIPPED: ${unavailable}\n`);

const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
const CODECS = {
  hevc: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:pools=1:frame-threads=1'],
  av1: ['-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime', '-threads', '1'],
} as const;

/** Per media type: `dts,size,md5` of every packet, and the codec configuration's `size,md5`. */
interface Hashes {
  video: string[];
  audio: string[];
  extradata: Record<string, string>;
  codecs: Record<string, string>;
}

async function framemd5(file: string): Promise<Hashes> {
  const { stdout } = await run(FFMPEG7, [...QUIET, '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-']);
  const types: Record<string, string> = {};
  const out: Hashes = { video: [], audio: [], extradata: {}, codecs: {} };
  const lines = stdout.toString('utf8').split('\n');
  for (const line of lines) {
    const type = /^#media_type (\d+): (\w+)/.exec(line);
    if (type) types[type[1]!] = type[2]!;
  }
  for (const line of lines) {
    const codec = /^#codec_id (\d+): (\w+)/.exec(line);
    if (codec) out.codecs[types[codec[1]!]!] = codec[2]!;
    const extradata = /^#extradata (\d+),\s*(\d+),\s*(\w+)/.exec(line);
    if (extradata) out.extradata[types[extradata[1]!]!] = `${extradata[2]},${extradata[3]}`;
    if (!line || line.startsWith('#')) continue;
    const cols = line.split(',').map((c) => c.trim());
    const kind = types[cols[0]!];
    if (kind === 'video' || kind === 'audio') out[kind].push(`${cols[1]},${cols[4]},${cols[5]}`);
  }
  return out;
}

async function assertSameAsSource(got: string, source: Hashes, codec: string): Promise<void> {
  const hashes = await framemd5(got);
  assert.equal(hashes.codecs.video, codec);
  assert.ok(source.video.length >= 50, `source has ${source.video.length} video packets`);
  assert.deepEqual(hashes, source);
}

describe('interop: Enhanced RTMP (HEVC, AV1) with ffmpeg 7', { skip: unavailable, timeout: 120_000 }, () => {
  const media = interopMedia('enhanced-ffmpeg7');

  for (const [codec, encoder] of Object.entries(CODECS)) {
    let source: string;
    let sourceHashes: Hashes;
    before(async () => {
      source = join(media.dir, `${codec}.flv`);
      await run(FFMPEG7, [
        ...QUIET, '-y',
        '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=2',
        ...encoder, '-g', '25', '-c:a', 'aac', '-b:a', '64k', '-fflags', '+bitexact', '-f', 'flv', source,
      ]);
      sourceHashes = await framemd5(source);
    });

    it(`ffmpeg 7 publishes ${codec} through our server: an ffmpeg 7 player and our client get every packet`, async () => {
      const server = new Server({ addr: '127.0.0.1:0' });
      await server.listen();
      const url = `rtmp://127.0.0.1:${server.address()!.port}/live/${codec}`;
      const theirs = join(media.dir, `${codec}-ffmpeg7-player.flv`);
      const ours = join(media.dir, `${codec}-our-player.flv`);
      const player = new Client();
      try {
        const ffmpegPlays = once(server, 'play');
        const ffPlayer = start(FFMPEG7, [...QUIET, ...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', theirs]);
        await ffmpegPlays;
        await player.connect(url);
        await player.play();
        // Our server ends the stream with Play.UnpublishNotify: the recording pipeline ends with it.
        const recording = pipeline(createPlayStream(player), new FlvMuxer(), createWriteStream(ours));
        const publisher = await start(FFMPEG7, [...QUIET, '-i', source, '-map', '0', '-c', 'copy', '-f', 'flv', url]).exited;
        assert.equal(publisher.code, 0, publisher.stderr);
        await recording;
        // ffmpeg players do not stop when the publisher does: the server closes them.
        await server.close();
        const played = await ffPlayer.exited;
        assert.equal(played.code, 0, played.stderr);
      } finally {
        player.destroy();
        await server.close();
      }
      await assertSameAsSource(theirs, sourceHashes, codec);
      await assertSameAsSource(ours, sourceHashes, codec);
    });

    it(`our client publishes ${codec} (FlvDemuxer → createPublishStream) through our server: ffmpeg 7 plays every packet`, async () => {
      const server = new Server({ addr: '127.0.0.1:0' });
      await server.listen();
      const url = `rtmp://127.0.0.1:${server.address()!.port}/live/${codec}`;
      const theirs = join(media.dir, `${codec}-from-our-client.flv`);
      const publisher = new Client();
      try {
        const ffmpegPlays = once(server, 'play');
        const ffPlayer = start(FFMPEG7, [...QUIET, ...RTMP_INPUT_PROBE, '-i', url, '-map', '0', '-c', 'copy', '-f', 'flv', theirs]);
        await ffmpegPlays;
        await publisher.connect(url);
        await publisher.publish();
        await pipeline(createReadStream(source), new FlvDemuxer(), createPublishStream(publisher));
        const unpublished = once(server, 'unpublish');
        await publisher.close();
        await unpublished;
        await server.close();
        const played = await ffPlayer.exited;
        assert.equal(played.code, 0, played.stderr);
      } finally {
        publisher.destroy();
        await server.close();
      }
      await assertSameAsSource(theirs, sourceHashes, codec);
    });
  }

  it('leaves no process behind', () => {
    assert.equal(runningProcesses(), 0);
  });
});
