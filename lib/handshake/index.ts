/** The RTMP handshake (RTMP 1.0 §5.2, plus the Flash Player 9+ digest scheme). */
export * from './types.js';
export * from './digest.js';
export { checkVersion } from './version.js';
export { PacketReader } from './packet-reader.js';
export { ServerHandshake, type ServerHandshakeOptions } from './server.js';
export { ClientHandshake, type ClientHandshakeOptions } from './client.js';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  performServerHandshake,
  performClientHandshake,
  type HandshakeSocketOptions,
  type ServerHandshakeSocketOptions,
  type ClientHandshakeSocketOptions,
} from './socket.js';
