/** A player of a file in vodDir: the VodPlayer does the work (lib/server/vod.ts). */
import type { DataEvent, MediaEvent } from '../../command/index.js';
import type { VodPlayer } from '../vod.js';
import type { StreamRole } from './stream-role.js';

export class VodPlayRole implements StreamRole {
  readonly kind = 'vod-play';

  constructor(readonly player: VodPlayer) {}

  get name(): string {
    return this.player.name;
  }

  // A player's stream carries nothing the server takes.
  media(_event: MediaEvent): void {}

  data(_event: DataEvent): void {}

  receiveAudio(on: boolean): void {
    this.player.receiveAudio = on;
  }

  receiveVideo(on: boolean): void {
    this.player.receiveVideo = on;
  }

  pause(paused: boolean): void {
    this.player.pause(paused);
  }

  seek(milliseconds: number): void {
    this.player.seek(milliseconds);
  }

  /** Closes the file; the player hears nothing (closeStream and a new play need no status). */
  close(): void {
    void this.player.stop();
  }
}
