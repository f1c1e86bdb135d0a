/** The RTMP server: listeners, connections, hooks, live stream fan-out with a GOP cache. */
export * from './server.js';
export * from './server-connection.js';
export * from './stream-registry.js';
export * from './subscriber.js';
export * from './gop-cache.js';
export * from './status.js';
export { splitQuery, parseQuery } from './query.js';
// [record-vod] recording and VOD (issue 4)
export { Recordings, StreamRecorder, RecordStatus, DEFAULT_RECORD_MAX_BACKLOG, type RecordingConfig, type RecorderStats } from './recorder.js';
export { VodLibrary, VodPlayer, PlayComplete, DEFAULT_VOD_LEAD, type VodConfig, type VodState } from './vod.js';
export { mediaFilePath, unsafeNameReason, flvStreamName } from './safe-path.js';
export { resolveServerCapabilities, type ServerEnhancedOptions } from './enhanced.js';
// [relay] push and pull relays (issue 13)
export * from './relay/index.js';
