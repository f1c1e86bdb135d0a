/**
 * rtmp-pipeline: an RTMP toolkit for Node.js where every protocol layer is a Transform stream.
 *
 *   bytes ⇄ chunks (lib/chunk) ⇄ messages (lib/message) ⇄ events (lib/command) ⇄ sessions
 *
 * The root is what an application needs: the Server and the Client, the Transform stages to
 * splice, the errors, and the types its code touches. Everything else of a layer is at that
 * layer's entry point: rtmp-pipeline/handshake, /chunk, /message, /amf, /command, /codec, /flv,
 * /auth, /session, /server, /client (package.json "exports"). spec/api/root-exports.spec.ts pins
 * this list: adding a name is a deliberate change there.
 */

// Errors and logging
export {
  ErrorCode,
  RtmpError,
  AmfError,
  HandshakeError,
  ChunkError,
  MessageError,
  StageError,
  SessionError,
  FlvError,
  CodecError,
  CommandError,
  isRtmpError,
} from './errors.js';
export type { Logger, LogLevel } from './logger.js';

// The server
export { Server, StatusCode } from './server/index.js';
export type {
  ServerConfig,
  ServerLimits,
  ServerTlsOptions,
  ServerState,
  ServerEvents,
  ConnectionStages,
  ServerConnection,
  ConnectInfo,
  StreamRequestInfo,
  ServerCommandHandler,
  RecordingConfig,
  VodConfig,
  RelayOptions,
  RelayRule,
  StatusInfo,
  StatusLevel,
} from './server/index.js';

// The client
export { Client, ClientState, parseRtmpUrl, createPublishStream, createPlayStream } from './client/index.js';
export type {
  ClientConfig,
  ClientEvents,
  ConnectOptions,
  CommandOptions,
  PlayOptions,
  ReceivedStatus,
  PlaybackEnd,
  PlaybackEndReason,
  RtmpUrl,
  PublishStreamOptions,
  PlayStreamOptions,
} from './client/index.js';

// Cluster: every core (issue 13)
export { startCluster } from './cluster/index.js';
export type { ClusterOptions, ClusterNode } from './cluster/index.js';

// The stages to splice, inbound then outbound
export { ChunkDecoder, MessageAssembler, MessageChunker, ChunkEncoder } from './chunk/index.js';
export type { Chunk } from './chunk/index.js';
export { CommandDecoder, CommandEncoder, StreamType } from './command/index.js';
export type { RtmpEvent, RtmpEventKind, CommandEvent, DataEvent, MediaEvent } from './command/index.js';
export { FlvDemuxer, FlvMuxer, RealtimePacer } from './flv/index.js';

// Messages, and the connection both roles are built on
export { MessageType, createMessage } from './message/index.js';
export type { Message } from './message/index.js';
export type { ConnectionState, ConnectionLimits, Boundary, Direction, StageSplices, CloseOptions } from './session/index.js';
