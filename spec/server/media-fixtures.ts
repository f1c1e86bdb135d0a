/** Hand-made FLV tag bodies (FLV spec v10.1 §E.4.2/§E.4.3) for server tests. */

/** AVC sequence header: keyframe|AVC (0x17), packet type 0, composition time 0, a record. */
export const avcSequenceHeader = Buffer.from([0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x00]);
/** AAC sequence header: AAC 44 kHz 16-bit stereo (0xAF), packet type 0, AudioSpecificConfig 0x12 0x10. */
export const aacSequenceHeader = Buffer.from([0xaf, 0x00, 0x12, 0x10]);

/** AVC keyframe NALU packet (0x17 0x01) with `size` bytes of body tagged by `tag`. */
export function keyframe(tag: number, size = 16): Buffer {
  return frame(0x17, tag, size);
}
/** AVC inter frame (0x27 0x01). */
export function interframe(tag: number, size = 16): Buffer {
  return frame(0x27, tag, size);
}
/** AAC raw frame (0xAF 0x01). */
export function aacFrame(tag: number, size = 8): Buffer {
  const b = Buffer.alloc(2 + size, tag & 0xff);
  b[0] = 0xaf;
  b[1] = 0x01;
  return b;
}

function frame(first: number, tag: number, size: number): Buffer {
  const b = Buffer.alloc(5 + size, tag & 0xff);
  b[0] = first;
  b[1] = 0x01; // NALU
  b[2] = b[3] = b[4] = 0; // composition time 0
  return b;
}
