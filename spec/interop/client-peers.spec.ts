/**
 * Issue 12 item 2: our Client against the servers people run, nginx-rtmp and node-media-server
 * (installed as bench/peers.bench.ts does; see spec/helpers/peers.ts). For each: our client
 * publishes and our client plays, then ffmpeg publishes and our client plays; what the player
 * records with the documented pipeline (createPlayStream → FlvMuxer → file) has every packet of the
 * source (ffprobe -show_packets and framemd5), and playback ends by itself soon after the publisher
 * stops. nginx-rtmp ends a stream with Stream EOF only (no status): the client must end playback
 * on it. node-media-server 4.4.3 sends no end at all (no status, no Stream EOF: checked against it),
 * so there the player stops once the source's last audio and video packets arrived; it sends a late
 * joiner's media on message stream 0 when ffmpeg publishes, which the client must take as the played
 * stream's (every recorded event must carry the played stream's id).
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../lib/client/client.js';
import { createPlayStream } from '../../lib/client/media-streams.js';
import { FlvMuxer } from '../../lib/flv/flv-muxer.js';
import { publishFlv } from '../helpers/client-media.js';
import { readFile } from 'node:fs/promises';
import type { DataEvent, MediaEvent } from '../../lib/command/events.js';
import { readFlvTags } from '../helpers/flv-tags.js';
import { assertSamePackets, decodeErrors, ffmpeg, packetSummary, probePackets, runningProcesses } from '../helpers/ffmpeg.js';
import { interopMedia } from '../helpers/media.js';
import { PEER_SERVERS, peerUnavailable, type RunningPeer } from '../helpers/peers.js';

/** How long after the publisher stops the player may take to notice the end (the claim). */
const END_WITHIN_MS = 5000;

/** Whether the server tells players that a stream ended (node-media-server 4.4.3 does not). */
const ENDS_STREAMS: Record<string, boolean> = { 'nginx-rtmp': true, 'node-media-server': false };

/** The last audio and video timestamps of an FLV file. */
async function lastTimestamps(file: string): Promise<{ audio: number; video: number }> {
  const last = { audio: -1, video: -1 };
  for (const tag of readFlvTags(await readFile(file))) {
    if (tag.type === 8) last.audio = Math.max(last.audio, tag.timestamp);
    if (tag.type === 9) last.video = Math.max(last.video, tag.timestamp);
  }
  return last;
}

/**
 * Records what `player` plays into `file` with the documented pipeline. Resolves when playback
 * ends by itself; on a server that never ends streams, the player is closed once the source's last
 * audio and video packets arrived (which ends the pipeline the same way).
 */
function record(player: Client, streamId: number, file: string, endsStream: boolean, last: { audio: number; video: number }, onMedia?: (event: MediaEvent) => void): Promise<void> {
  const seen = { audio: false, video: false };
  const watch = new Transform({
    objectMode: true,
    transform(event: MediaEvent | DataEvent, _enc, done) {
      if (event.streamId !== streamId) {
        // The client takes media the server sends on message stream 0 as the played stream's.
        done(new Error(`${event.kind} on message stream ${event.streamId}, not as the played stream ${streamId}`));
        return;
      }
      if (event.kind !== 'data') {
        onMedia?.(event);
        if (event.timestamp >= last[event.kind]) seen[event.kind] = true;
        if (!endsStream && seen.audio && seen.video) void player.close();
      }
      done(null, event);
    },
  });
  return pipeline(createPlayStream(player), watch, new FlvMuxer(), createWriteStream(file));
}

/** Waits for the recording to finish, at most END_WITHIN_MS after `since`. */
async function endsSoon(recording: Promise<void>, peer: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`playback from ${peer} did not end within ${END_WITHIN_MS} ms of the publisher stopping`)), END_WITHIN_MS);
  });
  try {
    await Promise.race([recording, late]);
  } finally {
    clearTimeout(timer);
  }
}

for (const kind of PEER_SERVERS) {
  const unavailable = peerUnavailable(kind);
  describe(`interop: our client with ${kind.name}`, { skip: unavailable, timeout: 120_000 }, () => {
    const media = interopMedia(`client-${kind.name}`);
    const endsStream = ENDS_STREAMS[kind.name] ?? true;
    let peer: RunningPeer;
    let last: { audio: number; video: number };
    before(async () => {
      peer = await kind.start();
      last = await lastTimestamps(media.source);
    });
    after(async () => {
      await peer?.stop();
    });

    it(`our client publishes to ${kind.name} and our client plays from it: every packet intact${endsStream ? ', then playback ends by itself' : ''}`, async () => {
      const url = `rtmp://127.0.0.1:${peer.port}/live/ours`;
      const out = join(media.dir, 'ours.flv');
      const player = new Client();
      const publisher = new Client();
      try {
        await player.connect(url);
        const recording = record(player, await player.play(), out, endsStream, last);
        await publisher.connect(url);
        await publisher.publish();
        await publishFlv(publisher, media.source);
        await publisher.close();
        await endsSoon(recording, kind.name);
      } finally {
        publisher.destroy();
        player.destroy();
      }
      await assertSamePackets(out, media.source);
    });

    it(`ffmpeg publishes to ${kind.name} and our client plays: every packet intact${endsStream ? ', then playback ends by itself' : ''}`, async () => {
      const url = `rtmp://127.0.0.1:${peer.port}/live/theirs`;
      const out = join(media.dir, 'theirs.flv');
      const player = new Client();
      try {
        await player.connect(url);
        const recording = record(player, await player.play(), out, endsStream, last);
        const publisher = ffmpeg(['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
        const published = await publisher.exited;
        assert.equal(published.code, 0, published.stderr);
        await endsSoon(recording, kind.name);
      } finally {
        player.destroy();
      }
      await assertSamePackets(out, media.source);
    });

    it(`a player joining ${kind.name} mid-stream (ffmpeg -re publishing) gets every packet from a keyframe on, decodable`, async () => {
      const url = `rtmp://127.0.0.1:${peer.port}/live/late`;
      const out = join(media.dir, 'late.flv');
      // A first player, there from the start, says when the stream is 1.2 s in.
      const early = new Client();
      const late = new Client();
      let midStream!: () => void;
      const reachedMidStream = new Promise<void>((resolve) => (midStream = resolve));
      try {
        await early.connect(url);
        const earlyRecording = record(early, await early.play(), join(media.dir, 'early.flv'), endsStream, last, (event) => {
          if (event.timestamp >= 1200) midStream();
        });
        const publisher = ffmpeg(['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-i', media.source, '-map', '0', '-c', 'copy', '-f', 'flv', url]);
        await reachedMidStream;
        await late.connect(url);
        const recording = record(late, await late.play(), out, endsStream, last);
        const published = await publisher.exited;
        assert.equal(published.code, 0, published.stderr);
        await endsSoon(Promise.all([recording, earlyRecording]).then(() => undefined), kind.name);
      } finally {
        early.destroy();
        late.destroy();
      }
      const packets = packetSummary(await probePackets(out), 'video');
      const source = packetSummary(await probePackets(media.source), 'video');
      assert.ok(packets.length > 0 && packets.length < source.length, `joined mid-stream: ${packets.length} of ${source.length} video packets`);
      assert.equal(packets[0]!.keyframe, true, 'the first video packet is a keyframe');
      assert.deepEqual(packets, source.slice(source.length - packets.length), 'every video packet from there on, as in the source');
      assert.deepEqual(await decodeErrors(out), []);
    });

    it('leaves no process behind', () => {
      assert.equal(runningProcesses(), 0);
    });
  });
}
