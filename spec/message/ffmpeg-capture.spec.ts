/**
 * The message codecs against a real session: ffmpeg 5.1 publishing to `ffmpeg -listen`
 * (spec/fixtures/ffmpeg-publish). Every message must decode, and re-encode to the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isEcmaArray } from '../../lib/amf/index.js';
import { decodeAudioHeader } from '../../lib/message/audio.js';
import { decodeCommand, encodeCommand } from '../../lib/message/command.js';
import { decodeData, encodeData, getMetadata } from '../../lib/message/data.js';
import { decodeMessage } from '../../lib/message/decode.js';
import { isSequenceHeader } from '../../lib/message/media.js';
import { MessageType } from '../../lib/message/message-type.js';
import { createProtocolControlMessage, decodeProtocolControl } from '../../lib/message/protocol-control.js';
import { createUserControlMessage, decodeUserControl } from '../../lib/message/user-control.js';
import { decodeVideoHeader, isKeyframe } from '../../lib/message/video.js';
import { captureMessages } from './capture.js';

const fixture = new URL('../fixtures/ffmpeg-publish/', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('meta.json', fixture), 'utf8')) as { captures: { plain: { tcUrl: string } } };
const packets = JSON.parse(readFileSync(new URL('source.packets.json', fixture), 'utf8')) as Array<{
  codec_type: string;
  size: number;
  pts: number;
  dts: number;
  flags: string;
}>;
const fromClient = captureMessages('client-to-server.bin');
const fromServer = captureMessages('server-to-client.bin');

test('every message of the session decodes', () => {
  assert.ok(fromClient.length > 100 && fromServer.length > 10);
  for (const message of [...fromClient, ...fromServer]) decodeMessage(message);
});

test("ffmpeg's connect: the AMF0 layout we encode is byte for byte what ffmpeg sent", () => {
  const connect = fromClient[0]!;
  assert.equal(connect.type, MessageType.CommandAMF0);
  assert.equal(connect.length, 140);
  const expected = {
    name: 'connect',
    transactionId: 1,
    commandObject: {
      app: 'live',
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; Lavf59.27.100)',
      tcUrl: meta.captures.plain.tcUrl,
    },
    args: [],
  };
  assert.deepEqual(decodeCommand(connect.data), expected);
  assert.deepEqual(encodeCommand(expected), connect.data);
});

test('every command but the bare onFCPublish re-encodes byte-exact', () => {
  const commands = [...fromClient, ...fromServer].filter((m) => m.type === MessageType.CommandAMF0);
  const clientNames = fromClient.filter((m) => m.type === MessageType.CommandAMF0).map((m) => decodeCommand(m.data).name);
  assert.deepEqual(clientNames, [
    'connect', 'releaseStream', 'FCPublish', 'createStream', '_checkbw', 'publish', 'FCUnpublish', 'deleteStream',
  ]);
  for (const m of commands) {
    const command = decodeCommand(m.data);
    if (command.name === 'onFCPublish') continue;
    assert.deepEqual(encodeCommand(command), m.data, command.name);
  }
  const result = decodeCommand(fromServer.find((m) => m.type === 20)!.data);
  assert.equal(result.name, '_result');
  assert.equal((result.args[0] as { code: string }).code, 'NetConnection.Connect.Success');
});

test("ffmpeg's @setDataFrame onMetaData: an ECMA array that re-encodes byte-exact", () => {
  const data = fromClient.filter((m) => m.type === MessageType.DataAMF0);
  assert.equal(data.length, 1);
  const values = decodeData(data[0]!.data);
  assert.equal(values[0], '@setDataFrame');
  const metadata = getMetadata(values) as Record<string, unknown>;
  assert.ok(isEcmaArray(metadata));
  assert.equal(metadata.width, 160);
  assert.equal(metadata.height, 120);
  assert.equal(metadata.framerate, 15);
  assert.equal(metadata.videocodecid, 7);
  assert.equal(metadata.audiocodecid, 10);
  assert.deepEqual(encodeData(values), data[0]!.data);
});

test("ffmpeg -listen's protocol and user control messages re-encode byte-exact", () => {
  const controls = fromServer.filter((m) => m.chunkStreamId === 2);
  const decoded = controls.map((m) => (m.type === MessageType.UserControl ? decodeUserControl(m.data) : decodeProtocolControl(m.type, m.data)));
  assert.deepEqual(decoded, [
    { type: 5, windowSize: 2_500_000 },
    { type: 6, windowSize: 2_500_000, limitType: 2 },
    { event: 'StreamBegin', streamId: 0 },
    { type: 1, chunkSize: 128 },
    { event: 'StreamBegin', streamId: 1 },
  ]);
  decoded.forEach((d, i) => {
    const again = 'event' in d ? createUserControlMessage(d) : createProtocolControlMessage(d);
    assert.deepEqual(again, controls[i], `control ${i}`);
  });
});

test('media headers agree with ffprobe: sizes, keyframes, composition times, sequence headers', () => {
  const video = fromClient.filter((m) => m.type === MessageType.Video);
  const audio = fromClient.filter((m) => m.type === MessageType.Audio);
  const videoPackets = packets.filter((p) => p.codec_type === 'video');
  const audioPackets = packets.filter((p) => p.codec_type === 'audio');
  // The first message of each is the decoder configuration; ffprobe does not list it as a packet.
  assert.ok(isSequenceHeader(video[0]!) && isSequenceHeader(audio[0]!));
  assert.equal([...video, ...audio].filter((m) => isSequenceHeader(m)).length, 2);
  const frames = video.slice(1).filter((m) => {
    const header = decodeVideoHeader(m.data);
    return !header.isExHeader && header.avcPacketType === 1;
  });
  assert.equal(frames.length, videoPackets.length);
  frames.forEach((m, i) => {
    const header = decodeVideoHeader(m.data);
    const packet = videoPackets[i]!;
    assert.equal(m.length - header.headerLength, packet.size, `video ${i} size`);
    assert.equal(m.timestamp, packet.dts, `video ${i} dts`);
    assert.equal(header.compositionTime, packet.pts - packet.dts, `video ${i} composition time`);
    assert.equal(isKeyframe(m.data), packet.flags.startsWith('K'), `video ${i} keyframe`);
  });
  const rawAudio = audio.slice(1);
  assert.equal(rawAudio.length, audioPackets.length);
  rawAudio.forEach((m, i) => {
    const header = decodeAudioHeader(m.data);
    assert.deepEqual([header.isExHeader, (header as { soundFormat: number }).soundFormat, (header as { aacPacketType: number }).aacPacketType], [false, 10, 1]);
    assert.equal(m.length - header.headerLength, audioPackets[i]!.size, `audio ${i} size`);
  });
});
