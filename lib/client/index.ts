/** The RTMP client: `Client`, its config and states, and rtmp:// / rtmps:// URL parsing. */
export * from './client.js';
export * from './url.js';
export { adobeResponse, nextAuthStep, type AuthStep } from './adobe-auth.js';
export type { PlaybackEnd, PlaybackEndReason } from './playback.js';
export * from './media-streams.js';
