/**
 * Enhanced RTMP v2 through the server (veovera enhanced-rtmp v2): the connect capability exchange
 * ("Enhancing NetConnection connect Command") and Enhanced media (hvc1/av01/Opus SequenceStart,
 * Multitrack, ModEx, Metadata, SequenceEnd) cached for late joiners and passed through byte-exact.
 * Codec configurations are real ones made by ffmpeg (spec/codec/fixtures.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ecmaArray } from '../../lib/amf/index.js';
import type { RtmpEvent } from '../../lib/command/events.js';
import { ErrorCode, RtmpError } from '../../lib/errors.js';
import { Server } from '../../lib/server/index.js';
import { av1Record, hevcRecord, opusHead } from '../codec/fixtures.js';
import { exAudio, exVideo, multitrack, withModEx } from '../codec/enhanced-tags.js';
import { closeAll, connectRaw, rawPlayer, rawPublisher, type RawClient } from '../helpers/raw-client.js';

// What a relay states by default: CanForward (0x04) for every FourCC of the spec and "*"; capsEx
// Multitrack (0x02) | ModEx (0x04) = 6.
const RELAY_VIDEO = { '*': 4, avc1: 4, hvc1: 4, av01: 4, vp08: 4, vp09: 4 };
const RELAY_AUDIO = { '*': 4, mp4a: 4, '.mp3': 4, Opus: 4, fLaC: 4, 'ac-3': 4, 'ec-3': 4 };
const LEGACY_PROPERTIES = { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 };

const u24 = (n: number): Buffer => Buffer.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
const tagged = (tag: number, size: number): Buffer => Buffer.alloc(size, tag);
// First bytes: IsExHeader 0x80 | FrameType << 4 | PacketType (video); SoundFormat 9 << 4 | PacketType (audio).
const KEY = 1;
const INTER = 2;
const COMMAND = 5;
const V = { SequenceStart: 0, CodedFrames: 1, SequenceEnd: 2, CodedFramesX: 3, Metadata: 4, Multitrack: 6 };
const A = { SequenceStart: 0, CodedFrames: 1, Multitrack: 5 };
/** hvc1 CodedFrames: composition time (SI24) then NALUs. */
const hvc1Frame = (frameType: number, tag: number): Buffer => exVideo(frameType, V.CodedFrames, 'hvc1', Buffer.concat([u24(0), tagged(tag, 24)]));
const opusFrame = (tag: number): Buffer => exAudio(A.CodedFrames, 'Opus', tagged(tag, 12));
// AMF0 ["colorInfo", { colorConfig: { bitDepth: 10 } }] for a video Metadata packet.
const amfString = (s: string): Buffer => Buffer.concat([Buffer.of(0x02, 0, s.length), Buffer.from(s, 'latin1')]);
const amfNumber = (n: number): Buffer => {
  const b = Buffer.alloc(9);
  b.writeDoubleBE(n, 1);
  return b;
};
const amfKey = (k: string): Buffer => Buffer.concat([Buffer.of(0, k.length), Buffer.from(k, 'latin1')]);
const colorInfo = Buffer.concat([
  amfString('colorInfo'),
  Buffer.of(0x03), amfKey('colorConfig'), Buffer.of(0x03), amfKey('bitDepth'), amfNumber(10), Buffer.of(0, 0, 9), Buffer.of(0, 0, 9),
]);

function send(client: RawClient, streamId: number, kind: 'audio' | 'video', timestamp: number, payload: Buffer): void {
  client.send({ kind, streamId, timestamp, payload });
}
async function flushed(client: RawClient): Promise<void> {
  await client.call('_checkbw', null);
}
const isMedia = (e: RtmpEvent): boolean => e.kind === 'audio' || e.kind === 'video';
async function media(client: RawClient, count: number): Promise<Array<{ kind: string; timestamp: number; hex: string }>> {
  const out = [];
  while (out.length < count) {
    const e = await client.next(isMedia);
    if (e.kind === 'audio' || e.kind === 'video') out.push({ kind: e.kind, timestamp: e.timestamp, hex: e.payload.toString('hex') });
  }
  return out;
}
const expect = (kind: 'audio' | 'video', timestamp: number, payload: Buffer) => ({ kind, timestamp, hex: payload.toString('hex') });

describe('Server: Enhanced RTMP v2 connect capabilities', { timeout: 20_000 }, () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    port = server.address()!.port;
  });
  after(() => server.close());

  it('answers an Enhanced connect with what a relay forwards, and keeps the client\'s fields typed', async () => {
    const client = await connectRaw(port);
    const connected = new Promise<unknown>((resolve) => server.once('connect', (_conn, info) => resolve(info.enhanced)));
    const result = await client.connect({
      fourCcList: ['av01', 'vp09', 'hvc1', 'avc1', 'Opus', 'mp4a'],
      videoFourCcInfoMap: { '*': 4, vp09: 3 },
      audioFourCcInfoMap: { Opus: 1 },
      capsEx: 0x0f,
    });
    assert.deepEqual(result.commandObject, { ...LEGACY_PROPERTIES, videoFourCcInfoMap: RELAY_VIDEO, audioFourCcInfoMap: RELAY_AUDIO, capsEx: 6 });
    // The information object is the legacy one.
    assert.deepEqual(result.args, [{ level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 }]);
    assert.deepEqual(await connected, {
      fourCcList: ['av01', 'vp09', 'hvc1', 'avc1', 'Opus', 'mp4a'],
      videoFourCcInfoMap: { '*': 4, vp09: 3 },
      audioFourCcInfoMap: { Opus: 1 },
      capsEx: 15,
    });
    await closeAll(client);
  });

  it('answers a client that only sends fourCcList ["*"] (a forwarder, original E-RTMP) too', async () => {
    const client = await connectRaw(port);
    const result = await client.connect({ fourCcList: ['*'] });
    assert.deepEqual(result.commandObject, { ...LEGACY_PROPERTIES, videoFourCcInfoMap: RELAY_VIDEO, audioFourCcInfoMap: RELAY_AUDIO, capsEx: 6 });
    assert.deepEqual(server.connections.find((c) => c.connected)!.connectInfo!.enhanced, { fourCcList: ['*'] });
    await closeAll(client);
  });

  it('gives a legacy connect the legacy reply and no enhanced info', async () => {
    const client = await connectRaw(port);
    const result = await client.connect({ flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)', capabilities: 15, videoCodecs: 252 });
    assert.deepEqual(result.commandObject, LEGACY_PROPERTIES);
    const conn = server.connections.find((c) => c.connected)!;
    assert.equal(conn.connectInfo!.enhanced, undefined);
    assert.equal('enhanced' in conn.connectInfo!, false);
    await closeAll(client);
  });

  it('tolerates malformed Enhanced fields: keeps what is well-formed, still answers', async () => {
    const client = await connectRaw(port);
    const result = await client.connect({
      fourCcList: ecmaArray({ 0: 'hvc1', 1: 7, 2: 'toolong', 3: 'av01', 4: null }), // an ECMA array instead of a strict one
      videoFourCcInfoMap: { hvc1: 'x', av01: 5, toolong: 1, '*': -1, vp09: 1.5 },
      audioFourCcInfoMap: 'Opus',
      capsEx: Number.NaN,
    });
    assert.deepEqual(result.commandObject, { ...LEGACY_PROPERTIES, videoFourCcInfoMap: RELAY_VIDEO, audioFourCcInfoMap: RELAY_AUDIO, capsEx: 6 });
    assert.deepEqual(server.connections.find((c) => c.connected)!.connectInfo!.enhanced, {
      fourCcList: ['hvc1', 'av01'],
      videoFourCcInfoMap: { av01: 5 },
    });
    await closeAll(client);
  });

  it('answers what `enhanced` configures (unset fields keep their defaults), or nothing with enhanced: false', async () => {
    const custom = new Server({ addr: '127.0.0.1:0', enhanced: { videoFourCcInfoMap: { hvc1: 7, av01: 4 }, capsEx: 0 } });
    const off = new Server({ addr: '127.0.0.1:0', enhanced: false });
    await Promise.all([custom.listen(), off.listen()]);
    const a = await connectRaw(custom.address()!.port);
    const b = await connectRaw(off.address()!.port);
    try {
      const answered = await a.connect({ capsEx: 2 });
      assert.deepEqual(answered.commandObject, { ...LEGACY_PROPERTIES, videoFourCcInfoMap: { hvc1: 7, av01: 4 }, audioFourCcInfoMap: RELAY_AUDIO, capsEx: 0 });
      const legacy = await b.connect({ capsEx: 2, fourCcList: ['hvc1'] });
      assert.deepEqual(legacy.commandObject, LEGACY_PROPERTIES);
      assert.deepEqual(off.connections[0]!.connectInfo!.enhanced, { fourCcList: ['hvc1'], capsEx: 2 }, 'still parsed');
    } finally {
      await closeAll(a, b);
      await Promise.all([custom.close(), off.close()]);
    }
  });

  it('refuses malformed `enhanced` options with ERR_INVALID_OPTION', () => {
    for (const enhanced of [{ capsEx: -1 }, { capsEx: 1.5 }, { videoFourCcInfoMap: { hvc1: Number.NaN } }, { audioFourCcInfoMap: [] as unknown as Record<string, number> }]) {
      assert.throws(() => new Server({ addr: '127.0.0.1:0', enhanced }), (err) => err instanceof RtmpError && err.code === ErrorCode.INVALID_OPTION, JSON.stringify(enhanced));
    }
  });
});

describe('Server: Enhanced RTMP v2 media for late joiners and pass-through', { timeout: 120_000 }, () => {
  let server: Server;
  let port: number;
  let hvcC: Buffer;
  let av1C: Buffer;
  let av1CSmall: Buffer;
  let opus: Buffer;
  before(async () => {
    hvcC = hevcRecord('320x240');
    av1C = av1Record('320x240');
    av1CSmall = av1Record('160x120');
    opus = opusHead(2);
    server = new Server({ addr: '127.0.0.1:0' });
    await server.listen();
    port = server.address()!.port;
  });
  after(() => server.close());

  it('hvc1 + Opus: a late joiner gets the SequenceStarts and colorInfo byte-exact, then the GOP from the Enhanced keyframe', async () => {
    const { client: pub, streamId: s } = await rawPublisher(port, 'hevc');
    const videoStart = exVideo(KEY, V.SequenceStart, 'hvc1', hvcC);
    const audioStart = exAudio(A.SequenceStart, 'Opus', opus);
    const color = exVideo(COMMAND, V.Metadata, 'hvc1', colorInfo);
    const key2 = hvc1Frame(KEY, 4);
    const inter3 = exVideo(INTER, V.CodedFramesX, 'hvc1', tagged(6, 20)); // no composition time
    send(pub, s, 'video', 0, videoStart);
    send(pub, s, 'video', 0, color);
    send(pub, s, 'audio', 0, audioStart);
    send(pub, s, 'video', 0, hvc1Frame(KEY, 1));
    send(pub, s, 'audio', 10, opusFrame(2));
    send(pub, s, 'video', 40, hvc1Frame(INTER, 3));
    send(pub, s, 'video', 80, key2);
    send(pub, s, 'audio', 90, opusFrame(5));
    send(pub, s, 'video', 120, inter3);
    await flushed(pub);
    const { client: player } = await rawPlayer(port, 'hevc');
    assert.deepEqual(await media(player, 6), [
      expect('video', 80, videoStart),
      expect('video', 80, color),
      expect('audio', 80, audioStart),
      expect('video', 80, key2),
      expect('audio', 90, opusFrame(5)),
      expect('video', 120, inter3),
    ]);
    await closeAll(pub, player);
  });

  it('Multitrack: every track\'s SequenceStart is kept (a newer one replaces its track\'s), and everything passes through byte-exact', async () => {
    const { client: early } = await rawPlayer(port, 'multi');
    const { client: pub, streamId: s } = await rawPublisher(port, 'multi');
    const first = (frameType: number, packetType: number) => 0x80 | (frameType << 4) | packetType;
    // OneTrack (0) SequenceStarts, one per track as OBS sends them; track 1 twice (the second wins).
    const track0 = multitrack(first(KEY, V.Multitrack), 0, V.SequenceStart, 'hvc1', [{ trackId: 0, body: hvcC }]);
    const track1Old = multitrack(first(KEY, V.Multitrack), 0, V.SequenceStart, 'av01', [{ trackId: 1, body: av1CSmall }]);
    const track1 = multitrack(first(KEY, V.Multitrack), 0, V.SequenceStart, 'av01', [{ trackId: 1, body: av1C }]);
    // ManyTracks (1) audio SequenceStart for two Opus tracks in one message.
    const audioStarts = multitrack(0x90 | A.Multitrack, 1, A.SequenceStart, 'Opus', [{ trackId: 0, body: opus }, { trackId: 1, body: opus }]);
    // ManyTracksManyCodecs (2) coded frames: hvc1 (with composition time) and av01 in one message.
    const frames = (frameType: number, tag: number) =>
      multitrack(first(frameType, V.Multitrack), 2, V.CodedFrames, undefined, [
        { trackId: 0, fourCc: 'hvc1', body: Buffer.concat([u24(0), tagged(tag, 16)]) },
        { trackId: 1, fourCc: 'av01', body: tagged(tag, 8) },
      ]);
    const audioFrames = multitrack(0x90 | A.Multitrack, 1, A.CodedFrames, 'Opus', [{ trackId: 0, body: tagged(9, 6) }, { trackId: 1, body: tagged(9, 7) }]);
    const sent: Array<['audio' | 'video', number, Buffer]> = [
      ['video', 0, track0],
      ['video', 0, track1Old],
      ['video', 0, track1],
      ['audio', 0, audioStarts],
      ['video', 0, frames(KEY, 1)],
      ['audio', 20, audioFrames],
      ['video', 40, frames(INTER, 2)],
    ];
    for (const [kind, t, payload] of sent) send(pub, s, kind, t, payload);
    await flushed(pub);
    // The player that was there from the start gets every message untouched, in order.
    assert.deepEqual(await media(early, sent.length), sent.map(([kind, t, payload]) => expect(kind, t, payload)));
    const { client: late } = await rawPlayer(port, 'multi');
    assert.deepEqual(await media(late, 6), [
      expect('video', 0, track0),
      expect('video', 0, track1),
      expect('audio', 0, audioStarts),
      expect('video', 0, frames(KEY, 1)),
      expect('audio', 20, audioFrames),
      expect('video', 40, frames(INTER, 2)),
    ]);
    await closeAll(pub, early, late);
  });

  it('ModEx-wrapped SequenceStart and keyframe (TimestampOffsetNano) are recognised and cached byte-exact', async () => {
    const { client: pub, streamId: s } = await rawPublisher(port, 'modex');
    const nano = u24(500_000); // ModExType 0: TimestampOffsetNano, UI24 in 3 bytes of data
    const videoStart = withModEx(0x80 | (KEY << 4), nano, 0, V.SequenceStart, Buffer.concat([Buffer.from('av01'), av1C]));
    const audioStart = withModEx(0x90, nano, 0, A.SequenceStart, Buffer.concat([Buffer.from('Opus'), opus]));
    const key = withModEx(0x80 | (KEY << 4), nano, 0, V.CodedFrames, Buffer.concat([Buffer.from('av01'), tagged(3, 30)]));
    const inter = withModEx(0x80 | (INTER << 4), nano, 0, V.CodedFrames, Buffer.concat([Buffer.from('av01'), tagged(4, 10)]));
    send(pub, s, 'video', 0, exVideo(INTER, V.CodedFrames, 'av01', tagged(1, 10))); // before any keyframe: not cached
    send(pub, s, 'video', 0, videoStart);
    send(pub, s, 'audio', 0, audioStart);
    send(pub, s, 'video', 33, key);
    send(pub, s, 'video', 66, inter);
    await flushed(pub);
    const { client: player } = await rawPlayer(port, 'modex');
    assert.deepEqual(await media(player, 4), [
      expect('video', 33, videoStart),
      expect('audio', 33, audioStart),
      expect('video', 33, key),
      expect('video', 66, inter),
    ]);
    await closeAll(pub, player);
  });

  it('SequenceEnd (keyframe frame type) is forwarded, does not start a GOP, and late joiners wait for the next keyframe with the headers', async () => {
    const { client: pub, streamId: s } = await rawPublisher(port, 'ending');
    const { client: early } = await rawPlayer(port, 'ending');
    const videoStart = exVideo(KEY, V.SequenceStart, 'hvc1', hvcC);
    const end = exVideo(KEY, V.SequenceEnd, 'hvc1', Buffer.alloc(0));
    send(pub, s, 'video', 0, videoStart);
    send(pub, s, 'video', 0, hvc1Frame(KEY, 1));
    send(pub, s, 'video', 40, hvc1Frame(INTER, 2));
    send(pub, s, 'video', 80, end);
    send(pub, s, 'video', 120, hvc1Frame(INTER, 3)); // not decodable after the end: nobody late gets it
    await flushed(pub);
    assert.deepEqual((await media(early, 5))[3], expect('video', 80, end));
    const { client: late } = await rawPlayer(port, 'ending');
    const next = hvc1Frame(KEY, 4);
    send(pub, s, 'video', 160, next);
    // The header (at the last timestamp), then straight to the new keyframe.
    assert.deepEqual(await media(late, 2), [expect('video', 120, videoStart), expect('video', 160, next)]);
    await closeAll(pub, early, late);
  });
});
