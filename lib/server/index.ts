/** The RTMP server: listeners, connections, hooks, live stream fan-out with a GOP cache. */
export * from './server.js';
export * from './server-connection.js';
export * from './stream-registry.js';
export * from './subscriber.js';
export * from './gop-cache.js';
export * from './status.js';
export * from './memory-budget.js';
export * from './fanout-flow.js';
export { splitQuery, parseQuery } from './query.js';
// Recording and VOD
export { Recordings, StreamRecorder, RecordStatus, DEFAULT_RECORD_MAX_BACKLOG, type RecordingConfig, type RecorderStats } from './recorder.js';
export { VodLibrary, VodPlayer, PlayComplete, DEFAULT_VOD_LEAD, type VodConfig, type VodState } from './vod.js';
export { mediaFilePath, unsafeNameReason, flvStreamName } from './safe-path.js';
export { resolveServerCapabilities, type ServerEnhancedOptions } from './enhanced.js';
// Robustness against hostile peers (issue 11): phase deadlines and name limits.
export { DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT } from './phase-deadlines.js';
export { DEFAULT_MAX_NAME_LENGTH, MAX_ECHOED_NAME_LENGTH, nameProblem } from './stream-name.js';
export { parseStreamRequest, type StreamRequestInfo } from './stream-query.js';
// [relay] push and pull relays (issue 13)
export * from './relay/index.js';
