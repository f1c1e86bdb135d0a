/**
 * The packet type an Enhanced RTMP v2 audio/video payload really carries, for classifiers that must
 * never throw (sequence header, sequence end, keyframe): ModEx blocks are skipped and a Multitrack
 * packet yields the packet type of its tracks (veovera enhanced-rtmp v2, ExVideoTagHeader /
 * ExAudioTagHeader: "Fetch VideoPacketType for all video tracks ... MUST not result in Multitrack").
 */

/** PacketType ModEx, the same value for audio and video. */
const MOD_EX = 7;

/**
 * The effective packet type of an ex-header payload whose first byte's low nibble is a packet type,
 * given the kind's Multitrack value (video 6, audio 5); -1 when the payload is cut short.
 */
export function effectiveExPacketType(payload: Buffer, multitrack: number): number {
  if (payload.length < 1) return -1;
  let packetType = payload[0]! & 0x0f;
  let pos = 1;
  // ModEx (enhanced-rtmp v2): [size-1 UI8, or 0xFF then size-1 UI16] data [ModExType UB4 | PacketType UB4].
  while (packetType === MOD_EX) {
    if (pos >= payload.length) return -1;
    let size = payload[pos++]! + 1;
    if (size === 256) {
      if (pos + 2 > payload.length) return -1;
      size = payload.readUInt16BE(pos) + 1;
      pos += 2;
    }
    pos += size;
    if (pos >= payload.length) return -1;
    packetType = payload[pos++]! & 0x0f;
  }
  if (packetType !== multitrack) return packetType;
  // Multitrack: [AvMultitrackType UB4 | PacketType UB4], the tracks' packet type.
  if (pos >= payload.length) return -1;
  return payload[pos]! & 0x0f;
}
