/** Synthetic FLV files and event helpers for the recording and VOD specs. */
import { writeFile } from 'node:fs/promises';
import { ecmaArray } from '../../lib/amf/index.js';
import type { CommandEvent, RtmpEvent } from '../../lib/command/events.js';
import { decodeData, encodeData } from '../../lib/message/data.js';
import { writeFlv, type FlvTag } from '../helpers/flv-tags.js';
import type { RawClient } from '../helpers/raw-client.js';
import { aacFrame, aacSequenceHeader, avcSequenceHeader, interframe, keyframe } from './media-fixtures.js';

export interface SyntheticOptions {
  /** Media length in ms (last video frame below it). Default 3000. */
  durationMs?: number;
  /** ms between video frames (audio sits halfway between). Default 100. */
  frameMs?: number;
  /** ms between keyframes. Default 1000. */
  keyframeMs?: number;
  /** onMetaData duration (seconds); null: no onMetaData tag. Default durationMs / 1000. */
  metadataDuration?: number | null;
  /** Video payload size. Default 16. */
  frameSize?: number;
}

/**
 * onMetaData, AVC and AAC sequence headers at 0, then a video frame every frameMs (keyframe every
 * keyframeMs) and an AAC frame halfway between; each payload tagged with its frame number.
 */
export function syntheticTags(options: SyntheticOptions = {}): FlvTag[] {
  const durationMs = options.durationMs ?? 3000;
  const frameMs = options.frameMs ?? 100;
  const keyframeMs = options.keyframeMs ?? 1000;
  const size = options.frameSize ?? 16;
  const tags: FlvTag[] = [];
  const duration = options.metadataDuration === undefined ? durationMs / 1000 : options.metadataDuration;
  if (duration !== null) tags.push({ type: 18, timestamp: 0, data: encodeData(['onMetaData', ecmaArray({ duration, width: 16, height: 16 })]) });
  tags.push({ type: 9, timestamp: 0, data: avcSequenceHeader }, { type: 8, timestamp: 0, data: aacSequenceHeader });
  for (let t = 0, n = 0; t < durationMs; t += frameMs, n++) {
    tags.push({ type: 9, timestamp: t, data: t % keyframeMs === 0 ? keyframe(n, size) : interframe(n, size) });
    tags.push({ type: 8, timestamp: t + frameMs / 2, data: aacFrame(n) });
  }
  return tags;
}

export async function writeSynthetic(path: string, options: SyntheticOptions = {}): Promise<FlvTag[]> {
  const tags = syntheticTags(options);
  await writeFile(path, writeFlv(tags));
  return tags;
}

/** A tag as the events a player receives (or a publisher sends). */
export function tagEvent(tag: FlvTag, streamId: number): RtmpEvent {
  if (tag.type === 18) {
    const [name, ...values] = decodeData(tag.data);
    return { kind: 'data', streamId, timestamp: tag.timestamp, name: String(name), values };
  }
  return { kind: tag.type === 8 ? 'audio' : 'video', streamId, timestamp: tag.timestamp, payload: tag.data };
}

/** Sends tags as a publisher would (onMetaData behind @setDataFrame, as OBS and ffmpeg do). */
export function publishTags(client: RawClient, streamId: number, tags: FlvTag[]): void {
  for (const tag of tags) {
    const event = tagEvent(tag, streamId);
    if (event.kind === 'data' && event.name === 'onMetaData') client.send({ ...event, name: '@setDataFrame', values: ['onMetaData', ...event.values] });
    else client.send(event);
  }
}

/** A compact label per event: statuses by code, media by kind:timestamp:first byte. */
export function label(e: RtmpEvent): string {
  switch (e.kind) {
    case 'command':
      return e.name === 'onStatus' ? `status:${(e.args[0] as { code: string }).code}` : `command:${e.name}`;
    case 'data':
      return e.name === 'onPlayStatus' ? `playStatus:${(e.values[0] as { code: string }).code}` : `data:${e.name}`;
    case 'userControl':
      return `uc:${e.event.event}`;
    case 'audio':
    case 'video':
      return `${e.kind}:${e.timestamp}:${e.payload[0]!.toString(16)}`;
    default:
      return e.kind;
  }
}

export const isMediaEvent = (e: RtmpEvent): boolean => e.kind === 'audio' || e.kind === 'video';
export const isStatus = (code: string) => (e: RtmpEvent): boolean =>
  e.kind === 'command' && e.name === 'onStatus' && (e.args[0] as { code?: string }).code === code;

/** Plays `name` without waiting for anything (the caller reads what comes). */
export async function startPlay(client: RawClient, name: string, start = -2): Promise<number> {
  const streamId = await client.createStream();
  client.command('play', 0, null, [name, start, -1, true], streamId);
  return streamId;
}

export function statusOf(e: RtmpEvent): { code: string; level: string; description: string } {
  return (e as CommandEvent).args[0] as { code: string; level: string; description: string };
}
