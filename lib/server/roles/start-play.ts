/**
 * A play or play2 command: checks the name and the slot, runs the onPlay hook, then plays a file
 * from vodDir (VodPlayRole) unless the name is live, or else the live stream (LivePlayRole), which
 * may not be published yet: the player waits for it. A refusal is an error onStatus on the stream.
 * Play on a stream that already plays switches it to the new name.
 */
import type { CommandEvent } from '../../command/index.js';
import { StatusCode, refusalCode, refusalDescription, statusInfo } from '../status.js';
import { echoedName, nameProblem } from '../stream-name.js';
import { parseStreamRequest } from '../stream-query.js';
import { StreamRegistry, sendStreamEvent } from '../stream-registry.js';
import { Subscriber } from '../subscriber.js';
import { LivePlayRole } from './live-play-role.js';
import type { StreamRoleContext } from './stream-role.js';
import { VodPlayRole } from './vod-play-role.js';

/** `reset` and `start` as play sent them (RTMP 1.0 §7.2.2.1); play2 always resets. */
export async function startPlay(ctx: StreamRoleContext, cmd: CommandEvent, rawName: string, reset: unknown, start = -2): Promise<void> {
  const { conn } = ctx;
  const { host, app } = conn;
  const streamId = cmd.streamId;
  const { name, info } = parseStreamRequest(rawName);
  const slot = ctx.slot(streamId);
  const failed = (code: string, description: string): void =>
    conn.sendStatus(streamId, statusInfo('error', code, description, { details: echoedName(name) }));
  const nameIssue = nameProblem(rawName, ctx.maxNameLength);
  if (nameIssue) {
    failed(StatusCode.PlayStreamNotFound, `invalid stream name: ${nameIssue}`);
    return;
  }
  if (!slot) {
    failed(StatusCode.PlayFailed, `no stream ${streamId} (createStream first)`);
    return;
  }
  if (slot.role?.kind === 'live-publish') {
    failed(StatusCode.PlayFailed, `stream ${streamId} is publishing`);
    return;
  }
  if (!name) {
    failed(StatusCode.PlayStreamNotFound, 'a stream name is required');
    return;
  }
  try {
    await host.hooks.onPlay?.(conn, name, info);
  } catch (err) {
    failed(refusalCode(err, StatusCode.PlayFailed), refusalDescription(err, 'Playing refused.'));
    return;
  }
  if (conn.closed) return;
  const resets = reset !== false && reset !== 0;
  // A file this stream plays stops before the next one is looked up; the state is left as it is
  // (settled by the next role or the stream's close). A live player stays until its successor is known.
  if (slot.role?.kind === 'vod-play') {
    slot.role.close();
    slot.role = undefined;
  }
  // The VOD lookup sends its own refusal status and, on success, the opening statuses.
  const vod = host.vod && !host.registry.isPublished(app, name) ? await host.vod.play(conn, app, name, streamId, { reset: resets, start }) : undefined;
  if (vod === 'refused') return;
  if (conn.closed) return void vod?.stop();
  slot.role?.close(); // a live player leaves its stream
  if (vod) {
    ctx.enter(slot, new VodPlayRole(vod));
    host.notify('play', conn, name, info);
    return;
  }
  const player = new Subscriber(conn, streamId, StreamRegistry.key(app, name), host.settings.maxPlayerBacklog);
  ctx.enter(slot, new LivePlayRole(player, name, host.registry));
  conn.announcePlayerWindow();
  // Stream Begin, Play.Reset, Play.Start, |RtmpSampleAccess, then the media, all on the player's stream.
  sendStreamEvent(conn, 'StreamBegin', streamId);
  if (resets) conn.sendStatus(streamId, statusInfo('status', StatusCode.PlayReset, `Playing and resetting ${name}.`, { details: name }));
  conn.sendStatus(streamId, statusInfo('status', StatusCode.PlayStart, `Started playing ${name}.`, { details: name }));
  conn.send({ kind: 'data', streamId, timestamp: 0, name: '|RtmpSampleAccess', values: [true, true] });
  host.registry.subscribe(app, name, player);
  host.notify('play', conn, name, info);
}
