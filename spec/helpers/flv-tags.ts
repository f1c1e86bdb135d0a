/**
 * A tiny FLV tag reader and writer for tests only (Adobe FLV spec v10.1 §E.2–E.4): turns an FLV
 * file into the messages a publisher sends and back. Not the library's demuxer (lib/flv, issue 4).
 */
export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  type: number;
  /** ms, 32-bit (TimestampExtended is the high byte). */
  timestamp: number;
  data: Buffer;
}

export function readFlvTags(file: Buffer): FlvTag[] {
  if (file.length < 13 || file.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV file');
  const tags: FlvTag[] = [];
  let offset = file.readUInt32BE(5) + 4; // header, then PreviousTagSize0
  while (offset + 11 <= file.length) {
    const type = file[offset]! & 0x1f;
    const size = file.readUIntBE(offset + 1, 3);
    const timestamp = (file.readUIntBE(offset + 4, 3) | (file[offset + 7]! << 24)) >>> 0;
    const end = offset + 11 + size;
    if (end > file.length) break;
    tags.push({ type, timestamp, data: file.subarray(offset + 11, end) });
    offset = end + 4;
  }
  return tags;
}

export function writeFlv(tags: FlvTag[], flags = 0x05): Buffer {
  const parts: Buffer[] = [Buffer.from([0x46, 0x4c, 0x56, 1, flags, 0, 0, 0, 9, 0, 0, 0, 0])];
  for (const tag of tags) {
    const header = Buffer.alloc(11);
    header[0] = tag.type;
    header.writeUIntBE(tag.data.length, 1, 3);
    header.writeUIntBE(tag.timestamp & 0xffffff, 4, 3);
    header[7] = (tag.timestamp >>> 24) & 0xff;
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(11 + tag.data.length);
    parts.push(header, tag.data, trailer);
  }
  return Buffer.concat(parts);
}
