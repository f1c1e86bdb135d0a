/** The seed's StreamType: the publish type argument of `publish` (RTMP 1.0 §7.2.2.6). */
export const StreamType = {
  Live: 'live',
  Record: 'record',
  Append: 'append',
} as const;
export type StreamType = (typeof StreamType)[keyof typeof StreamType];
