/** FLV files (Adobe FLV spec v10.1 Annex E): header and tag codecs, the demuxer and muxer stages. */
export * from './flv-header.js';
export * from './flv-tag.js';
export * from './flv-demuxer.js';
export * from './flv-muxer.js';
export * from './realtime-pacer.js';
export * from './flv-duration.js';
