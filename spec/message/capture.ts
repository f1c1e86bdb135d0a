/**
 * Reads whole messages out of the recorded ffmpeg session (spec/fixtures/ffmpeg-publish), so the
 * message codecs can be checked against real bytes. A deliberately small de-chunker for one
 * recorded direction: it knows the handshake length, follows Set Chunk Size, and inherits header
 * fields per chunk stream (RTMP 1.0 §5.3). It is test support, not the library's chunk layer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Message } from '../../lib/message/message.js';

const HANDSHAKE_LENGTH = 1 + 1536 + 1536;

export function captureMessages(file: 'client-to-server.bin' | 'server-to-client.bin'): Message[] {
  const buf = readFileSync(fileURLToPath(new URL(`../fixtures/ffmpeg-publish/${file}`, import.meta.url)));
  const streams = new Map<number, { timestamp: number; delta: number; length: number; type: number; streamId: number; parts: Buffer[]; got: number }>();
  const messages: Message[] = [];
  let chunkSize = 128;
  let pos = HANDSHAKE_LENGTH;
  while (pos < buf.length) {
    const start = pos;
    const fmt = buf[pos]! >> 6;
    let csid = buf[pos]! & 0x3f;
    pos++;
    if (csid === 0) csid = 64 + buf[pos++]!;
    else if (csid === 1) {
      csid = 64 + buf[pos]! + buf[pos + 1]! * 256;
      pos += 2;
    }
    const s = streams.get(csid) ?? { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, parts: [], got: 0 };
    streams.set(csid, s);
    let field = 0;
    if (fmt <= 2) {
      field = buf.readUIntBE(pos, 3);
      pos += 3;
    }
    if (fmt <= 1) {
      s.length = buf.readUIntBE(pos, 3);
      s.type = buf[pos + 3]!;
      pos += 4;
    }
    if (fmt === 0) {
      s.streamId = buf.readUInt32LE(pos);
      pos += 4;
    }
    if (field === 0xffffff) {
      field = buf.readUInt32BE(pos);
      pos += 4;
    }
    if (s.got === 0) {
      if (fmt === 0) s.timestamp = field;
      else if (fmt <= 2) {
        s.delta = field;
        s.timestamp = (s.timestamp + field) >>> 0;
      } else s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    const take = Math.min(chunkSize, s.length - s.got);
    if (pos + take > buf.length) break; // the capture ended inside a chunk
    s.parts.push(buf.subarray(pos, pos + take));
    s.got += take;
    pos += take;
    if (pos <= start) throw new Error('de-chunker made no progress');
    if (s.got === s.length) {
      const data = Buffer.concat(s.parts);
      messages.push({ chunkStreamId: csid, messageStreamId: s.streamId, timestamp: s.timestamp, type: s.type, length: data.length, data });
      if (s.type === 1) chunkSize = data.readUInt32BE(0);
      s.parts = [];
      s.got = 0;
    }
  }
  return messages;
}
