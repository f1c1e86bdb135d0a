/**
 * Real bytes: ffmpeg 5.1 publishing to `ffmpeg -listen` (spec/fixtures/ffmpeg-publish, recorded by
 * its record.ts), replayed into ChunkDecoder → MessageAssembler in the TCP read sizes the proxy saw.
 * The extended-ts capture has media timestamps past 0xFFFFFF ms, so ffmpeg writes extended
 * timestamps, type-3 continuation chunks included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePieces } from './stream-helpers.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/ffmpeg-publish');
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
  captures: Record<string, { clientToServerReads: number[]; serverToClientReads: number[]; timestampOffsetMs?: number }>;
};
const packets = JSON.parse(readFileSync(join(dir, 'source.packets.json'), 'utf8')) as Array<{ codec_type: string; size: number; dts: number }>;

/** C0 + C1 + C2 (or S0 + S1 + S2): the handshake before the chunk stream. RTMP 1.0 §5.2 */
const HANDSHAKE = 1 + 1536 + 1536;

/** The capture's bytes after the handshake, cut where the real TCP reads were. */
function reads(file: string, sizes: number[]): Buffer[] {
  const all = readFileSync(join(dir, file));
  const out: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    const from = Math.max(at, HANDSHAKE);
    if (at + n > HANDSHAKE) out.push(all.subarray(from, at + n));
    at += n;
  }
  assert.equal(at, all.length);
  return out;
}

for (const [name, file, offset] of [
  ['plain', 'client-to-server.bin', 0],
  ['extendedTs', 'extended-ts.client-to-server.bin', meta.captures.extendedTs!.timestampOffsetMs!],
] as const) {
  test(`ffmpeg publish capture (${name}): every media packet comes out whole, with its timestamp`, async () => {
    const d = await decodePieces(reads(file, meta.captures[name]!.clientToServerReads), { initialBytes: HANDSHAKE });
    assert.deepEqual(d.setChunkSizes, [128]); // ffmpeg copies the server's chunk size back
    const audio = d.messages.filter((m) => m.type === 8);
    const video = d.messages.filter((m) => m.type === 9);
    const audioPackets = packets.filter((p) => p.codec_type === 'audio');
    const videoPackets = packets.filter((p) => p.codec_type === 'video');
    // FLV tags: AAC adds 2 bytes (header, packet type) and one sequence header message first;
    // AVC adds 5 (header, packet type, composition time), a sequence header first and an end-of-sequence last.
    assert.deepEqual(audio.slice(1).map((m) => m.length), audioPackets.map((p) => p.size + 2));
    assert.deepEqual(video.slice(1, -1).map((m) => m.length), videoPackets.map((p) => p.size + 5));
    assert.deepEqual(audio.slice(1).map((m) => m.timestamp), audioPackets.map((p) => p.dts + offset));
    assert.deepEqual(video.slice(1, -1).map((m) => m.timestamp), videoPackets.map((p) => p.dts + offset));
    if (name === 'extendedTs') {
      assert.ok(d.chunks.some((c) => c.fmt === 3 && c.messageOffset > 0 && c.extendedTimestamp), 'type-3 continuations with extended timestamps');
    }
  });
}

test('ffmpeg listener capture: Window Acknowledgement Size 2500000 is recognised inline', async () => {
  const d = await decodePieces(reads('server-to-client.bin', meta.captures.plain!.serverToClientReads), { initialBytes: HANDSHAKE });
  assert.deepEqual(d.windowAckSizes, [2500000]);
  assert.deepEqual(d.setChunkSizes, [128]);
});
