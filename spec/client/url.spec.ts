import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtmpUrl, normalizeStreamName } from '../../lib/client/url.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';

// [url, appName option, expected host, port, app, streamName, tcUrl]
const vectors: Array<[string, string | undefined, string, number, string, string, string]> = [
  // one component: it is the app, no stream
  ['rtmp://example.com/live', undefined, 'example.com', 1935, 'live', '', 'rtmp://example.com/live'],
  // explicit port stays in tcUrl
  ['rtmp://127.0.0.1:19350/live', undefined, '127.0.0.1', 19350, 'live', '', 'rtmp://127.0.0.1:19350/live'],
  // two components: app + stream
  ['rtmp://h/live/key', undefined, 'h', 1935, 'live', 'key', 'rtmp://h/live'],
  // three components: the app takes its instance
  ['rtmp://h/live/inst/key', undefined, 'h', 1935, 'live/inst', 'key', 'rtmp://h/live/inst'],
  // four: app/instance, the rest is the stream
  ['rtmp://h/app/inst/a/b', undefined, 'h', 1935, 'app/inst', 'a/b', 'rtmp://h/app/inst'],
  // a ':' in the second component: a stream prefix, not an instance
  ['rtmp://h/vod/mp4:dir/clip.mp4', undefined, 'h', 1935, 'vod', 'mp4:dir/clip.mp4', 'rtmp://h/vod'],
  // query with a stream: ends the stream name
  ['rtmp://h/live/key?token=abc&x=1', undefined, 'h', 1935, 'live', 'key?token=abc&x=1', 'rtmp://h/live'],
  // query without a stream: stays in app and tcUrl
  ['rtmp://h/live?token=abc', undefined, 'h', 1935, 'live?token=abc', '', 'rtmp://h/live?token=abc'],
  // rtmps default port 443
  ['rtmps://live.example.com/app/key', undefined, 'live.example.com', 443, 'app', 'key', 'rtmps://live.example.com/app'],
  ['rtmps://h:8443/app/key', undefined, 'h', 8443, 'app', 'key', 'rtmps://h:8443/app'],
  // scheme is case-insensitive and written lower-case
  ['RTMP://h/live/key', undefined, 'h', 1935, 'live', 'key', 'rtmp://h/live'],
  // IPv6 literal
  ['rtmp://[::1]:1936/live/key', undefined, '::1', 1936, 'live', 'key', 'rtmp://[::1]:1936/live'],
  // .flv dropped, .mp4 gets mp4:
  ['rtmp://h/vod/clip.flv', undefined, 'h', 1935, 'vod', 'clip', 'rtmp://h/vod'],
  ['rtmp://h/vod/clip.mp4', undefined, 'h', 1935, 'vod', 'mp4:clip.mp4', 'rtmp://h/vod'],
  // appName replaces the app; the path is then the stream name (leading appName/ removed)
  ['rtmp://localhost:1935', 'live', 'localhost', 1935, 'live', '', 'rtmp://localhost:1935/live'],
  ['rtmp://h/live/key', 'live', 'h', 1935, 'live', 'key', 'rtmp://h/live'],
  ['rtmp://h/key', 'live', 'h', 1935, 'live', 'key', 'rtmp://h/live'],
  ['rtmp://h/live', 'live', 'h', 1935, 'live', '', 'rtmp://h/live'],
  ['rtmp://h/a/b/c', 'x/y', 'h', 1935, 'x/y', 'a/b/c', 'rtmp://h/x/y'],
];

test('parseRtmpUrl: host, port, app, stream name, tcUrl', () => {
  for (const [url, appName, host, port, app, streamName, tcUrl] of vectors) {
    const parsed = parseRtmpUrl(url, { appName });
    assert.deepEqual(
      { host: parsed.host, port: parsed.port, app: parsed.app, streamName: parsed.streamName, tcUrl: parsed.tcUrl },
      { host, port, app, streamName, tcUrl },
      url,
    );
    assert.equal(parsed.scheme, url.toLowerCase().startsWith('rtmps') ? 'rtmps' : 'rtmp', url);
  }
});

test('parseRtmpUrl: credentials come out percent-decoded and never reach tcUrl', () => {
  const parsed = parseRtmpUrl('rtmp://us%40er:p%3Ass@h:1935/live/key');
  assert.equal(parsed.username, 'us@er');
  assert.equal(parsed.password, 'p:ss');
  assert.equal(parsed.tcUrl, 'rtmp://h:1935/live');
  assert.equal(parseRtmpUrl('rtmp://bob@h/live').username, 'bob');
  assert.equal(parseRtmpUrl('rtmp://bob@h/live').password, undefined);
  assert.equal(parseRtmpUrl('rtmp://h/live').username, undefined);
});

test('parseRtmpUrl: bad URLs fail with INVALID_URL, hiding the password', () => {
  const bad = [
    'http://h/live',
    'rtmp:/h/live',
    'rtmp:///live',
    'rtmp://h',
    'rtmp://h/',
    'rtmp://h:0/live',
    'rtmp://h:65536/live',
    'rtmp://h:12a/live',
    'rtmp://[::1/live',
    'rtmp://[::1]x/live',
    'rtmp://u:%zz@h/live',
    'rtmpt://h/live',
  ];
  for (const url of bad) {
    assert.throws(() => parseRtmpUrl(url), (err: unknown) => isRtmpError(err, ErrorCode.INVALID_URL), url);
  }
  assert.throws(() => parseRtmpUrl(42 as unknown as string), (err: unknown) => isRtmpError(err, ErrorCode.INVALID_URL));
  assert.throws(
    () => parseRtmpUrl('rtmp://user:secret@h:0/live'),
    (err: Error) => !err.message.includes('secret') && err.message.includes('user:***@'),
  );
});

test('normalizeStreamName: what ffmpeg and librtmp do to play paths', () => {
  assert.equal(normalizeStreamName('a.flv'), 'a');
  assert.equal(normalizeStreamName('a.f4v'), 'mp4:a.f4v');
  assert.equal(normalizeStreamName('mp4:a.mp4'), 'mp4:a.mp4');
  assert.equal(normalizeStreamName('key'), 'key');
});
