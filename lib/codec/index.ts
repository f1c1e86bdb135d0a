/** Codec configuration parsers and the stream description built on them. */
export * from './bit-reader.js';
export * from './avc.js';
export * from './hevc.js';
export * from './aac.js';
export * from './av1.js';
export * from './vp9.js';
export * from './opus.js';
export * from './flac.js';
export * from './ac3.js';
export * from './mp3.js';
export * from './enhanced.js';
export * from './describe.js';
