/** The message layer: typed codecs for every RTMP message type (RTMP 1.0 §5.4, §6.2, §7.1). */
export * from './message-type.js';
export * from './message.js';
export * from './protocol-control.js';
export * from './user-control.js';
export * from './audio.js';
export * from './video.js';
export * from './media.js';
export { AMF3_FORMAT_BYTE } from './amf-values.js';
export * from './data.js';
export * from './command.js';
export * from './shared-object.js';
export * from './aggregate.js';
export * from './aggregate-reader.js';
export * from './decode.js';
