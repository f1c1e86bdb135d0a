/**
 * Command messages (RTMP 1.0 §7.1.1, §7.2): AMF0 (type 20) and AMF3 (type 17).
 * Payload: command name (string), transaction id (number), command object (often null), then
 * optional arguments.
 *
 * AMF3 commands (objectEncoding 3): Flash Player and FMS write one format byte 0x00, then the name
 * and transaction id as AMF0, then values that switch to AMF3 with the AVM+ marker (0x11); Red5
 * and SRS skip that first byte. The decoder skips a leading 0x00 (a command cannot start with an
 * AMF0 number: its name is a string) and reads AMF0 values that may each switch to AMF3, so both
 * the all-AMF0 form and AMF3 values decode. The encoder writes 0x00, the name and transaction id
 * as AMF0, and the command object and arguments as AMF3 behind 0x11.
 */
import { amf0, Amf0Writer } from '../amf/index.js';
import { ErrorCode, MessageError } from '../errors.js';
import { invalid } from './fields.js';
import { AMF3_FORMAT_BYTE, readAmf0Values, writeAvmPlusValues, type AmfDecodeOptions } from './amf-values.js';
import { createMessage, type Message } from './message.js';
import { MessageType } from './message-type.js';
import { ChunkStreamId } from './protocol-control.js';

export interface Command {
  name: string;
  /** 0 for commands that expect no answer; `_result`/`_error` echo the request's id. */
  transactionId: number;
  /** The command object (connect's properties, `_result`'s properties) or null. */
  commandObject: unknown;
  /** Further values: stream name, info object, ... */
  args: unknown[];
}

export function encodeCommand(command: Command): Buffer {
  checkCommand(command);
  return amf0.encode(command.name, command.transactionId, command.commandObject, ...command.args);
}

export function decodeCommand(payload: Buffer, options?: AmfDecodeOptions): Command {
  return toCommand(readAmf0Values(payload, 0, options));
}

export function encodeCommandAmf3(command: Command): Buffer {
  checkCommand(command);
  const writer = new Amf0Writer().write(command.name).write(command.transactionId);
  writeAvmPlusValues(writer, [command.commandObject, ...command.args]);
  return Buffer.concat([Buffer.of(AMF3_FORMAT_BYTE), writer.toBuffer()]);
}

export function decodeCommandAmf3(payload: Buffer, options?: AmfDecodeOptions): Command {
  return toCommand(readAmf0Values(payload, payload[0] === AMF3_FORMAT_BYTE ? 1 : 0, options));
}

export interface CommandMessageOptions {
  /** 0 → type 20 (default), 3 → type 17. Answer in the encoding the client's connect asked for. */
  objectEncoding?: 0 | 3;
  messageStreamId?: number;
  timestamp?: number;
  /** Default 3. */
  chunkStreamId?: number;
}

export function createCommandMessage(command: Command, options: CommandMessageOptions = {}): Message {
  const amf3 = options.objectEncoding === 3;
  return createMessage(
    options.chunkStreamId ?? ChunkStreamId.Command,
    options.messageStreamId ?? 0,
    amf3 ? MessageType.CommandAMF3 : MessageType.CommandAMF0,
    amf3 ? encodeCommandAmf3(command) : encodeCommand(command),
    options.timestamp ?? 0,
  );
}

/** Decodes a type 20 or type 17 message; any other type is ERR_MESSAGE_INVALID. */
export function decodeCommandMessage(message: Pick<Message, 'type' | 'data'>, options?: AmfDecodeOptions): Command {
  if (message.type === MessageType.CommandAMF0) return decodeCommand(message.data, options);
  if (message.type === MessageType.CommandAMF3) return decodeCommandAmf3(message.data, options);
  throw invalid(`message type ${message.type} is not a command message`);
}

/**
 * The name is required (RTMP 1.0 §7.1.1). A missing transaction id reads as 0 and a missing
 * command object as null: ffmpeg's listen mode sends `onFCPublish` as a bare name.
 */
function toCommand(values: unknown[]): Command {
  if (values.length === 0) throw new MessageError(ErrorCode.MESSAGE_TRUNCATED, 'empty command message');
  const [name, transactionId = 0] = values;
  if (typeof name !== 'string') throw invalid(`command name must be a string, got ${describe(name)}`);
  if (typeof transactionId !== 'number') {
    throw invalid(`command ${JSON.stringify(name)}: transaction id must be a number, got ${describe(transactionId)}`);
  }
  return { name, transactionId, commandObject: values.length > 2 ? values[2] : null, args: values.slice(3) };
}

function checkCommand(command: Command): void {
  if (typeof command.name !== 'string') throw invalid('command name must be a string');
  if (typeof command.transactionId !== 'number') throw invalid('command transaction id must be a number');
  if (!Array.isArray(command.args)) throw invalid('command args must be an array');
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : value === null ? 'null' : typeof value;
}
