/** The command layer: messages ⇄ typed events, AMF0/AMF3 per connection. */
export * from './events.js';
export * from './command-decoder.js';
export { EventDecoder, type EventDecoderOptions } from './event-decoder.js';
export * from './command-encoder.js';
export * from './stream-type.js';
export * from './enhanced-capabilities.js';
export * from './status.js';
export * from './promise-like.js';
export * from './command-args.js';
export * from './netconnection.js';
export * from './netstream.js';
export * from './shared-event.js';
