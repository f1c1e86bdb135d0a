/**
 * What a message stream does (RTMP 1.0 §7.2.1.3): publish live, play live, or play a file. The
 * NetConnection side (ServerConnection) owns the slots and hands each NetStream command to the
 * slot's role, so a command's meaning per role sits in one class per role instead of branches.
 */
import type { DataEvent, MediaEvent } from '../../command/index.js';
import type { ServerConnection } from '../server-connection.js';

export type StreamRoleKind = 'live-publish' | 'live-play' | 'vod-play';

/** One role of one message stream. Commands the role has no use for are ignored, as before roles existed. */
export interface StreamRole {
  readonly kind: StreamRoleKind;
  /** The stream name it publishes or plays (without its query). */
  readonly name: string;
  /** Media the client sent on this stream (only a publisher's goes anywhere). */
  media(event: MediaEvent): void;
  data(event: DataEvent): void;
  receiveAudio(on: boolean): void;
  receiveVideo(on: boolean): void;
  pause(paused: boolean): void;
  seek(milliseconds: number): void;
  /** The role ends (closeStream, deleteStream, FCUnpublish, another play, disconnect). Called once. */
  close(): void;
}

/** A message stream the client created and the one role it has, if any. */
export interface StreamSlot {
  readonly id: number;
  role?: StreamRole;
}

/** What the publish and play factories need from the connection that owns the slots. */
export interface StreamRoleContext {
  readonly conn: ServerConnection;
  /** Longest stream name in UTF-8 bytes. */
  readonly maxNameLength: number;
  /** The slot of a message stream, made on first use for lenient clients; undefined past the stream limit. */
  slot(streamId: number): StreamSlot | undefined;
  /** Puts `role` on `slot`; the connection's state follows (publishing or playing). */
  enter(slot: StreamSlot, role: StreamRole): void;
}
