/**
 * FLV byte vectors hand-computed from the Adobe FLV spec v10.1 (§E.2 header, §E.3 body, §E.4.1
 * tags), shared by the demuxer, muxer and round-trip tests. Each vector is a whole file; `items`
 * is what FlvDemuxer emits for it (events) and what FlvMuxer turns back into exactly these bytes.
 */
import { ecmaArray } from '../../lib/amf/index.js';
import type { DataEvent, MediaEvent } from '../../lib/command/events.js';
import type { FlvHeader } from '../../lib/flv/flv-header.js';
import { hex } from '../amf/hex.js';

export interface FlvVector {
  name: string;
  bytes: Buffer;
  header: FlvHeader;
  items: Array<MediaEvent | DataEvent>;
  /** FlvMuxer options that reproduce the header flags. */
  flags: { audio: boolean; video: boolean };
}

/** 'F' 'L' 'V', version 1, TypeFlags, DataOffset 9, PreviousTagSize0 0. */
const headerBytes = (flags: string) => hex('46 4c 56', '01', flags, '00 00 00 09', '00 00 00 00');

export const AAC_RAW_TAG = hex(
  '08', //          TagType 8 (audio); Reserved 0, Filter 0
  '00 00 03', //    DataSize 3
  '02 03 04', //    Timestamp, low 24 bits
  '01', //          TimestampExtended: upper 8 bits → 0x01020304
  '00 00 00', //    StreamID 0
  'af 01 21', //    AUDIODATA: AAC 44 kHz 16-bit stereo, AACPacketType 1 (raw), 1 byte of frame
  '00 00 00 0e', // PreviousTagSize = 11 + 3
);

export const AVC_KEYFRAME_TAG = hex(
  '09', //          TagType 9 (video)
  '00 00 09', //    DataSize 9
  '00 00 28', //    Timestamp 40
  '00', //          TimestampExtended 0
  '00 00 00', //    StreamID 0
  '17 01 00 00 00', // VIDEODATA: keyframe, AVC, AVCPacketType 1 (NALU), CompositionTime 0
  '00 00 00 00', // one empty length-prefixed NAL unit
  '00 00 00 14', // PreviousTagSize = 11 + 9 = 20
);

export const ON_METADATA_TAG = hex(
  '12', //          TagType 18 (script data)
  '00 00 28', //    DataSize 40
  '00 00 00 00', // Timestamp 0, TimestampExtended 0
  '00 00 00', //    StreamID 0
  '02 00 0a', //    AMF0 string, length 10
  Buffer.from('onMetaData'),
  '08 00 00 00 01', // AMF0 ECMA array, 1 entry (approximate count)
  '00 08', //       key length 8
  Buffer.from('duration'),
  '00 40 00 00 00 00 00 00 00', // AMF0 number 2.0
  '00 00 09', //    object end
  '00 00 00 33', // PreviousTagSize = 11 + 40 = 51
);

export const HEVC_EX_SEQUENCE_START_TAG = hex(
  '09', //          TagType 9
  '00 00 08', //    DataSize 8
  '00 00 00 00', // Timestamp 0
  '00 00 00', //    StreamID 0
  '90', //          Enhanced RTMP: IsExHeader 1, FrameType 1 (key), PacketType 0 (SequenceStart)
  '68 76 63 31', // FourCC 'hvc1'
  '01 02 03', //    opaque bytes: passed through untouched
  '00 00 00 13', // PreviousTagSize = 11 + 8 = 19
);

export const MAX_TIMESTAMP_TAG = hex(
  '08', //          TagType 8
  '00 00 01', //    DataSize 1
  'ff ff ff', //    Timestamp low 24 bits
  'ff', //          TimestampExtended → 0xFFFFFFFF
  '00 00 00', //    StreamID
  '22', //          AUDIODATA: MP3 5.5 kHz 16-bit mono, no frame bytes
  '00 00 00 0c', // PreviousTagSize = 12
);

export const vectors: FlvVector[] = [
  {
    name: 'header only, audio and video flags',
    bytes: headerBytes('05'),
    header: { version: 1, hasAudio: true, hasVideo: true, dataOffset: 9 },
    items: [],
    flags: { audio: true, video: true },
  },
  {
    name: 'audio-only file with an extended timestamp',
    bytes: hex(headerBytes('04'), AAC_RAW_TAG),
    header: { version: 1, hasAudio: true, hasVideo: false, dataOffset: 9 },
    items: [{ kind: 'audio', streamId: 0, timestamp: 0x01020304, payload: hex('af 01 21') }],
    flags: { audio: true, video: false },
  },
  {
    name: 'video-only file: legacy AVC and Enhanced RTMP hvc1',
    bytes: hex(headerBytes('01'), AVC_KEYFRAME_TAG, HEVC_EX_SEQUENCE_START_TAG),
    header: { version: 1, hasAudio: false, hasVideo: true, dataOffset: 9 },
    items: [
      { kind: 'video', streamId: 0, timestamp: 40, payload: hex('17 01 00 00 00 00 00 00 00') },
      { kind: 'video', streamId: 0, timestamp: 0, payload: hex('90 68 76 63 31 01 02 03') },
    ],
    flags: { audio: false, video: true },
  },
  {
    name: 'script, video and audio tags, the largest timestamp',
    bytes: hex(headerBytes('05'), ON_METADATA_TAG, AVC_KEYFRAME_TAG, MAX_TIMESTAMP_TAG),
    header: { version: 1, hasAudio: true, hasVideo: true, dataOffset: 9 },
    items: [
      { kind: 'data', streamId: 0, timestamp: 0, name: 'onMetaData', values: [ecmaArray({ duration: 2 })] },
      { kind: 'video', streamId: 0, timestamp: 40, payload: hex('17 01 00 00 00 00 00 00 00') },
      { kind: 'audio', streamId: 0, timestamp: 0xffffffff, payload: hex('22') },
    ],
    flags: { audio: true, video: true },
  },
];

/** A file with a 12-byte header (DataOffset 12): three extra bytes the demuxer must skip. */
export const LONG_HEADER_FILE = hex('46 4c 56 01 05 00 00 00 0c', 'aa bb cc', '00 00 00 00', AAC_RAW_TAG);
