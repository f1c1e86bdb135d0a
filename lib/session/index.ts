/** The session layer: a connection's pipelines, negotiated state, RPC, pings and timeouts. */
export * from './stage-chain.js';
export * from './connection.js';
export * from './read-loop.js';
export { DEFAULT_CLOSE_TIMEOUT, boundedClose, closeOptions, type CloseOptions } from './close-options.js';
export { isPeerGone } from './peer-gone.js';
