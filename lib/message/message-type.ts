/**
 * RTMP message type ids (RTMP 1.0 §5.4 protocol control, §6.2 user control, §7.1 the rest).
 * A plain `as const` object rather than a `const enum`: tsx compiles file by file.
 */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAcknowledgementSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAMF3: 15,
  SharedObjectAMF3: 16,
  CommandAMF3: 17,
  DataAMF0: 18,
  SharedObjectAMF0: 19,
  CommandAMF0: 20,
  Aggregate: 22,
} as const;

export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The seed's spelling (`MessageTypeCommandMessageAMF0`) maps here too. */
export const MessageTypeAlias = {
  CommandMessageAMF0: MessageType.CommandAMF0,
  CommandMessageAMF3: MessageType.CommandAMF3,
  DataMessageAMF0: MessageType.DataAMF0,
  DataMessageAMF3: MessageType.DataAMF3,
  SharedObjectMessageAMF0: MessageType.SharedObjectAMF0,
  SharedObjectMessageAMF3: MessageType.SharedObjectAMF3,
  WindowAckSize: MessageType.WindowAcknowledgementSize,
} as const;

const names = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** `MessageType` member name for an id, or `Unknown(<id>)`. */
export function messageTypeName(type: number): string {
  return names.get(type) ?? `Unknown(${type})`;
}

/** Types whose payload is protocol control handled by the chunk layer (RTMP 1.0 §5.4). */
export function isProtocolControl(type: number): boolean {
  return type >= 1 && type <= 6 && type !== 4;
}
