/**
 * LivePlayRole: what pause, seek and receiveAudio/Video mean for a player of a live stream, and
 * that closing it leaves the stream without a word to the player.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RtmpEvent } from '../../../lib/command/events.js';
import { LivePlayRole } from '../../../lib/server/roles/live-play-role.js';
import { StreamRegistry } from '../../../lib/server/stream-registry.js';
import { Subscriber, type SubscriberTarget } from '../../../lib/server/subscriber.js';
import { label, statusOf } from '../record-vod-fixtures.js';

class RecordingTarget implements SubscriberTarget {
  readonly sent: RtmpEvent[] = [];
  readonly outboundBacklog = 0;
  readonly closed = false;
  send(event: RtmpEvent): boolean {
    this.sent.push(event);
    return true;
  }
}

function playing(streamId = 3): { target: RecordingTarget; registry: StreamRegistry; player: Subscriber; role: LivePlayRole } {
  const target = new RecordingTarget();
  const registry = new StreamRegistry();
  const player = new Subscriber(target, streamId, StreamRegistry.key('live', 'cam'), 1 << 20);
  registry.subscribe('live', 'cam', player);
  return { target, registry, player, role: new LivePlayRole(player, 'cam', registry) };
}

describe('LivePlayRole', () => {
  it('is a live-play role named after the stream it plays', () => {
    const { role } = playing();
    assert.equal(role.kind, 'live-play');
    assert.equal(role.name, 'cam');
  });

  it('pause stops delivery with Stream EOF and Pause.Notify; unpause resumes from a keyframe with Stream Begin and Unpause.Notify', () => {
    const { target, player, role } = playing(3);
    role.pause(true);
    assert.equal(player.paused, true);
    assert.deepEqual(target.sent.map(label), ['uc:StreamEOF', 'status:NetStream.Pause.Notify']);
    assert.deepEqual(target.sent.map((e) => (e.kind === 'userControl' ? (e.event as { streamId: number }).streamId : e.streamId)), [3, 3]);
    assert.equal(statusOf(target.sent[1]!).description, 'Pausing cam.');
    assert.equal(player.needVideoKeyframe, false);
    target.sent.length = 0;
    role.pause(false);
    assert.equal(player.paused, false);
    assert.equal(player.needVideoKeyframe, true);
    assert.deepEqual(target.sent.map(label), ['uc:StreamBegin', 'status:NetStream.Unpause.Notify']);
    assert.equal(statusOf(target.sent[1]!).description, 'Unpausing cam.');
  });

  it('seek answers Seek.Notify and plays on from the next keyframe: a live stream has no position', () => {
    const { target, player, role } = playing();
    role.seek(5000);
    assert.equal(player.needVideoKeyframe, true);
    assert.deepEqual(target.sent.map(label), ['status:NetStream.Seek.Notify']);
    assert.equal(statusOf(target.sent[0]!).description, 'Seeking cam: a live stream plays on from the live point.');
  });

  it('receiveVideo turned back on waits for a keyframe; receiveAudio only flips its flag; neither sends anything', () => {
    const { target, player, role } = playing();
    role.receiveAudio(false);
    assert.equal(player.receiveAudio, false);
    assert.equal(player.needVideoKeyframe, false);
    role.receiveVideo(true); // already on: no keyframe wait
    assert.equal(player.needVideoKeyframe, false);
    role.receiveVideo(false);
    assert.equal(player.receiveVideo, false);
    role.receiveVideo(true);
    assert.equal(player.receiveVideo, true);
    assert.equal(player.needVideoKeyframe, true);
    assert.deepEqual(target.sent, []);
  });

  it('ignores media a player sends, and close leaves the stream without a status', () => {
    const { target, registry, player, role } = playing();
    role.media({ kind: 'video', streamId: 3, timestamp: 0, payload: Buffer.from([0x17, 1]) });
    role.data({ kind: 'data', streamId: 3, timestamp: 0, name: 'onMetaData', values: [] });
    assert.ok(registry.list().some((s) => s.players.has(player)));
    role.close();
    assert.ok(!registry.list().some((s) => s.players.has(player)));
    assert.deepEqual(target.sent, []);
  });
});
