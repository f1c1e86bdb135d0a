/** Helpers that look at an Audio (8) or Video (9) message without caring which one it is. */
import { isAudioSequenceHeader } from './audio.js';
import type { Message } from './message.js';
import { MessageType } from './message-type.js';
import { isVideoSequenceHeader } from './video.js';

/**
 * True when the message carries a decoder configuration (AAC AudioSpecificConfig, AVC/HEVC
 * decoder configuration record, Enhanced RTMP SequenceStart): what a late joiner needs first and
 * what a queue must never drop. False for every other type; never throws.
 */
export function isSequenceHeader(message: Pick<Message, 'type' | 'data'>): boolean {
  if (message.type === MessageType.Audio) return isAudioSequenceHeader(message.data);
  if (message.type === MessageType.Video) return isVideoSequenceHeader(message.data);
  return false;
}
