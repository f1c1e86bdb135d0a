/**
 * FLV files on disk for recording and VOD (Adobe FLV spec v10.1 Annex E), read with positional
 * reads in bounded windows, never whole:
 *
 * - `indexFlvFile` walks the tag headers once (one read per 64 KiB window, or per tag when tags are
 *   larger): where the tags end (a damaged tail is left out), the first and last timestamps, the
 *   onMetaData duration, and the seek points: each video keyframe's timestamp and offset (every
 *   audio tag's for a file without video), with the metadata and sequence headers in force there.
 * - `lastTagTimestamp` reads the last tag back from the end through its PreviousTagSize (§E.3),
 *   the quick way to continue a file when appending.
 * - `FlvTagReader` yields tags in order from an offset with bounded read-ahead. Every window is a
 *   fresh buffer, so a payload (a view into it) stays valid for as long as someone holds it.
 */
import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, FlvError } from '../errors.js';
import { isAudioSequenceHeader, decodeData, getMetadata, isKeyframe, isVideoSequenceHeader } from '../message/index.js';
import { decodeFlvHeader, FLV_HEADER_LENGTH, FLV_PREVIOUS_TAG_SIZE_LENGTH, FLV_TAG_HEADER_LENGTH, FlvTagType } from '../flv/index.js';

/** Bytes read at a time while scanning or playing. */
export const FLV_READ_WINDOW = 64 * 1024;
/** Tags larger than this end the scan (the file is treated as damaged from there). */
export const FLV_MAX_FILE_TAG_SIZE = 16 * 1024 * 1024;
/** Largest script tag decoded while indexing (onMetaData). */
const MAX_METADATA_BYTES = 1024 * 1024;

export interface FlvFileIndex {
  size: number;
  hasAudio: boolean;
  hasVideo: boolean;
  /** Offset of the first tag. */
  dataStart: number;
  /** Offset just past the last whole tag and its PreviousTagSize: playback stops here. */
  end: number;
  /** Bytes after `end` that are not whole, valid tags. */
  damagedBytes: number;
  tagCount: number;
  firstTimestamp: number;
  /** Largest tag timestamp in the file (ms). */
  lastTimestamp: number;
  /** onMetaData `duration` (seconds), when the file has one. */
  metadataDuration: number | undefined;
  /** Offset of the first onMetaData tag, -1 without one. */
  metadataOffset: number;
  /** Seek points, ascending: timestamps (ms) and tag offsets, with the sequence headers in force there (-1: none). */
  seekTimestamps: number[];
  seekOffsets: number[];
  seekVideoHeaders: number[];
  seekAudioHeaders: number[];
}

/** A tag as read from the file: `data` is a view into a buffer nobody else uses. */
export interface FileTag {
  type: number;
  timestamp: number;
  data: Buffer;
  /** Where the tag starts in the file. */
  offset: number;
}

/** Positional reads through a window buffer (a fresh buffer per read). */
class Window {
  buf = Buffer.alloc(0);
  start = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly windowSize: number,
  ) {}

  /** Makes [offset, offset + n) readable; false when the file is shorter. */
  async ensure(offset: number, n: number): Promise<boolean> {
    if (offset + n > this.size) return false;
    if (offset >= this.start && offset + n <= this.start + this.buf.length) return true;
    const length = Math.min(Math.max(n, this.windowSize), this.size - offset);
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) break; // the file shrank under us
      done += bytesRead;
    }
    this.buf = buf.subarray(0, done);
    this.start = offset;
    return done >= n;
  }

  at(offset: number): number {
    return offset - this.start;
  }
}

/** Reads the 9-byte header; an FlvError when the file is not FLV. */
async function readHeader(handle: FileHandle, size: number): Promise<{ dataStart: number; hasAudio: boolean; hasVideo: boolean }> {
  const buf = Buffer.alloc(FLV_HEADER_LENGTH);
  const { bytesRead } = size >= FLV_HEADER_LENGTH ? await handle.read(buf, 0, FLV_HEADER_LENGTH, 0) : { bytesRead: 0 };
  if (bytesRead < FLV_HEADER_LENGTH) throw new FlvError(ErrorCode.FLV_TRUNCATED, `an FLV file needs a ${FLV_HEADER_LENGTH}-byte header, this one has ${size} bytes`);
  const header = decodeFlvHeader(buf);
  // §E.3: the body (PreviousTagSize0, then tags) starts at DataOffset.
  return { dataStart: header.dataOffset + FLV_PREVIOUS_TAG_SIZE_LENGTH, hasAudio: header.hasAudio, hasVideo: header.hasVideo };
}

function validTagType(first: number): boolean {
  const type = first & 0x1f;
  // §E.4.1: reserved bits and Filter clear (we do not decrypt), type audio, video or script data.
  return (first & 0xe0) === 0 && (type === FlvTagType.Audio || type === FlvTagType.Video || type === FlvTagType.ScriptData);
}

/** Scans every tag header once. Stops (and counts the rest as damaged) at the first tag that is not whole and valid. */
export async function indexFlvFile(handle: FileHandle, windowSize = FLV_READ_WINDOW): Promise<FlvFileIndex> {
  const { size } = await handle.stat();
  const header = await readHeader(handle, size);
  const index: FlvFileIndex = {
    size,
    hasAudio: header.hasAudio,
    hasVideo: header.hasVideo,
    dataStart: header.dataStart,
    end: header.dataStart,
    damagedBytes: 0,
    tagCount: 0,
    firstTimestamp: 0,
    lastTimestamp: 0,
    metadataDuration: undefined,
    metadataOffset: -1,
    seekTimestamps: [],
    seekOffsets: [],
    seekVideoHeaders: [],
    seekAudioHeaders: [],
  };
  const win = new Window(handle, size, windowSize);
  let videoHeader = -1;
  let audioHeader = -1;
  let sawVideo = false;
  let offset = header.dataStart;
  if (size < offset) {
    index.end = size;
    return index;
  }
  while (await win.ensure(offset, FLV_TAG_HEADER_LENGTH)) {
    const first = win.buf[win.at(offset)]!;
    const dataSize = win.buf.readUIntBE(win.at(offset) + 1, 3);
    if (!validTagType(first) || dataSize > FLV_MAX_FILE_TAG_SIZE) break;
    const total = FLV_TAG_HEADER_LENGTH + dataSize;
    // Header plus the first two body bytes (frame type, AVC/AAC packet type) in one window.
    if (!(await win.ensure(offset, Math.min(total, FLV_TAG_HEADER_LENGTH + 2)))) break;
    const h = win.at(offset);
    const type = first & 0x1f;
    const timestamp = (win.buf.readUIntBE(h + 4, 3) | (win.buf[h + 7]! << 24)) >>> 0;
    const head = win.buf.subarray(h + FLV_TAG_HEADER_LENGTH, h + Math.min(total, FLV_TAG_HEADER_LENGTH + 2));
    const videoSequenceHeader = type === FlvTagType.Video && isVideoSequenceHeader(head);
    const videoKeyframe = type === FlvTagType.Video && !videoSequenceHeader && isKeyframe(head);
    const audioSequenceHeader = type === FlvTagType.Audio && isAudioSequenceHeader(head);
    let duration: number | undefined;
    if (type === FlvTagType.ScriptData && index.metadataOffset < 0 && dataSize <= MAX_METADATA_BYTES && (await win.ensure(offset, total))) {
      const m = win.at(offset);
      duration = metadataDuration(win.buf.subarray(m + FLV_TAG_HEADER_LENGTH, m + total));
    }
    // The tag counts once its PreviousTagSize (§E.3) is there and matches.
    if (!(await win.ensure(offset + total, FLV_PREVIOUS_TAG_SIZE_LENGTH))) break;
    if (win.buf.readUInt32BE(win.at(offset + total)) !== total) break;
    if (index.tagCount === 0) index.firstTimestamp = timestamp;
    if (timestamp > index.lastTimestamp) index.lastTimestamp = timestamp;
    index.tagCount++;
    if (videoSequenceHeader) videoHeader = offset;
    else if (audioSequenceHeader) audioHeader = offset;
    else if (videoKeyframe) {
      if (!sawVideo) {
        // Audio seek points were placeholders until the first video keyframe: drop them.
        sawVideo = true;
        clearSeekPoints(index);
      }
      addSeekPoint(index, timestamp, offset, videoHeader, audioHeader);
    } else if (type === FlvTagType.Audio && !sawVideo) addSeekPoint(index, timestamp, offset, videoHeader, audioHeader);
    if (duration !== undefined) {
      index.metadataOffset = offset;
      index.metadataDuration = duration >= 0 ? duration : undefined;
    }
    offset += total + FLV_PREVIOUS_TAG_SIZE_LENGTH;
  }
  index.end = offset;
  index.damagedBytes = size - offset;
  return index;
}

function addSeekPoint(index: FlvFileIndex, timestamp: number, offset: number, video: number, audio: number): void {
  const last = index.seekTimestamps.length - 1;
  // Keep timestamps ascending (a file whose clock jumps back keeps its first point for the time).
  if (last >= 0 && timestamp < index.seekTimestamps[last]!) return;
  index.seekTimestamps.push(timestamp);
  index.seekOffsets.push(offset);
  index.seekVideoHeaders.push(video);
  index.seekAudioHeaders.push(audio);
}

function clearSeekPoints(index: FlvFileIndex): void {
  index.seekTimestamps.length = 0;
  index.seekOffsets.length = 0;
  index.seekVideoHeaders.length = 0;
  index.seekAudioHeaders.length = 0;
}

/** onMetaData's duration (-1 when it is onMetaData without a usable duration); undefined for other script tags. */
function metadataDuration(body: Buffer): number | undefined {
  let values: unknown[];
  try {
    values = decodeData(body);
  } catch {
    return undefined;
  }
  const metadata = getMetadata(values);
  if (metadata === undefined || metadata === null || typeof metadata !== 'object') return undefined;
  const duration = (metadata as { duration?: unknown }).duration;
  return typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : -1;
}

/** The index of the last seek point at or before `timestamp` (0 when the target is before them all, -1 without any). */
export function seekPointAtOrBefore(index: FlvFileIndex, timestamp: number): number {
  const ts = index.seekTimestamps;
  if (ts.length === 0) return -1;
  let lo = 0;
  let hi = ts.length - 1;
  if (timestamp < ts[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid]! <= timestamp) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The file's duration in seconds: onMetaData's, else the span of its tag timestamps. */
export function flvDuration(index: FlvFileIndex): number {
  if (index.metadataDuration !== undefined) return index.metadataDuration;
  return index.tagCount === 0 ? 0 : (index.lastTimestamp - index.firstTimestamp) / 1000;
}

/**
 * The largest timestamp among the file's last `maxTags` tags (tracks interleave a little out of
 * order, so the very last tag is not always the latest) and where the tags end, read back through
 * the PreviousTagSizes (§E.3); undefined when the tail does not check out (truncated or damaged:
 * scan with indexFlvFile instead). `tags: false` when the file holds the header only.
 */
export async function lastTagTimestamp(handle: FileHandle, maxTags = 256): Promise<{ timestamp: number; end: number; tags: boolean } | undefined> {
  const { size } = await handle.stat();
  const { dataStart } = await readHeader(handle, size);
  if (size === dataStart) return { timestamp: 0, end: size, tags: false };
  const buf = Buffer.alloc(FLV_TAG_HEADER_LENGTH);
  let latest: number | undefined;
  let end = size; // where the tag being looked at ends (after its PreviousTagSize)
  for (let i = 0; i < maxTags && end > dataStart; i++) {
    if (end < dataStart + FLV_TAG_HEADER_LENGTH + FLV_PREVIOUS_TAG_SIZE_LENGTH) return i === 0 ? undefined : { timestamp: latest!, end: size, tags: true };
    await handle.read(buf, 0, FLV_PREVIOUS_TAG_SIZE_LENGTH, end - FLV_PREVIOUS_TAG_SIZE_LENGTH);
    const total = buf.readUInt32BE(0);
    const start = end - FLV_PREVIOUS_TAG_SIZE_LENGTH - total;
    if (total < FLV_TAG_HEADER_LENGTH || start < dataStart) return i === 0 ? undefined : { timestamp: latest!, end: size, tags: true };
    await handle.read(buf, 0, FLV_TAG_HEADER_LENGTH, start);
    if (!validTagType(buf[0]!) || buf.readUIntBE(1, 3) + FLV_TAG_HEADER_LENGTH !== total) {
      // Only the last tag decides whether the tail is whole; further back we just stop looking.
      if (i === 0) return undefined;
      break;
    }
    const timestamp = (buf.readUIntBE(4, 3) | (buf[7]! << 24)) >>> 0;
    if (latest === undefined || timestamp > latest) latest = timestamp;
    end = start;
  }
  return { timestamp: latest!, end: size, tags: true };
}

/** Tags in file order from `offset` up to `end` (offsets from an index, so every tag there is whole). */
export class FlvTagReader {
  private readonly win: Window;
  private position: number;

  constructor(
    handle: FileHandle,
    offset: number,
    end: number,
    readAhead = FLV_READ_WINDOW,
  ) {
    this.win = new Window(handle, end, readAhead);
    this.position = offset;
  }

  /** Where the next tag starts. */
  get offset(): number {
    return this.position;
  }

  /** The next tag, or null at the end. */
  async next(): Promise<FileTag | null> {
    const offset = this.position;
    if (!(await this.win.ensure(offset, FLV_TAG_HEADER_LENGTH))) return null;
    let at = this.win.at(offset);
    const dataSize = this.win.buf.readUIntBE(at + 1, 3);
    const total = FLV_TAG_HEADER_LENGTH + dataSize;
    if (!(await this.win.ensure(offset, total))) return null;
    at = this.win.at(offset);
    const b = this.win.buf;
    const tag: FileTag = {
      type: b[at]! & 0x1f,
      timestamp: (b.readUIntBE(at + 4, 3) | (b[at + 7]! << 24)) >>> 0,
      data: b.subarray(at + FLV_TAG_HEADER_LENGTH, at + total),
      offset,
    };
    this.position = offset + total + FLV_PREVIOUS_TAG_SIZE_LENGTH;
    return tag;
  }
}

/** One tag at a known offset (a sequence header or onMetaData to re-send after a seek). */
export async function readTagAt(handle: FileHandle, offset: number, end: number): Promise<FileTag | null> {
  return new FlvTagReader(handle, offset, end, FLV_TAG_HEADER_LENGTH + 64).next();
}
