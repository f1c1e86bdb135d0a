/** The RTMP server: listeners, connections, hooks, live stream fan-out with a GOP cache. */
export * from './server.js';
export * from './server-connection.js';
export * from './stream-registry.js';
export * from './subscriber.js';
export * from './gop-cache.js';
export * from './status.js';
export { splitQuery, parseQuery } from './query.js';
