/**
 * One entry point for a whole message: dispatch on the type id to the typed decoders. Audio and
 * video stay opaque (call `decodeAudioHeader`/`decodeVideoHeader` when you need to look inside);
 * an aggregate is split into its messages.
 */
import { ErrorCode, MessageError } from '../errors.js';
import { splitAggregate, type SplitAggregateOptions } from './aggregate.js';
import type { AmfDecodeOptions } from './amf-values.js';
import { decodeCommandMessage, type Command } from './command.js';
import { decodeDataMessage } from './data.js';
import type { Message } from './message.js';
import { messageTypeName, MessageType } from './message-type.js';
import { decodeProtocolControl, type ProtocolControl } from './protocol-control.js';
import { decodeSharedObjectMessage, type SharedObjectMessage } from './shared-object.js';
import { decodeUserControl, type UserControlEvent } from './user-control.js';

export type DecodedMessage =
  | { kind: 'protocolControl'; control: ProtocolControl }
  | { kind: 'userControl'; event: UserControlEvent }
  | { kind: 'audio' | 'video'; data: Buffer }
  | { kind: 'data'; amf3: boolean; values: unknown[] }
  | { kind: 'sharedObject'; amf3: boolean; sharedObject: SharedObjectMessage }
  | { kind: 'command'; amf3: boolean; command: Command }
  | { kind: 'aggregate'; messages: Message[] };

export interface DecodeMessageOptions extends SplitAggregateOptions {
  amf?: AmfDecodeOptions;
}

/** Decodes any message of a `MessageType`; other type ids are ERR_MESSAGE_UNKNOWN_TYPE. */
export function decodeMessage(message: Message, options: DecodeMessageOptions = {}): DecodedMessage {
  const { type, data } = message;
  switch (type) {
    case MessageType.SetChunkSize:
    case MessageType.Abort:
    case MessageType.Acknowledgement:
    case MessageType.WindowAcknowledgementSize:
    case MessageType.SetPeerBandwidth:
      return { kind: 'protocolControl', control: decodeProtocolControl(type, data) };
    case MessageType.UserControl:
      return { kind: 'userControl', event: decodeUserControl(data) };
    case MessageType.Audio:
      return { kind: 'audio', data };
    case MessageType.Video:
      return { kind: 'video', data };
    case MessageType.DataAMF0:
    case MessageType.DataAMF3:
      return { kind: 'data', amf3: type === MessageType.DataAMF3, values: decodeDataMessage(message, options.amf) };
    case MessageType.SharedObjectAMF0:
    case MessageType.SharedObjectAMF3:
      return {
        kind: 'sharedObject',
        amf3: type === MessageType.SharedObjectAMF3,
        sharedObject: decodeSharedObjectMessage(message, options.amf),
      };
    case MessageType.CommandAMF0:
    case MessageType.CommandAMF3:
      return { kind: 'command', amf3: type === MessageType.CommandAMF3, command: decodeCommandMessage(message, options.amf) };
    case MessageType.Aggregate:
      return { kind: 'aggregate', messages: splitAggregate(message, options) };
    default:
      throw new MessageError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `cannot decode message type ${messageTypeName(type)}`);
  }
}
