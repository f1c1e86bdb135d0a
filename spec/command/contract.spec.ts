// The typed command contract (lib/command/netconnection.ts, netstream.ts, status.ts): each command
// encodes to its AMF positional layout and decodes back to the same object; what a real ffmpeg
// publisher sent (spec/fixtures/ffmpeg-publish) decodes to the expected fields; one path answers
// custom calls for both roles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StatusCode,
  answerCall,
  decodeConnect,
  decodeCreateStreamResult,
  decodeDeleteStream,
  decodeFCPublish,
  decodeFCSubscribe,
  decodeFCUnpublish,
  decodeOnStatus,
  decodePause,
  decodePlay,
  decodePlay2,
  decodePublish,
  decodeReceive,
  decodeReleaseStream,
  decodeSeek,
  encodeCloseStream,
  encodeConnect,
  encodeCreateStream,
  encodeDeleteStream,
  encodeFCPublish,
  encodeFCSubscribe,
  encodeFCUnpublish,
  encodeOnStatus,
  encodePause,
  encodePlay,
  encodePlay2,
  encodePublish,
  encodeReceive,
  encodeReleaseStream,
  encodeReply,
  encodeSeek,
  isPromiseLike,
  statusInfo,
  type CommandEvent,
} from '../../lib/command/index.js';
import * as serverStatus from '../../lib/server/status.js';
import { decodeMessage } from '../../lib/message/decode.js';
import { captureMessages } from '../message/capture.js';

describe('command contract: encode then decode gives the same object', () => {
  it('publish (live, record, append)', () => {
    for (const type of ['live', 'record', 'append'] as const) {
      const body = encodePublish({ name: 'cam?key=1', type });
      assert.deepEqual(body, { name: 'publish', commandObject: null, args: ['cam?key=1', type] });
      assert.deepEqual(decodePublish(body), { name: 'cam?key=1', type });
    }
  });

  it('publish: a missing or unknown type reads as live, a non-string name as empty', () => {
    assert.deepEqual(decodePublish({ commandObject: null, args: ['a'] }), { name: 'a', type: 'live' });
    assert.deepEqual(decodePublish({ commandObject: null, args: [7, 'bogus'] }), { name: '', type: 'live' });
  });

  it('play: the short and the long layouts', () => {
    assert.deepEqual(encodePlay({ name: 's' }).args, ['s', -2]);
    assert.deepEqual(decodePlay(encodePlay({ name: 's' })), { name: 's', start: -2 });
    const full = { name: 's', start: 1500, duration: -1, reset: false };
    assert.deepEqual(encodePlay(full).args, ['s', 1500, -1, false]);
    assert.deepEqual(decodePlay(encodePlay(full)), full);
    assert.deepEqual(encodePlay({ name: 's', reset: true }).args, ['s', -2, -1, true]);
    assert.deepEqual(decodePlay(encodePlay({ name: 's', start: 0, duration: 20 })), { name: 's', start: 0, duration: 20 });
  });

  it('play: absent start reads as -2, a numeric reset as value !== 0', () => {
    assert.deepEqual(decodePlay({ commandObject: null, args: ['x'] }), { name: 'x', start: -2 });
    assert.equal(decodePlay({ commandObject: null, args: ['x', -2, -1, 0] }).reset, false);
    assert.equal(decodePlay({ commandObject: null, args: ['x', -2, -1, 1] }).reset, true);
  });

  it('play2', () => {
    const parameters = { streamName: 'hd', oldStreamName: 'sd', transition: 'switch', start: -2, len: -1 };
    const body = encodePlay2(parameters);
    assert.deepEqual(body.args, [parameters]);
    assert.deepEqual(decodePlay2(body), { name: 'hd', parameters });
    assert.deepEqual(decodePlay2({ commandObject: null, args: [] }), { name: '', parameters: {} });
  });

  it('seek and pause', () => {
    assert.deepEqual(encodeSeek({ milliseconds: 4000 }).args, [4000]);
    assert.deepEqual(decodeSeek(encodeSeek({ milliseconds: 4000 })), { milliseconds: 4000 });
    for (const paused of [true, false]) {
      const body = encodePause({ paused, position: 1234 });
      assert.deepEqual(body, { name: 'pause', commandObject: null, args: [paused, 1234] });
      assert.deepEqual(decodePause(body), { paused, position: 1234 });
    }
    assert.equal(encodePause({ paused: false, position: 0 }, 'unpause').name, 'unpause');
    assert.deepEqual(decodePause({ commandObject: null, args: [] }), { paused: true, position: 0 });
  });

  it('receiveAudio / receiveVideo', () => {
    assert.deepEqual(encodeReceive('receiveVideo', { on: false }), { name: 'receiveVideo', commandObject: null, args: [false] });
    assert.deepEqual(decodeReceive(encodeReceive('receiveAudio', { on: true })), { on: true });
    assert.deepEqual(decodeReceive({ commandObject: null, args: [] }), { on: true });
  });

  it('deleteStream and closeStream', () => {
    assert.deepEqual(encodeDeleteStream({ streamId: 3 }), { name: 'deleteStream', commandObject: null, args: [3] });
    assert.deepEqual(decodeDeleteStream(encodeDeleteStream({ streamId: 3 })), { streamId: 3 });
    assert.deepEqual(encodeCloseStream(), { name: 'closeStream', commandObject: null, args: [] });
  });

  it('releaseStream and the FC* notifications', () => {
    const pairs = [
      [encodeReleaseStream, decodeReleaseStream, 'releaseStream'],
      [encodeFCPublish, decodeFCPublish, 'FCPublish'],
      [encodeFCUnpublish, decodeFCUnpublish, 'FCUnpublish'],
      [encodeFCSubscribe, decodeFCSubscribe, 'FCSubscribe'],
    ] as const;
    for (const [encode, decode, name] of pairs) {
      const body = encode({ name: 'cam' });
      assert.deepEqual(body, { name, commandObject: null, args: ['cam'] });
      assert.deepEqual(decode(body), { name: 'cam' });
    }
  });

  it('connect, createStream and its result', () => {
    const object = { app: 'live', tcUrl: 'rtmp://h/live', objectEncoding: 3, flashVer: 'X' };
    assert.deepEqual(encodeConnect(object), { name: 'connect', commandObject: object, args: [] });
    assert.deepEqual(decodeConnect(encodeConnect(object)), { app: 'live', tcUrl: 'rtmp://h/live', objectEncoding: 3, commandObject: object });
    assert.deepEqual(decodeConnect({ commandObject: { app: 'a', tcurl: 'rtmp://x/a' }, args: [] }).tcUrl, 'rtmp://x/a');
    assert.deepEqual(decodeConnect({ commandObject: null, args: [] }), { app: '', objectEncoding: 0, commandObject: {} });
    assert.deepEqual(encodeCreateStream(), { name: 'createStream', commandObject: null, args: [] });
    assert.equal(decodeCreateStreamResult({ commandObject: null, args: [1] }), 1);
    for (const bad of [undefined, -1, 1.5, '1', 2 ** 32]) assert.equal(decodeCreateStreamResult({ commandObject: null, args: [bad] }), undefined);
  });

  it('onStatus', () => {
    const info = statusInfo('status', StatusCode.PublishStart, 'cam is now published', { details: 'cam' });
    const body = encodeOnStatus(info);
    assert.deepEqual(body, { name: 'onStatus', commandObject: null, args: [info] });
    assert.deepEqual(decodeOnStatus(body), info);
    assert.deepEqual(decodeOnStatus({ commandObject: null, args: ['not an object'] }), {});
  });

  it('status codes live in lib/command and lib/server/status re-exports the same objects', () => {
    assert.equal(serverStatus.StatusCode, StatusCode);
    assert.equal(StatusCode.PlayStart, 'NetStream.Play.Start');
  });
});

describe('command contract: what ffmpeg 5.1 sent when publishing', () => {
  const commands = captureMessages('client-to-server.bin')
    .map((m) => decodeMessage(m))
    .flatMap((d) => (d.kind === 'command' ? [d.command] : []));
  const named = (name: string) => {
    const found = commands.find((c) => c.name === name);
    assert.ok(found, `ffmpeg sent ${name}`);
    return found;
  };

  it('connect: app, tcUrl, AMF0', () => {
    const connect = decodeConnect(named('connect'));
    assert.equal(connect.app, 'live');
    assert.match(connect.tcUrl ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/);
    assert.equal(connect.objectEncoding, 0);
    assert.equal(connect.commandObject.flashVer, 'FMLE/3.0 (compatible; Lavf59.27.100)');
  });

  it('releaseStream, FCPublish, FCUnpublish name the stream', () => {
    assert.deepEqual(decodeReleaseStream(named('releaseStream')), { name: 'capture' });
    assert.deepEqual(decodeFCPublish(named('FCPublish')), { name: 'capture' });
    assert.deepEqual(decodeFCUnpublish(named('FCUnpublish')), { name: 'capture' });
  });

  it('publish: name and type', () => {
    assert.deepEqual(decodePublish(named('publish')), { name: 'capture', type: 'live' });
  });

  it('deleteStream: the stream id', () => {
    assert.deepEqual(decodeDeleteStream(named('deleteStream')), { streamId: 1 });
  });

  it('each decoded command re-encodes to the same arguments', () => {
    const publish = named('publish');
    assert.deepEqual(encodePublish(decodePublish(publish)).args, publish.args);
    const del = named('deleteStream');
    assert.deepEqual(encodeDeleteStream(decodeDeleteStream(del)).args, del.args);
    const fc = named('FCPublish');
    assert.deepEqual(encodeFCPublish(decodeFCPublish(fc)).args, fc.args);
  });
});

describe('answerCall: one path for both roles', () => {
  const request = (transactionId: number): CommandEvent => ({ kind: 'command', streamId: 0, timestamp: 0, name: 'sum', transactionId, commandObject: null, args: [1, 2] });
  const recorder = () => {
    const sent: CommandEvent[] = [];
    return { sent, reply: (req: CommandEvent, commandObject: unknown, info: unknown, error = false) => sent.push(encodeReply(req, commandObject, info, error)) };
  };
  const errorInfo = (err: unknown) => statusInfo('error', StatusCode.CallFailed, err instanceof Error ? err.message : String(err));

  it('a plain value answers _result at once (undefined as null)', () => {
    const r = recorder();
    assert.equal(answerCall(request(5), () => 3, r, { errorInfo }), undefined);
    answerCall(request(6), () => undefined, r, { errorInfo });
    assert.deepEqual(r.sent.map((c) => [c.name, c.transactionId, c.args]), [['_result', 5, [3]], ['_result', 6, [null]]]);
  });

  it('a promise is awaited; a rejection or a throw answers _error', async () => {
    const r = recorder();
    await answerCall(request(2), () => Promise.resolve('ok'), r, { errorInfo });
    await answerCall(request(3), () => Promise.reject(new Error('nope')), r, { errorInfo });
    answerCall(request(4), () => { throw new Error('boom'); }, r, { errorInfo });
    assert.deepEqual(r.sent.map((c) => [c.name, c.transactionId, c.args]), [
      ['_result', 2, ['ok']],
      ['_error', 3, [{ level: 'error', code: 'NetConnection.Call.Failed', description: 'nope' }]],
      ['_error', 4, [{ level: 'error', code: 'NetConnection.Call.Failed', description: 'boom' }]],
    ]);
  });

  it('a notification (transaction 0) or a closed connection gets no answer', async () => {
    const r = recorder();
    answerCall(request(0), () => 1, r, { errorInfo });
    answerCall(request(0), () => { throw new Error('x'); }, r, { errorInfo });
    await answerCall(request(9), () => Promise.resolve(1), r, { errorInfo, isOpen: () => false });
    assert.deepEqual(r.sent, []);
  });

  it('isPromiseLike', () => {
    assert.equal(isPromiseLike(Promise.resolve()), true);
    assert.equal(isPromiseLike({ then: () => undefined }), true);
    for (const v of [null, undefined, 0, 'then', {}, { then: 1 }]) assert.equal(isPromiseLike(v), false);
  });
});
