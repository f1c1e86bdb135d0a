/**
 * HTTP-FLV: `GET /APP/NAME.flv` plays a live stream as one endless FLV file over chunked transfer,
 * the way flv.js, mpegts.js, VLC and ffmpeg read it (the nginx-http-flv / node-media-server
 * convention). An HTTP player is a `Subscriber` of the same registry entry RTMP players use, so it
 * starts from the same GOP cache (metadata, decoder configurations, the GOP from its keyframe) and
 * follows the same overflow policy: above `maxBacklog` bytes not yet handed to the kernel it
 * drops media until the next keyframe; while most of the stream's players (RTMP and HTTP alike) are
 * full, the publisher is held instead (lib/server/fanout-flow.ts).
 *
 * The FLV bytes come from lib/flv's `FlvMuxer` (payloads untouched, metadata as an ECMA array).
 * Timestamps stay as the publisher sent them (absolute), like the RTMP players'. The response ends
 * when the publisher stops (Play.UnpublishNotify) or the server shuts down (Play.Stop): a player
 * that waits for a publisher gets the FLV header at once and its first tags when one arrives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeOnStatus, type RtmpEvent } from '../command/index.js';
import { encodeFlvHeader, FlvMuxer } from '../flv/index.js';
import { StatusCode, Subscriber, onDrain, type SubscriberTarget, type StreamRegistry } from '../server/index.js';

/** What the play hooks see of an HTTP-FLV request (the fields hooks read on a ServerConnection). */
export interface HttpFlvRequestInfo {
  /** `http-<n>`: connection ids share the stats API with RTMP ones. */
  readonly id: string;
  readonly protocol: 'http-flv';
  readonly app: string;
  readonly name: string;
  /** The request's query (`?token=...`). */
  readonly query: Record<string, string>;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The request URL as absolute `http://host/...` (what tcUrl is for RTMP). */
  readonly tcUrl: string;
}

/** `/APP/NAME.flv` (APP may hold slashes) → app and name; undefined for any other path. */
export function parseFlvPath(pathname: string): { app: string; name: string } | undefined {
  if (!pathname.endsWith('.flv')) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(pathname.slice(1, -'.flv'.length));
  } catch {
    return undefined;
  }
  const at = path.lastIndexOf('/');
  if (at <= 0 || at === path.length - 1) return undefined;
  return { app: path.slice(0, at), name: path.slice(at + 1) };
}

/** Bytes a tag adds around its payload: 11-byte tag header + 4-byte PreviousTagSize. */
const TAG_OVERHEAD = 15;

/** One HTTP-FLV response as a subscriber target: registry events in, FLV bytes out. */
export class HttpFlvPlayer implements SubscriberTarget, HttpFlvRequestInfo {
  readonly protocol = 'http-flv' as const;
  readonly subscriber: Subscriber;
  readonly startedAt = Date.now();
  private readonly muxer = new FlvMuxer({ header: false });
  // Backlog accounting as ServerConnection does it: bytes handed to the muxer vs bytes out of it.
  private bytesIntoMuxer = 0;
  private bytesOutOfMuxer = 0;
  private ended = false;
  /** Bytes written to the response (FLV header and tags). */
  bytesSent = 0;

  constructor(
    readonly id: string,
    readonly app: string,
    readonly name: string,
    readonly query: Record<string, string>,
    readonly tcUrl: string,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    maxBacklog: number,
    private readonly onEnd: (player: HttpFlvPlayer) => void,
  ) {
    this.subscriber = new Subscriber(this, 1, `${app}/${name}`, maxBacklog);
    this.muxer.on('data', (bytes: Buffer) => {
      this.bytesOutOfMuxer += bytes.length;
      this.bytesSent += bytes.length;
      if (!this.response.writableEnded && !this.response.destroyed) this.response.write(bytes);
    });
    this.muxer.on('error', (err) => this.end(err));
    response.once('close', () => this.end());
  }

  get remoteAddress(): string | undefined {
    return this.request.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.request.socket.remotePort;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes not yet handed to the kernel: the muxer's part plus what the response still buffers. */
  get outboundBacklog(): number {
    const response = this.response;
    return Math.max(0, this.bytesIntoMuxer - this.bytesOutOfMuxer) + response.writableLength;
  }

  /** The response's buffer emptied: the stream's flow control hears it (lib/server/fanout-flow.ts). */
  watchDrain(listener: () => void): () => void {
    return onDrain(this.response, listener);
  }

  /** Sends the response head and the FLV header, then joins the registry (the cached GOP follows at once). */
  start(registry: StreamRegistry): void {
    this.response.writeHead(200, {
      'Content-Type': 'video/x-flv',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-cache',
    });
    // The FLV header at once: a player waiting for a publisher has a response to read.
    const header = encodeFlvHeader({ hasAudio: true, hasVideo: true });
    this.bytesSent += header.length;
    this.response.write(header);
    registry.subscribe(this.app, this.name, this.subscriber);
  }

  send(event: RtmpEvent): boolean {
    if (this.ended) return false;
    switch (event.kind) {
      case 'audio':
      case 'video':
        this.bytesIntoMuxer += event.payload.length + TAG_OVERHEAD;
        this.muxer.write(event);
        return true;
      case 'data':
        if (event.name.startsWith('|')) return true; // |RtmpSampleAccess and the like: RTMP only
        this.bytesIntoMuxer += 64;
        this.muxer.write(event);
        return true;
      case 'command': {
        // The stream ended (publisher gone) or the server stops: the FLV file ends here.
        const code = decodeOnStatus(event).code;
        if (code === StatusCode.PlayUnpublishNotify || code === StatusCode.PlayStop) this.finish();
        return true;
      }
      default:
        return true;
    }
  }

  /** Ends the response once what is queued has been written. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    // What the muxer still holds goes out first, then the last chunk.
    this.muxer.once('end', () => this.response.end());
    this.muxer.end();
  }

  /** Ends at once (client gone, or an error). */
  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    if (err) this.response.destroy(err);
    else if (!this.response.writableEnded) this.response.end();
  }
}
