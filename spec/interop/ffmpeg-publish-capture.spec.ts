/**
 * The real-capture proof of the wire codecs: the bytes ffmpeg 5.1 sent (and ffmpeg -listen answered)
 * when publishing spec/fixtures/ffmpeg-publish/source.flv, recorded by record.ts, go through OUR
 * handshake machines, ChunkDecoder → MessageAssembler, and the message/AMF decoders, and must give
 *
 *   - the exact command sequence ffmpeg sent and the exact replies ffmpeg -listen gave (literal
 *     lists below, read off the capture with an independent dissector, not from our output);
 *   - the same media packets ffprobe lists for the source (count, size, dts, composition time,
 *     keyframe flag), and, computed live with ffmpeg, the same per-packet MD5s as framemd5.
 *
 * FLV tag payload vs ffprobe packet (Adobe FLV spec v10.1 §E.4.2, §E.4.3): ffmpeg's FLV demuxer
 * strips the codec header, so for AAC a packet is the payload minus 2 bytes (0xAF = AAC 44 kHz
 * 16-bit "stereo", then AACPacketType) and for AVC minus 5 bytes (frame type/codec id, AVCPacketType,
 * SI24 composition time = pts - dts). Sequence headers (AACPacketType 0 / AVCPacketType 0) are not
 * packets in ffprobe's list: they become the stream's extradata (framemd5 prints them as
 * `#extradata`), and the AVC end-of-sequence tag (AVCPacketType 2) that ffmpeg's FLV muxer appends
 * is dropped by the demuxer.
 *
 * Each capture is fed four ways: in the TCP reads the recording proxy really saw, byte by byte,
 * and in two seeded random split patterns (tiny and large pieces), so handshake `rest` and
 * chunk/read boundaries fall everywhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { amf0, isEcmaArray } from '../../lib/amf/index.js';
import { ChunkDecoder, MessageAssembler, type Chunk } from '../../lib/chunk/index.js';
import {
  ClientHandshake,
  DEFAULT_CLIENT_VERSION,
  ServerHandshake,
  type HandshakeResult,
  type HandshakeStep,
} from '../../lib/handshake/index.js';
import {
  AacPacketType,
  AvcPacketType,
  MessageType,
  SoundFormat,
  VideoCodecId,
  VideoFrameType,
  decodeAudioHeader,
  decodeMessage,
  decodeVideoHeader,
  type Message,
} from '../../lib/message/index.js';
import { createPrng } from '../helpers/prng.js';

const fixtureDir = fileURLToPath(new URL('../fixtures/ffmpeg-publish/', import.meta.url));
const fixture = (name: string): Buffer => readFileSync(fixtureDir + name);

interface CaptureMeta {
  tcUrl: string;
  clientToServerReads: number[];
  serverToClientReads: number[];
}
const meta = JSON.parse(fixture('meta.json').toString('utf8')) as {
  captures: { plain: CaptureMeta; extendedTs: CaptureMeta & { timestampOffsetMs: number } };
};

interface ProbePacket {
  codec_type: 'audio' | 'video';
  stream_index: number;
  size: number;
  pts: number;
  dts: number;
  flags: string;
}
const probePackets = JSON.parse(fixture('source.packets.json').toString('utf8')) as ProbePacket[];

const HANDSHAKE_BYTES = 1 + 1536 + 1536;
/** The offset the extended-ts session was published with (record.ts: -output_ts_offset 16777.3). */
const EXTENDED_OFFSET_MS = 16_777_300;

// ---------------------------------------------------------------------------------------------
// Feeding a recorded direction through our layers
// ---------------------------------------------------------------------------------------------

type Split = 'in tcp reads' | 'byte by byte' | 'in seeded 1..16 B pieces' | 'in seeded 1..4096 B pieces';
const SPLITS: Split[] = ['in tcp reads', 'byte by byte', 'in seeded 1..16 B pieces', 'in seeded 1..4096 B pieces'];

function splitBytes(bytes: Buffer, split: Split, tcpReads: number[], seed: number): Buffer[] {
  const sizes: number[] = [];
  if (split === 'in tcp reads') sizes.push(...tcpReads);
  else if (split === 'byte by byte') sizes.push(...Array<number>(bytes.length).fill(1));
  else {
    const prng = createPrng(seed);
    const max = split === 'in seeded 1..16 B pieces' ? 16 : 4096;
    for (let total = 0; total < bytes.length; ) {
      const n = 1 + prng.int(max);
      sizes.push(n);
      total += n;
    }
  }
  const pieces: Buffer[] = [];
  let offset = 0;
  for (const n of sizes) {
    pieces.push(bytes.subarray(offset, offset + n));
    offset += n;
  }
  assert.ok(offset >= bytes.length, 'the split covers every byte');
  return pieces.filter((p) => p.length > 0);
}

interface Decoded {
  handshake: HandshakeResult;
  handshakeOutput: Buffer[];
  chunks: Chunk[];
  messages: Message[];
  chunkSizeEvents: number[];
  finalChunkSize: number;
}

/**
 * Pushes reads into a handshake machine until it is done, then streams `rest` and the remaining
 * reads through ChunkDecoder → (chunk tap) → MessageAssembler with stream.pipeline.
 */
async function decodeDirection(reads: Buffer[], machine: { push(chunk: Buffer): HandshakeStep }): Promise<Decoded> {
  const handshakeOutput: Buffer[] = [];
  let step: HandshakeStep | undefined;
  let next = 0;
  while (next < reads.length && step?.done !== true) {
    step = machine.push(reads[next++]!);
    handshakeOutput.push(...step.output);
  }
  assert.ok(step?.done, 'the handshake completes on the recorded bytes');
  const toChunkLayer = [step.rest!, ...reads.slice(next)].filter((b) => b.length > 0);

  const decoder = new ChunkDecoder({ highWaterMark: 64 });
  const chunkSizeEvents: number[] = [];
  decoder.on('setChunkSize', (size: number) => chunkSizeEvents.push(size));
  const chunks: Chunk[] = [];
  const tap = new Transform({
    objectMode: true,
    highWaterMark: 64,
    transform(chunk: Chunk, _encoding: BufferEncoding, callback: TransformCallback) {
      chunks.push(chunk);
      callback(null, chunk);
    },
  });
  const messages: Message[] = [];
  await pipeline(
    Readable.from(toChunkLayer, { objectMode: true, highWaterMark: 16 }),
    decoder,
    tap,
    new MessageAssembler({ highWaterMark: 64 }),
    async (source: AsyncIterable<Message>) => {
      for await (const message of source) messages.push(message);
    },
  );
  return { handshake: step.result!, handshakeOutput, chunks, messages, chunkSizeEvents, finalChunkSize: decoder.chunkSize };
}

/** Our server's view of the publisher's bytes (default options: digest scheme, seeded S1/S2). */
function decodeClientToServer(file: string, capture: CaptureMeta, split: Split): Promise<Decoded> {
  const prng = createPrng(0x5eed);
  const machine = new ServerHandshake({ randomFill: (buf) => buf.set(prng.bytes(buf.length)) });
  return decodeDirection(splitBytes(fixture(file), split, capture.clientToServerReads, 1), machine);
}

/** Our client's view of ffmpeg -listen's bytes. */
function decodeServerToClient(file: string, capture: CaptureMeta, split: Split): Promise<Decoded> {
  const prng = createPrng(0xc11e);
  const machine = new ClientHandshake({ randomFill: (buf) => buf.set(prng.bytes(buf.length)) });
  return decodeDirection(splitBytes(fixture(file), split, capture.serverToClientReads, 2), machine);
}

// ---------------------------------------------------------------------------------------------
// Describing messages in a literal-friendly form
// ---------------------------------------------------------------------------------------------

type Described =
  | { cs: number; ms: number; ts: number; control: object }
  | { cs: number; ms: number; ts: number; userControl: object }
  | { cs: number; ms: number; ts: number; command: unknown[] }
  | { cs: number; ms: number; ts: number; data: unknown[] }
  | { media: number };

/**
 * One entry per message; a run of audio/video messages collapses to `{ media: n }`. Commands and
 * data are shown as the AMF0 values on the wire (amf0.decode), and decodeMessage's typed view of
 * each command is checked against those values.
 */
function describeMessages(messages: Message[]): Described[] {
  const out: Described[] = [];
  for (const m of messages) {
    const where = { cs: m.chunkStreamId, ms: m.messageStreamId, ts: m.timestamp };
    assert.equal(m.length, m.data.length, 'message length equals payload length');
    if (m.type === MessageType.Audio || m.type === MessageType.Video) {
      const last = out.at(-1);
      if (last !== undefined && 'media' in last) last.media++;
      else out.push({ media: 1 });
      continue;
    }
    const decoded = decodeMessage(m);
    switch (decoded.kind) {
      case 'protocolControl':
        out.push({ ...where, control: decoded.control });
        break;
      case 'userControl':
        out.push({ ...where, userControl: decoded.event });
        break;
      case 'command': {
        const values = amf0.decode(m.data);
        const { command } = decoded;
        assert.deepEqual(
          [command.name, command.transactionId, command.commandObject, ...command.args],
          [values[0], values[1] ?? 0, values[2] ?? null, ...values.slice(3)],
          `decodeMessage agrees with the AMF0 values of ${String(values[0])}`,
        );
        out.push({ ...where, command: values });
        break;
      }
      case 'data':
        assert.deepEqual(decoded.values, amf0.decode(m.data));
        out.push({ ...where, data: decoded.values });
        break;
      default:
        assert.fail(`unexpected ${decoded.kind} message (type ${m.type})`);
    }
  }
  return out;
}

/** Chunk headers as counts keyed `cs<id> fmt<n>`, to compare with the dissected capture. */
function countChunkHeaders(chunks: Chunk[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of chunks) {
    const key = `cs${c.chunkStreamId} fmt${c.fmt}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// What ffmpeg really sent (read off the capture with an independent dissector)
// ---------------------------------------------------------------------------------------------

const ON_META_DATA = {
  duration: 0,
  width: 160,
  height: 120,
  videodatarate: 0,
  framerate: 15,
  videocodecid: 7,
  audiodatarate: 31.25,
  audiosamplerate: 44100,
  audiosamplesize: 16,
  stereo: false,
  audiocodecid: 10,
  encoder: 'Lavf59.27.100',
  filesize: 0,
};

/** Publisher → server. 121 media messages = 89 audio (1 AAC sequence header + 88 frames) + 32 video (1 AVC sequence header + 30 frames + end of sequence). */
function expectedClientMessages(tcUrl: string): Described[] {
  return [
    {
      cs: 3, ms: 0, ts: 0,
      command: ['connect', 1, { app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', tcUrl }],
    },
    { cs: 2, ms: 0, ts: 0, control: { type: MessageType.SetChunkSize, chunkSize: 128 } },
    { cs: 3, ms: 0, ts: 0, command: ['releaseStream', 2, null, 'capture'] },
    { cs: 3, ms: 0, ts: 0, command: ['FCPublish', 3, null, 'capture'] },
    { cs: 3, ms: 0, ts: 0, command: ['createStream', 4, null] },
    // the answer to the server's onBWDone
    { cs: 3, ms: 0, ts: 0, command: ['_checkbw', 5, null] },
    { cs: 8, ms: 1, ts: 0, command: ['publish', 6, null, 'capture', 'live'] },
    { cs: 4, ms: 1, ts: 0, data: ['@setDataFrame', 'onMetaData', ON_META_DATA] },
    { media: 121 },
    { cs: 3, ms: 0, ts: 0, command: ['FCUnpublish', 7, null, 'capture'] },
    // a type-3 chunk that starts a new message (same length, type and delta as FCUnpublish's)
    { cs: 3, ms: 0, ts: 0, command: ['deleteStream', 8, null, 1] },
  ];
}

/** ffmpeg -listen → publisher (identical in both sessions). */
const EXPECTED_SERVER_MESSAGES: Described[] = [
  { cs: 2, ms: 0, ts: 0, control: { type: MessageType.WindowAcknowledgementSize, windowSize: 2_500_000 } },
  { cs: 2, ms: 0, ts: 0, control: { type: MessageType.SetPeerBandwidth, windowSize: 2_500_000, limitType: 2 } },
  { cs: 2, ms: 0, ts: 0, userControl: { event: 'StreamBegin', streamId: 0 } },
  { cs: 2, ms: 0, ts: 0, control: { type: MessageType.SetChunkSize, chunkSize: 128 } },
  {
    cs: 3, ms: 0, ts: 0,
    command: [
      '_result', 1,
      { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 },
    ],
  },
  { cs: 3, ms: 0, ts: 0, command: ['onBWDone', 0, null, 8192] },
  { cs: 3, ms: 0, ts: 0, command: ['_result', 2, null] }, // releaseStream
  { cs: 3, ms: 0, ts: 0, command: ['onFCPublish'] }, // a bare name: no transaction id, no object
  { cs: 3, ms: 0, ts: 0, command: ['_result', 4, null, 1] }, // createStream → stream 1
  { cs: 3, ms: 0, ts: 0, command: ['_result', 5, null] }, // _checkbw
  { cs: 2, ms: 0, ts: 0, userControl: { event: 'StreamBegin', streamId: 1 } },
  {
    cs: 3, ms: 1, ts: 0,
    command: [
      'onStatus', 0, null,
      { level: 'status', code: 'NetStream.Publish.Start', description: 'capture is now published', details: 'capture' },
    ],
  },
  // ffmpeg -listen sends deleteStream itself when the publisher's connection ends
  { cs: 3, ms: 0, ts: 0, command: ['deleteStream', 1, null, 0] },
];

/** Chunk headers per chunk stream and format in the plain session (all at chunk size 128). */
const EXPECTED_CLIENT_CHUNKS_PLAIN = {
  'cs2 fmt0': 1,
  'cs3 fmt0': 1, 'cs3 fmt1': 5, 'cs3 fmt3': 2,
  'cs4 fmt0': 3, 'cs4 fmt1': 86, 'cs4 fmt3': 6,
  'cs6 fmt0': 1, 'cs6 fmt1': 31, 'cs6 fmt3': 452,
  'cs8 fmt0': 1,
};
/** The extended-ts session: the first AAC frame after the sequence header goes fmt 1 (a delta), not fmt 0. */
const EXPECTED_CLIENT_CHUNKS_EXTENDED = { ...EXPECTED_CLIENT_CHUNKS_PLAIN, 'cs4 fmt0': 2, 'cs4 fmt1': 87 };
const EXPECTED_SERVER_CHUNKS = { 'cs2 fmt0': 1, 'cs2 fmt1': 4, 'cs3 fmt0': 3, 'cs3 fmt1': 5, 'cs3 fmt3': 2 };

// ---------------------------------------------------------------------------------------------
// framemd5, computed live with ffmpeg
// ---------------------------------------------------------------------------------------------

interface FrameHashes {
  extradata: Map<number, { size: number; md5: string }>;
  packets: Map<number, Array<{ size: number; md5: string }>>;
}

function runFramemd5(): Promise<FrameHashes> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', fixtureDir + 'source.flv', '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'],
      { maxBuffer: 4 << 20 },
      (err, stdout) => {
        if (err) {
          reject(err);
          return;
        }
        const hashes: FrameHashes = { extradata: new Map(), packets: new Map() };
        for (const line of stdout.split('\n')) {
          const extradata = /^#extradata (\d+),\s*(\d+),\s*([0-9a-f]{32})$/.exec(line);
          if (extradata) hashes.extradata.set(Number(extradata[1]), { size: Number(extradata[2]), md5: extradata[3]! });
          if (line === '' || line.startsWith('#')) continue;
          // stream, dts, pts, duration, size, hash
          const f = line.split(',').map((s) => s.trim());
          const list = hashes.packets.get(Number(f[0])) ?? [];
          list.push({ size: Number(f[4]), md5: f[5]! });
          hashes.packets.set(Number(f[0]), list);
        }
        resolve(hashes);
      },
    );
  });
}

const md5 = (buf: Buffer): string => createHash('md5').update(buf).digest('hex');

// ---------------------------------------------------------------------------------------------
// Media: our messages against ffprobe's packet list
// ---------------------------------------------------------------------------------------------

interface MediaSplit {
  audioSequenceHeader: Buffer;
  videoSequenceHeader: Buffer;
  /** Codec payloads (codec header stripped) of the frames, per ffprobe stream index. */
  frames: Map<number, Buffer[]>;
}

/**
 * Walks the media messages in order against ffprobe's packets. `offset` is what the session added
 * to every frame timestamp (sequence headers stay at 0: ffmpeg's FLV muxer writes them at 0).
 */
function checkMedia(messages: Message[], offset: number): MediaSplit {
  const media = messages.filter((m) => m.type === MessageType.Audio || m.type === MessageType.Video);
  const audio = media.filter((m) => m.type === MessageType.Audio);
  const video = media.filter((m) => m.type === MessageType.Video);
  assert.equal(audio.length, 89, 'audio messages: 1 sequence header + 88 frames');
  assert.equal(video.length, 32, 'video messages: 1 sequence header + 30 frames + 1 end of sequence');
  for (const m of media) assert.equal(m.messageStreamId, 1, 'media on the stream createStream returned');

  // Sequence headers: the first message of each stream, timestamp 0, not in ffprobe's list.
  const [aSeq, vSeq] = [audio[0]!, video[0]!];
  assert.deepEqual([...aSeq.data.subarray(0, 2)], [0xaf, AacPacketType.SequenceHeader]);
  assert.deepEqual([...vSeq.data.subarray(0, 5)], [0x17, AvcPacketType.SequenceHeader, 0, 0, 0]);
  assert.equal(aSeq.timestamp, 0);
  assert.equal(vSeq.timestamp, 0);

  // End of sequence: ffmpeg's FLV muxer closes the AVC stream with a bare 5-byte tag at the last dts.
  const eos = video.at(-1)!;
  assert.deepEqual([...eos.data], [0x17, AvcPacketType.EndOfSequence, 0, 0, 0]);
  assert.equal(eos.timestamp, video.at(-2)!.timestamp);

  const frames = media.filter((m) => m !== aSeq && m !== vSeq && m !== eos);
  assert.equal(frames.length, probePackets.length, 'one media message per ffprobe packet');
  const byStream = new Map<number, Buffer[]>();
  frames.forEach((m, i) => {
    const p = probePackets[i]!;
    const what = `packet ${i} (${p.codec_type} dts ${p.dts})`;
    if (p.codec_type === 'audio') {
      assert.equal(m.type, MessageType.Audio, `${what}: type`);
      // Hand-checked bytes first, then our header parser must agree.
      assert.deepEqual([...m.data.subarray(0, 2)], [0xaf, AacPacketType.Raw], `${what}: AAC raw header`);
      const header = decodeAudioHeader(m.data);
      assert.ok(!header.isExHeader, `${what}: legacy audio header`);
      assert.equal(header.soundFormat, SoundFormat.Aac);
      assert.equal(header.aacPacketType, AacPacketType.Raw);
      assert.equal(header.headerLength, 2);
      assert.equal(m.data.length, p.size + 2, `${what}: size = packet + 2-byte AAC header`);
      assert.equal(p.pts, p.dts);
    } else {
      assert.equal(m.type, MessageType.Video, `${what}: type`);
      const keyframe = p.flags.startsWith('K');
      assert.equal(m.data[0], keyframe ? 0x17 : 0x27, `${what}: frame type / codec id byte`);
      assert.equal(m.data[1], AvcPacketType.Nalu, `${what}: AVC NALU`);
      assert.equal(m.data.readIntBE(2, 3), p.pts - p.dts, `${what}: composition time bytes`);
      const header = decodeVideoHeader(m.data);
      assert.ok(!header.isExHeader, `${what}: legacy video header`);
      assert.equal(header.codecId, VideoCodecId.Avc);
      assert.equal(header.avcPacketType, AvcPacketType.Nalu);
      assert.equal(header.frameType, keyframe ? VideoFrameType.Keyframe : VideoFrameType.InterFrame, `${what}: keyframe flag`);
      assert.equal(header.compositionTime, p.pts - p.dts, `${what}: composition time`);
      assert.equal(header.headerLength, 5);
      assert.equal(m.data.length, p.size + 5, `${what}: size = packet + 5-byte AVC header`);
    }
    assert.equal(m.timestamp, (p.dts + offset) >>> 0, `${what}: timestamp = dts${offset ? ' + offset' : ''}`);
    const list = byStream.get(p.stream_index) ?? [];
    list.push(m.data.subarray(p.codec_type === 'audio' ? 2 : 5));
    byStream.set(p.stream_index, list);
  });
  return { audioSequenceHeader: aSeq.data.subarray(2), videoSequenceHeader: vSeq.data.subarray(5), frames: byStream };
}

function checkAgainstFramemd5(media: MediaSplit, hashes: FrameHashes): void {
  // Stream 0 is video, 1 audio in source.flv (ffprobe's stream_index).
  assert.deepEqual(hashes.extradata.get(0), { size: media.videoSequenceHeader.length, md5: md5(media.videoSequenceHeader) });
  assert.deepEqual(hashes.extradata.get(1), { size: media.audioSequenceHeader.length, md5: md5(media.audioSequenceHeader) });
  assert.deepEqual([...hashes.packets.keys()].sort(), [0, 1]);
  for (const [stream, expected] of hashes.packets) {
    const ours = (media.frames.get(stream) ?? []).map((b) => ({ size: b.length, md5: md5(b) }));
    assert.deepEqual(ours, expected, `stream ${stream}: every payload hashes like framemd5`);
  }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('ffmpeg 5.1 publish capture (spec/fixtures/ffmpeg-publish)', () => {
  let framemd5: FrameHashes;
  before(async () => {
    framemd5 = await runFramemd5();
  });

  it('the fixture is what record.ts says: sizes, ffprobe list, handshake echoes', () => {
    const c2s = fixture('client-to-server.bin');
    const s2c = fixture('server-to-client.bin');
    const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
    assert.equal(sum(meta.captures.plain.clientToServerReads), c2s.length);
    assert.equal(sum(meta.captures.plain.serverToClientReads), s2c.length);
    assert.equal(sum(meta.captures.extendedTs.clientToServerReads), fixture('extended-ts.client-to-server.bin').length);
    assert.equal(sum(meta.captures.extendedTs.serverToClientReads), fixture('extended-ts.server-to-client.bin').length);
    assert.equal(meta.captures.extendedTs.timestampOffsetMs, EXTENDED_OFFSET_MS);
    // 2 s of 15 fps video with GOP 15, 44.1 kHz AAC (1024 samples a frame).
    assert.equal(probePackets.filter((p) => p.codec_type === 'video').length, 30);
    assert.equal(probePackets.filter((p) => p.codec_type === 'audio').length, 88);
    assert.deepEqual(
      probePackets.filter((p) => p.codec_type === 'video' && p.flags.startsWith('K')).map((p) => p.dts),
      [23, 1023],
      'two GOPs: the capture crosses a keyframe boundary',
    );
    // C0 3, C1 version 9.0.124.2 (a digest C1); ffmpeg -listen answers the simple way (S1 version 0).
    assert.equal(c2s[0], 3);
    assert.equal(c2s.readUInt32BE(1 + 4), DEFAULT_CLIENT_VERSION);
    assert.equal(s2c[0], 3);
    assert.equal(s2c.readUInt32BE(1 + 4), 0);
    // The publisher's C2 echoes S1 whole; the listener's S2 echoes C1 from byte 8 on.
    assert.ok(c2s.subarray(1537, HANDSHAKE_BYTES).equals(s2c.subarray(1, 1537)), 'C2 = S1');
    assert.ok(s2c.subarray(1537 + 8, HANDSHAKE_BYTES).equals(c2s.subarray(1 + 8, 1537)), 'S2[8..] = C1[8..]');
  });

  it('our ServerHandshake accepts ffmpeg\'s digest C1 and its C2 (which echoes ffmpeg\'s S1, not ours)', async () => {
    const { handshake, handshakeOutput } = await decodeClientToServer('client-to-server.bin', meta.captures.plain, 'in tcp reads');
    assert.equal(handshake.peerVersion, DEFAULT_CLIENT_VERSION);
    assert.equal(handshake.scheme, 'digest');
    assert.equal(handshake.peerDigestValid, true);
    assert.equal(handshake.c2Valid, false);
    // `rest` is what followed C2 in the read that completed it.
    let readEnd = 0;
    for (const n of meta.captures.plain.clientToServerReads) if (readEnd < HANDSHAKE_BYTES) readEnd += n;
    assert.equal(handshake.rest.length, readEnd - HANDSHAKE_BYTES);
    assert.equal(Buffer.concat(handshakeOutput).length, HANDSHAKE_BYTES, 'S0 + S1 + S2');
  });

  it('our handshake machines replay both ffmpeg peers byte for byte when given their random bytes', () => {
    const c2s = fixture('client-to-server.bin');
    const s2c = fixture('server-to-client.bin');
    // Client: ffmpeg's C1 is a schema-0 digest C1 with time 0 and version 9.0.124.2, so ours matches.
    const client = new ClientHandshake({ randomFill: (buf) => c2s.copy(buf, 0, 0, buf.length) });
    assert.ok(client.start().equals(c2s.subarray(0, 1537)), 'our C0 + C1 = ffmpeg\'s');
    const clientStep = client.push(s2c.subarray(0, HANDSHAKE_BYTES + 7));
    assert.equal(clientStep.done, true);
    assert.ok(Buffer.concat(clientStep.output).equals(c2s.subarray(1537, HANDSHAKE_BYTES)), 'our C2 = ffmpeg\'s');
    assert.deepEqual({ ...clientStep.result!, rest: [...clientStep.rest!] }, {
      rest: [...s2c.subarray(HANDSHAKE_BYTES, HANDSHAKE_BYTES + 7)],
      peerVersion: 0,
      scheme: 'simple',
      peerEchoed: true,
      s2Valid: true,
    });
    // Server: the simple scheme with ffmpeg -listen's random bytes gives its S0 + S1; S2 echoes C1
    // (ffmpeg zeroes S2's second time field, we echo it: RTMP 1.0 §5.2.4 lets it differ).
    const server = new ServerHandshake({ scheme: 'simple', randomFill: (buf) => s2c.copy(buf, 0, 0, buf.length) });
    const s0s1s2 = Buffer.concat(server.push(c2s.subarray(0, 1537)).output);
    assert.ok(s0s1s2.subarray(0, 1537).equals(s2c.subarray(0, 1537)), 'our S0 + S1 = ffmpeg -listen\'s');
    assert.ok(s0s1s2.subarray(1537 + 8).equals(s2c.subarray(1537 + 8, HANDSHAKE_BYTES)), 'our S2[8..] = ffmpeg -listen\'s');
    const serverStep = server.push(c2s.subarray(1537, HANDSHAKE_BYTES + 5));
    assert.equal(serverStep.done, true);
    assert.deepEqual({ ...serverStep.result!, rest: [...serverStep.rest!] }, {
      rest: [...c2s.subarray(HANDSHAKE_BYTES, HANDSHAKE_BYTES + 5)],
      peerVersion: DEFAULT_CLIENT_VERSION,
      scheme: 'simple',
      peerEchoed: true,
      c2Valid: true,
    });
  });

  for (const split of SPLITS) {
    describe(`fed ${split}`, () => {
      it('publisher → server: the exact command sequence ffmpeg sent, at chunk size 128', async () => {
        const d = await decodeClientToServer('client-to-server.bin', meta.captures.plain, split);
        assert.deepEqual(describeMessages(d.messages), expectedClientMessages(meta.captures.plain.tcUrl));
        const metadata = d.messages.find((m) => m.type === MessageType.DataAMF0)!;
        const decodedMetadata = decodeMessage(metadata);
        assert.ok(decodedMetadata.kind === 'data' && isEcmaArray(decodedMetadata.values[2]), 'decoded as an ECMA array');
        // '@setDataFrame' (3 + 13 bytes) and 'onMetaData' (3 + 10) precede the value: 0x08 = ECMA array.
        assert.equal(metadata.data[29], 0x08, 'onMetaData is an ECMA array on the wire');
        assert.deepEqual(d.chunkSizeEvents, [128], 'one Set Chunk Size from the publisher: 128');
        assert.equal(d.finalChunkSize, 128);
        assert.deepEqual(countChunkHeaders(d.chunks), EXPECTED_CLIENT_CHUNKS_PLAIN);
        assert.equal(d.chunks.filter((c) => c.extendedTimestamp).length, 0, 'no timestamp reaches 0xFFFFFF');
        assert.ok(d.chunks.every((c) => c.payload.length <= 128));
        assert.equal(d.messages.filter((m) => m.length > 128).length, 35, 'messages that span chunks');
      });

      it('publisher → server: the media are the packets ffprobe lists for source.flv, and hash like framemd5', async () => {
        const d = await decodeClientToServer('client-to-server.bin', meta.captures.plain, split);
        checkAgainstFramemd5(checkMedia(d.messages, 0), framemd5);
      });

      it('ffmpeg -listen → publisher: the exact replies', async () => {
        const d = await decodeServerToClient('server-to-client.bin', meta.captures.plain, split);
        assert.equal(d.handshake.peerVersion, 0);
        assert.equal(d.handshake.scheme, 'simple');
        assert.deepEqual(describeMessages(d.messages), EXPECTED_SERVER_MESSAGES);
        assert.deepEqual(d.chunkSizeEvents, [128]);
        assert.deepEqual(countChunkHeaders(d.chunks), EXPECTED_SERVER_CHUNKS);
      });

      it('timestamps past 0xFFFFFF: ffmpeg writes the extended timestamp on type-3 continuation chunks too', async () => {
        const capture = meta.captures.extendedTs;
        const d = await decodeClientToServer('extended-ts.client-to-server.bin', capture, split);
        assert.deepEqual(describeMessages(d.messages), expectedClientMessages(capture.tcUrl));
        assert.deepEqual(countChunkHeaders(d.chunks), EXPECTED_CLIENT_CHUNKS_EXTENDED);
        // RTMP 1.0 §5.3.1.3. The first frame after each sequence header (at 0) has a delta past
        // 0xFFFFFF: a fmt-1 header with the extended field, and every type-3 chunk of that
        // message repeats it (1 for the 155-byte AAC frame, 37 for the 4751-byte keyframe).
        const extended = d.chunks
          .filter((c) => c.extendedTimestamp)
          .map((c) => `cs${c.chunkStreamId} fmt${c.fmt} field ${c.timestampField} ts ${c.timestamp}`);
        assert.deepEqual(extended, [
          'cs4 fmt1 field 16777300 ts 16777300',
          'cs4 fmt3 field 16777300 ts 16777300',
          'cs6 fmt1 field 16777323 ts 16777323',
          ...Array<string>(37).fill('cs6 fmt3 field 16777323 ts 16777323'),
        ]);
        checkAgainstFramemd5(checkMedia(d.messages, EXTENDED_OFFSET_MS), framemd5);
        const replies = await decodeServerToClient('extended-ts.server-to-client.bin', capture, split);
        assert.deepEqual(describeMessages(replies.messages), EXPECTED_SERVER_MESSAGES);
      });
    });
  }
});
