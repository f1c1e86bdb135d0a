/** A player of a live stream: its Subscriber's flags, pause and seek as a live stream allows them. */
import type { DataEvent, MediaEvent } from '../../command/index.js';
import { StatusCode, statusInfo } from '../status.js';
import { sendStatus, sendStreamEvent, type StreamRegistry } from '../stream-registry.js';
import type { Subscriber } from '../subscriber.js';
import type { StreamRole } from './stream-role.js';

export class LivePlayRole implements StreamRole {
  readonly kind = 'live-play';

  constructor(
    readonly player: Subscriber,
    readonly name: string,
    private readonly registry: StreamRegistry,
  ) {}

  // A player's stream carries nothing the server takes.
  media(_event: MediaEvent): void {}

  data(_event: DataEvent): void {}

  receiveAudio(on: boolean): void {
    this.player.receiveAudio = on;
  }

  /** Video turned back on starts at a keyframe, or the decoder would show garbage until one. */
  receiveVideo(on: boolean): void {
    if (on && !this.player.receiveVideo) this.player.needVideoKeyframe = true;
    this.player.receiveVideo = on;
  }

  /** Pausing a live stream stops delivery; unpausing resumes at the live point from a keyframe. */
  pause(paused: boolean): void {
    const { player, name } = this;
    const { target, streamId } = player;
    player.paused = paused;
    if (paused) {
      sendStreamEvent(target, 'StreamEOF', streamId);
      sendStatus(target, streamId, statusInfo('status', StatusCode.PauseNotify, `Pausing ${name}.`, { details: name }));
    } else {
      player.needVideoKeyframe = true;
      sendStreamEvent(target, 'StreamBegin', streamId);
      sendStatus(target, streamId, statusInfo('status', StatusCode.UnpauseNotify, `Unpausing ${name}.`, { details: name }));
    }
  }

  /** A live stream cannot seek: the answer is Seek.Notify and playback goes on from the next keyframe. */
  seek(_milliseconds: number): void {
    const { player, name } = this;
    player.needVideoKeyframe = true;
    sendStatus(
      player.target,
      player.streamId,
      statusInfo('status', StatusCode.SeekNotify, `Seeking ${name}: a live stream plays on from the live point.`, { details: name }),
    );
  }

  /** Leaves the stream without a status: closeStream asks for none, and a new play sends its own. */
  close(): void {
    this.registry.unsubscribe(this.player);
  }
}
