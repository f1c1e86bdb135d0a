/**
 * rtmp-pipeline: an RTMP toolkit for Node.js where every protocol layer is a Transform stream.
 *
 *   bytes ⇄ chunks (lib/chunk) ⇄ messages (lib/message) ⇄ events (lib/command) ⇄ sessions
 */
export * from './errors.js';
export * from './logger.js';
export * from './amf/index.js';
export * from './handshake/index.js';
export * from './chunk/index.js';
export * from './message/index.js';
export * from './command/index.js';
export * from './session/index.js';
export * from './flv/index.js';
export * from './codec/index.js';
export * from './server/index.js';
export * from './client/index.js';
export * from './auth/index.js';
export * from './http/index.js'; // [cluster-http] issue 13
export * from './cluster/index.js'; // [cluster-http] issue 13
