/** Relays: push (republish local streams elsewhere) and pull (edge: play streams from an origin). */
export { Relay, type RelayOptions, type RelayRule, type RelayStreamInfo, type RelayHost, type RelayEvents } from './relay.js';
export { RelayPush, type RelayPushOptions, type RelayPushState, type RelayPushStats, type RelayPushStatus } from './relay-push.js';
export { RelayPull, DEFAULT_PULL_IDLE_TIMEOUT, type RelayPullOptions, type RelayPullState, type RelayPullStats, type RelayPullStatus } from './relay-pull.js';
export { RelaySink } from './relay-sink.js';
export { Backoff, DEFAULT_RELAY_BACKOFF, type BackoffOptions } from './backoff.js';
