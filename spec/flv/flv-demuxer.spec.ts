import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEcmaArray } from '../../lib/amf/index.js';
import type { DataEvent } from '../../lib/command/events.js';
import { ErrorCode, FlvError, isRtmpError } from '../../lib/errors.js';
import { FlvDemuxer } from '../../lib/flv/flv-demuxer.js';
import type { Message } from '../../lib/message/message.js';
import { hex } from '../amf/hex.js';
import { demuxPieces, splits } from './support.js';
import { AAC_RAW_TAG, AVC_KEYFRAME_TAG, LONG_HEADER_FILE, MAX_TIMESTAMP_TAG, ON_METADATA_TAG, vectors } from './vectors.js';

const HEADER = hex('46 4c 56 01 05 00 00 00 09 00 00 00 00');

for (const v of vectors) {
  test(`demux: ${v.name}`, async () => {
    const out = await demuxPieces([v.bytes]);
    assert.deepEqual(out.headers, [v.header]);
    assert.deepEqual(out.items, v.items);
    for (const item of out.items) {
      if (item.kind === 'data') assert.ok(isEcmaArray((item as DataEvent).values[0]), 'onMetaData stays an ECMA array');
    }
  });

  test(`demux at every split offset and byte by byte: ${v.name}`, async () => {
    for (const pieces of splits(v.bytes)) {
      const out = await demuxPieces(pieces);
      assert.deepEqual(out.items, v.items, `pieces ${pieces.map((p) => p.length).join('+')}`);
      assert.deepEqual(out.headers, [v.header]);
    }
  });
}

test("output 'messages': seed Messages on the command encoder's chunk streams, script bytes kept", async () => {
  const out = await demuxPieces([hex(HEADER, ON_METADATA_TAG, AVC_KEYFRAME_TAG, AAC_RAW_TAG)], { output: 'messages' });
  const messages = out.items as Message[];
  assert.deepEqual(
    messages.map((m) => [m.chunkStreamId, m.messageStreamId, m.type, m.timestamp, m.length]),
    [
      [5, 0, 18, 0, 40],
      [6, 0, 9, 40, 9],
      [4, 0, 8, 0x01020304, 3],
    ],
  );
  assert.deepEqual(messages[0]!.data, ON_METADATA_TAG.subarray(11, 51));
});

test('payloads are views into the read when a tag arrives in one read', async () => {
  const file = hex(HEADER, AVC_KEYFRAME_TAG);
  const out = await demuxPieces([file]);
  const payload = (out.items[0] as { payload: Buffer }).payload;
  assert.equal(payload.buffer, file.buffer);
  assert.equal(payload.byteOffset, file.byteOffset + 13 + 11);
});

test('DataOffset > 9: the extra header bytes are skipped, also when split', async () => {
  for (const pieces of splits(LONG_HEADER_FILE)) {
    const out = await demuxPieces(pieces);
    assert.equal(out.headers[0]!.dataOffset, 12);
    assert.deepEqual(out.items, [{ kind: 'audio', streamId: 0, timestamp: 0x01020304, payload: hex('af 01 21') }]);
  }
});

test('the header getter and a non-zero StreamID in strict mode', async () => {
  const tag = Buffer.from(AAC_RAW_TAG);
  tag[10] = 1; // StreamID 1: strict mode lets it pass (nothing depends on it)
  const demuxer = new FlvDemuxer();
  assert.equal(demuxer.header, undefined);
  const items: unknown[] = [];
  demuxer.on('data', (i) => items.push(i));
  demuxer.end(hex(HEADER, tag));
  await new Promise((resolve) => demuxer.on('end', resolve));
  assert.equal((demuxer.header as { hasVideo: boolean } | undefined)?.hasVideo, true);
  assert.equal(items.length, 1);
});

async function expectError(bytes: Buffer, code: string, options = {}, message?: RegExp): Promise<void> {
  await assert.rejects(demuxPieces([bytes], options), (err: unknown) => {
    assert.ok(err instanceof FlvError || isRtmpError(err), String(err));
    assert.equal((err as FlvError).code, code);
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

test('strict errors: signature, header, sizes, types, filter, limits, truncation', async () => {
  await expectError(hex('46 4c 57 01 05 00 00 00 09 00 00 00 00'), ErrorCode.FLV_BAD_SIGNATURE, {}, /signature 464c57/);
  await expectError(hex('46 4c 56 01 05 00 00 00 08 00 00 00 00'), ErrorCode.FLV_BAD_HEADER, {}, /DataOffset 8/);
  await expectError(hex('46 4c 56 01 05 00 00 00 09 00 00 00 01'), ErrorCode.FLV_BAD_TAG_SIZE, {}, /PreviousTagSize0/);
  const badTrailer = Buffer.from(hex(HEADER, AAC_RAW_TAG));
  badTrailer[badTrailer.length - 1] = 0x0f;
  await expectError(badTrailer, ErrorCode.FLV_BAD_TAG_SIZE, {}, /is 15, expected 14/);
  const unknown = Buffer.from(hex(HEADER, AAC_RAW_TAG));
  unknown[13] = 0x07;
  await expectError(unknown, ErrorCode.FLV_UNKNOWN_TAG, {}, /TagType 7/);
  const reserved = Buffer.from(hex(HEADER, AAC_RAW_TAG));
  reserved[13] = 0x48;
  await expectError(reserved, ErrorCode.FLV_UNKNOWN_TAG, {}, /reserved bits 1/);
  const encrypted = Buffer.from(hex(HEADER, AAC_RAW_TAG));
  encrypted[13] = 0x28;
  await expectError(encrypted, ErrorCode.FLV_ENCRYPTED);
  await expectError(hex(HEADER, AVC_KEYFRAME_TAG), ErrorCode.FLV_TAG_TOO_LARGE, { maxTagSize: 8 }, /DataSize 9 exceeds maxTagSize 8/);
  await expectError(hex(HEADER, AAC_RAW_TAG.subarray(0, 16)), ErrorCode.FLV_TRUNCATED, {}, /inside the tag at offset 13/);
  await expectError(hex(HEADER, AAC_RAW_TAG.subarray(0, 5)), ErrorCode.FLV_TRUNCATED, {}, /5 byte\(s\) into a tag header/);
  await expectError(hex('46 4c 56 01'), ErrorCode.FLV_TRUNCATED, {}, /inside the 9-byte FLV header/);
  await expectError(hex('46 4c 56 01 05 00 00 00 0c 00'), ErrorCode.FLV_TRUNCATED, {}, /before DataOffset/);
  await expectError(hex('46 4c 56 01 05 00 00 00 09 00 00'), ErrorCode.FLV_TRUNCATED, {}, /PreviousTagSize0/);
  const badScript = Buffer.from(hex(HEADER, ON_METADATA_TAG));
  badScript[13 + 11] = 0x0d; // AMF0 marker 0x0d (unsupported) instead of a string
  await assert.rejects(demuxPieces([badScript]), (err: unknown) => isRtmpError(err) && /^ERR_AMF_/.test(err.code));
});

test('a tag that claims 16 MiB with 20 bytes behind it: nothing emitted, truncated at the end', async () => {
  const claim = hex('09 ff ff ff 00 00 00 00 00 00 00', Buffer.alloc(20));
  await expectError(hex(HEADER, claim), ErrorCode.FLV_TRUNCATED);
  await expectError(hex(HEADER, claim), ErrorCode.FLV_TAG_TOO_LARGE, { maxTagSize: 1 << 20 });
});

test('a clean end (no bytes after the last PreviousTagSize, or an empty body) is not an error', async () => {
  assert.deepEqual((await demuxPieces([HEADER])).items, []);
  assert.deepEqual((await demuxPieces([hex('46 4c 56 01 05 00 00 00 09')])).items, []);
});

test('option and input checks', async () => {
  assert.throws(() => new FlvDemuxer({ maxTagSize: -1 }), { code: ErrorCode.FLV_INVALID_INPUT });
  const demuxer = new FlvDemuxer();
  const failed = new Promise((resolve) => demuxer.on('error', resolve));
  demuxer.write('not bytes' as unknown as Buffer);
  // A string written to a byte-mode stream becomes a Buffer: it is simply not an FLV file.
  demuxer.end();
  const err = (await failed) as FlvError;
  assert.equal(err.code, ErrorCode.FLV_BAD_SIGNATURE);
});

// --- tolerant mode ------------------------------------------------------------------------------

const THREE_TAGS = [ON_METADATA_TAG, AVC_KEYFRAME_TAG, AAC_RAW_TAG, MAX_TIMESTAMP_TAG];

test('tolerant: a flipped PreviousTagSize loses that tag only; strict fails on it', async () => {
  const file = Buffer.from(hex(HEADER, ...THREE_TAGS));
  const pts = 13 + ON_METADATA_TAG.length + AVC_KEYFRAME_TAG.length - 1;
  file[pts] ^= 0xff; // the AVC tag's PreviousTagSize
  await expectError(file, ErrorCode.FLV_BAD_TAG_SIZE);
  for (const pieces of [[file], ...splits(file).filter((_, i) => i % 7 === 0)]) {
    const out = await demuxPieces(pieces, { tolerant: true });
    assert.deepEqual(out.items.map((i) => (i as { timestamp: number }).timestamp), [0, 0x01020304, 0xffffffff]);
    assert.equal(out.skippedBytes, AVC_KEYFRAME_TAG.length);
  }
});

test('tolerant: garbage inserted between tags is skipped and counted', async () => {
  const garbage = Buffer.from('0812345678deadbeef09000001', 'hex');
  const file = hex(HEADER, ON_METADATA_TAG, garbage, AVC_KEYFRAME_TAG, AAC_RAW_TAG);
  await expectError(file, ErrorCode.FLV_TRUNCATED); // the garbage reads as a 1.2 MB audio tag
  const out = await demuxPieces([file], { tolerant: true });
  assert.deepEqual(out.items.map((i) => i.kind), ['data', 'video', 'audio']);
  assert.equal(out.skippedBytes, garbage.length);
});

test('tolerant: garbage inside a tag body drops that tag and resyncs on the next', async () => {
  const broken = hex(AVC_KEYFRAME_TAG.subarray(0, 14), 'ffffff', AVC_KEYFRAME_TAG.subarray(14));
  const file = hex(HEADER, broken, AAC_RAW_TAG);
  await expectError(file, ErrorCode.FLV_BAD_TAG_SIZE);
  const out = await demuxPieces([file], { tolerant: true });
  assert.deepEqual(out.items.map((i) => i.kind), ['audio']);
  assert.equal(out.skippedBytes, broken.length);
});

test('tolerant: encrypted tags, bad script data, a bad PTS0 and a truncated tail', async () => {
  const encrypted = Buffer.from(AAC_RAW_TAG);
  encrypted[0] = 0x28;
  const badScript = Buffer.from(ON_METADATA_TAG);
  badScript[11] = 0x0d;
  const pts0 = Buffer.from(HEADER);
  pts0[12] = 7;
  const out = await demuxPieces([hex(pts0, encrypted, badScript, AVC_KEYFRAME_TAG, AAC_RAW_TAG.subarray(0, 9))], { tolerant: true });
  assert.deepEqual(out.items.map((i) => i.kind), ['video']);
  assert.equal(out.skippedBytes, encrypted.length + badScript.length + 9);
});

test('tolerant: a last tag without its PreviousTagSize is kept; a cut body is dropped', async () => {
  const out = await demuxPieces([hex(HEADER, AVC_KEYFRAME_TAG, AAC_RAW_TAG.subarray(0, 15))], { tolerant: true });
  assert.deepEqual(out.items.map((i) => i.kind), ['video', 'audio']);
  assert.equal(out.skippedBytes, 0);
  const cut = await demuxPieces([hex(HEADER, AVC_KEYFRAME_TAG, AAC_RAW_TAG.subarray(0, 13))], { tolerant: true });
  assert.deepEqual(cut.items.map((i) => i.kind), ['video']);
  assert.equal(cut.skippedBytes, 13);
});

test('tolerant: a plausible fake header claiming more than arrives is given up at the end', async () => {
  // 09 00 ff 00 ...: a "video tag" of 65280 bytes that never completes; the real tag inside follows.
  const fake = hex('09 00 ff 00 00 00 00 00 00 00 00');
  const out = await demuxPieces([hex(HEADER, fake, AAC_RAW_TAG)], { tolerant: true });
  assert.deepEqual(out.items.map((i) => i.kind), ['audio']);
  assert.equal(out.skippedBytes, fake.length);
});

test('tolerant mode still refuses a file that is not FLV', async () => {
  await expectError(hex('00 00 00 00 00 00 00 00 00'), ErrorCode.FLV_BAD_SIGNATURE, { tolerant: true });
});
