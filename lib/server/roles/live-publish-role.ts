/**
 * A live publisher: its media goes to the stream registry's players and, when the publish records,
 * to the recording, a tap on the same messages. `startPublish` decides whether a publish command
 * gets this role.
 */
import { decodePublish, type CommandEvent, type DataEvent, type MediaEvent } from '../../command/index.js';
import { StatusCode, refusalCode, refusalDescription, statusInfo } from '../status.js';
import { echoedName, nameProblem } from '../stream-name.js';
import { parseStreamRequest } from '../stream-query.js';
import type { LiveStream, StreamRegistry } from '../stream-registry.js';
import type { StreamRole, StreamRoleContext } from './stream-role.js';

/** What the publish role feeds besides the registry: a StreamRecorder (lib/server/recorder.ts). */
export interface PublishTap {
  media(event: MediaEvent): void;
  data(event: DataEvent): void;
  /** Flushes and closes; the recording's Record.Stop goes out from there. */
  close(): Promise<void>;
}

export class LivePublishRole implements StreamRole {
  readonly kind = 'live-publish';

  constructor(
    readonly live: LiveStream,
    private readonly registry: StreamRegistry,
    /** The recording, when this publish records. */
    readonly tap: PublishTap | undefined,
    /** Told once the stream is unpublished (the server's 'unpublish' event). */
    private readonly ended: () => void,
  ) {}

  get name(): string {
    return this.live.name;
  }

  media(event: MediaEvent): void {
    this.registry.media(this.live, event);
    this.tap?.media(event);
  }

  data(event: DataEvent): void {
    this.registry.data(this.live, event);
    this.tap?.data(event);
  }

  // A publisher's stream has nothing to receive, pause or seek.
  receiveAudio(_on: boolean): void {}

  receiveVideo(_on: boolean): void {}

  pause(_paused: boolean): void {}

  seek(_milliseconds: number): void {}

  /** The recording is flushed and closed first, then players hear Play.UnpublishNotify. */
  close(): void {
    void this.tap?.close();
    this.registry.unpublish(this.live);
    this.ended();
  }
}

/**
 * A publish command: checks the name and the slot, refuses a name someone publishes, runs the
 * onPublish hook, opens the recording when the publish records, then claims the name. A refusal is
 * an error onStatus on the stream (the connection stays as it was); success is Publish.Start.
 */
export async function startPublish(ctx: StreamRoleContext, cmd: CommandEvent): Promise<void> {
  const { conn } = ctx;
  const { host, app } = conn;
  const streamId = cmd.streamId;
  const publish = decodePublish(cmd);
  const { name, info } = parseStreamRequest(publish.name);
  const type = publish.type;
  const slot = ctx.slot(streamId);
  const badName = (description: string): void =>
    conn.sendStatus(streamId, statusInfo('error', StatusCode.PublishBadName, description, { details: echoedName(name) }));
  const nameIssue = nameProblem(publish.name, ctx.maxNameLength);
  if (nameIssue) {
    badName(`invalid stream name: ${nameIssue}`);
    return;
  }
  if (!slot) {
    badName(`no stream ${streamId} (createStream first)`);
    return;
  }
  if (slot.role) {
    badName(`stream ${streamId} is already ${slot.role.kind === 'live-publish' ? 'publishing' : 'playing'}`);
    return;
  }
  if (!name) {
    badName('a stream name is required');
    return;
  }
  // A duplicate is refused before the hook runs; the first publisher is not touched.
  if (host.registry.isPublished(app, name)) {
    badName(`${name} is already being published`);
    return;
  }
  try {
    await host.hooks.onPublish?.(conn, name, type, info);
  } catch (err) {
    conn.sendStatus(streamId, statusInfo('error', refusalCode(err, StatusCode.PublishDenied), refusalDescription(err, 'Publishing refused.'), { details: name }));
    return;
  }
  if (conn.closed) return;
  // record/append (or recordAll) opens <recordDir>/<app>/<name>.flv before the name is claimed, so a
  // file that cannot be written refuses the publish (Recordings sent that status).
  const recorder = host.recordings ? await host.recordings.open(conn, streamId, app, name, type) : undefined;
  if (recorder === 'refused') return;
  if (conn.closed) return void recorder?.close();
  // Checked again: another publisher may have claimed the name while the hook ran.
  const live = host.registry.publish(app, name, { target: conn, streamId, type });
  if (!live) {
    void recorder?.close();
    badName(`${name} is already being published`);
    return;
  }
  ctx.enter(slot, new LivePublishRole(live, host.registry, recorder, () => host.notify('unpublish', conn, live.name)));
  conn.sendStatus(streamId, statusInfo('status', StatusCode.PublishStart, `${name} is now published.`, { details: name }));
  recorder?.announce(); // NetStream.Record.Start follows Publish.Start
  host.notify('publish', conn, name, type, info);
}
