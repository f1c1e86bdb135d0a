/** Classes registered for the vectors and tests (the registry is process-wide). */
import { registerClass, registerExternalizable, type Amf3Reader, type Amf3Writer } from '../../lib/amf/index.js';

/** Registered with sealed traits (x, y), not dynamic. */
export class Point {
  x = 0;
  y = 0;
}
registerClass('com.example.Point', Point, { sealed: ['x', 'y'], dynamic: false });

/** Registered with default traits: no sealed members, dynamic. */
export class Tag {
  name = '';
}
registerClass('com.example.Tag', Tag);

/** An externalizable class: its body is two AMF3 values. */
export class Pair {
  constructor(
    public first: unknown = null,
    public second: unknown = null,
  ) {}
}
registerExternalizable('com.example.Pair', {
  ctor: Pair,
  read: (reader: Amf3Reader) => new Pair(reader.read(), reader.read()),
  write: (value: object, writer: Amf3Writer) => {
    const pair = value as Pair;
    writer.write(pair.first).write(pair.second);
  },
});

export function point(x: number, y: number): Point {
  return Object.assign(new Point(), { x, y });
}

/** ffmpeg's connect command object when playing (interop-notes.md, "What clients send"). */
export function connectCommandObject(): Record<string, unknown> {
  return {
    app: 'live',
    flashVer: 'LNX 9,0,124,2',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  };
}

/** onMetaData as ffmpeg's FLV muxer fills it. */
export function metadataObject(): Record<string, unknown> {
  return {
    duration: 10,
    width: 1280,
    height: 720,
    videodatarate: 0,
    framerate: 30,
    videocodecid: 7,
    audiodatarate: 125,
    audiosamplerate: 44100,
    audiosamplesize: 16,
    stereo: true,
    audiocodecid: 10,
    encoder: 'Lavf59.27.100',
    filesize: 0,
  };
}
