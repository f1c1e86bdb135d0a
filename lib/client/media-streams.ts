/**
 * A Client's media as Node streams, so a file is published or a stream recorded with one
 * pipeline() call:
 *
 *   await client.publish('key');
 *   await pipeline(createReadStream('in.flv'), new FlvDemuxer(), new RealtimePacer(), createPublishStream(client));
 *
 *   await player.play('key');
 *   await pipeline(createPlayStream(player), new FlvMuxer(), createWriteStream('out.flv'));
 *
 * Neither stream closes the client when it finishes (close it after the pipeline, as with a
 * socket you keep); a play stream destroyed early (an aborted pipeline, a failed file) closes it.
 */
import { Readable, Writable } from 'node:stream';
import { decodeOnStatus, type DataEvent, type MediaEvent, type RtmpEvent } from '../command/index.js';
import type { Message } from '../message/index.js';
import type { Client } from './client.js';

export interface PublishStreamOptions {
  /**
   * Send an `onMetaData` data event as `@setDataFrame("onMetaData", ...)`, the way ffmpeg and OBS
   * publish metadata (FLV files hold plain onMetaData). Default true.
   */
  setDataFrame?: boolean;
  /** Objects buffered before backpressure. Default 16. */
  highWaterMark?: number;
}

/** What a publish stream takes: FlvDemuxer output (events or Messages). */
export type PublishInput = MediaEvent | DataEvent | Message;

/**
 * A Writable (object mode) that sends media and data events, or Messages, on the client's
 * publish stream. Each write completes when the connection can take more (backpressure); writing
 * before publish() fails with ERR_SESSION_STATE. Other event kinds (commands, control) are skipped.
 */
export function createPublishStream(client: Client, options: PublishStreamOptions = {}): Writable {
  const setDataFrame = options.setDataFrame ?? true;
  return new Writable({
    objectMode: true,
    highWaterMark: options.highWaterMark ?? 16,
    write(item: PublishInput | RtmpEvent, _enc, callback) {
      let sent: Promise<void>;
      if ('kind' in item) {
        if (item.kind === 'audio' || item.kind === 'video') sent = client.sendOnPublishStream(item);
        else if (item.kind === 'data') {
          const wrap = setDataFrame && item.name === 'onMetaData';
          sent = client.sendOnPublishStream(wrap ? { ...item, name: '@setDataFrame', values: ['onMetaData', ...item.values] } : item);
        } else {
          callback();
          return;
        }
      } else {
        // Media and data on message stream 0 go on the publish stream (Client.writeMessage).
        sent = client.writeMessage({ ...item, messageStreamId: 0 });
      }
      sent.then(() => callback(), callback);
    },
  });
}

export interface PlayStreamOptions {
  /** Objects buffered before the client stops reading (and the socket pauses). Default 16. */
  highWaterMark?: number;
}

/** Status codes after which a played stream has nothing more to give. */
const END_CODES = new Set(['NetStream.Play.Stop', 'NetStream.Play.Complete', 'NetStream.Play.UnpublishNotify']);
/** Data messages for Flash players, not stream content. */
const NOT_CONTENT = new Set(['|RtmpSampleAccess', 'onPlayStatus']);

/**
 * A Readable (object mode) of what the client plays: audio, video and data events (metadata),
 * ready for FlvMuxer. It ends when the server ends the stream (Play.Stop, Play.Complete,
 * Play.UnpublishNotify, or whatever else ends the client's events()) or the connection closes.
 */
export function createPlayStream(client: Client, options: PlayStreamOptions = {}): Readable {
  async function* content(): AsyncGenerator<MediaEvent | DataEvent> {
    for await (const event of client.events()) {
      if (event.kind === 'audio' || event.kind === 'video') yield event;
      else if (event.kind === 'data') {
        if (!NOT_CONTENT.has(event.name)) yield event;
      } else if (event.kind === 'command' && event.name === 'onStatus') {
        const code = decodeOnStatus(event).code;
        if (typeof code === 'string' && END_CODES.has(code)) return;
      }
    }
  }
  const stream = Readable.from(content(), { objectMode: true, highWaterMark: options.highWaterMark ?? 16 });
  stream.once('close', () => {
    if (!stream.readableEnded) void client.close().catch(() => undefined);
  });
  return stream;
}
