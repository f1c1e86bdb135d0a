/**
 * The NetConnection commands (RTMP 1.0 §7.2.1) with their AMF positional layout in one place:
 * connect, createStream, deleteStream, the FC* / releaseStream notifications, `_result`/`_error`,
 * and the one path both roles take to answer a custom call.
 */
import type { CommandEvent } from './events.js';
import { objectArg, stringArg, type CommandBody, type CommandFields } from './command-args.js';
import { isPromiseLike } from './promise-like.js';
import type { StatusInfo } from './status.js';

export interface ConnectCommand {
  /** The `app` field as sent (query included). */
  app: string;
  /** `tcUrl` (or the lower-case `tcurl` some clients send), when a string. */
  tcUrl?: string;
  objectEncoding: 0 | 3;
  /** The whole command object (other properties: flashVer, fourCcList, ...). */
  commandObject: Record<string, unknown>;
}

export function encodeConnect(commandObject: Record<string, unknown>): CommandBody {
  return { name: 'connect', commandObject, args: [] };
}

export function decodeConnect(cmd: CommandFields): ConnectCommand {
  const commandObject = objectArg(cmd.commandObject);
  const tcUrlField = commandObject.tcUrl ?? commandObject.tcurl; // some clients send it in lower case
  const connect: ConnectCommand = {
    app: stringArg(commandObject.app),
    objectEncoding: commandObject.objectEncoding === 3 ? 3 : 0,
    commandObject,
  };
  if (typeof tcUrlField === 'string') connect.tcUrl = tcUrlField;
  return connect;
}

export function encodeCreateStream(): CommandBody {
  return { name: 'createStream', commandObject: null, args: [] };
}

/** The stream id a createStream `_result` carries: a uint32, else undefined. */
export function decodeCreateStreamResult(reply: CommandFields): number | undefined {
  const id = reply.args[0];
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= 0xffffffff ? id : undefined;
}

export interface DeleteStreamCommand {
  streamId: number;
}

export function encodeDeleteStream(command: DeleteStreamCommand): CommandBody {
  return { name: 'deleteStream', commandObject: null, args: [command.streamId] };
}

export function decodeDeleteStream(cmd: CommandFields): DeleteStreamCommand {
  return { streamId: Number(cmd.args[0]) };
}

/** The notifications that name a stream in their first argument (ffmpeg, OBS and librtmp send them). */
export type StreamNameCommandName = 'releaseStream' | 'FCPublish' | 'FCUnpublish' | 'FCSubscribe' | 'FCUnsubscribe' | 'getStreamLength';

export interface StreamNameCommand {
  /** The stream name as sent (query included). */
  name: string;
}

export function encodeStreamNameCommand(name: StreamNameCommandName, command: StreamNameCommand): CommandBody {
  return { name, commandObject: null, args: [command.name] };
}

export function decodeStreamNameCommand(cmd: CommandFields): StreamNameCommand {
  return { name: stringArg(cmd.args[0]) };
}

export const encodeReleaseStream = (c: StreamNameCommand): CommandBody => encodeStreamNameCommand('releaseStream', c);
export const encodeFCPublish = (c: StreamNameCommand): CommandBody => encodeStreamNameCommand('FCPublish', c);
export const encodeFCUnpublish = (c: StreamNameCommand): CommandBody => encodeStreamNameCommand('FCUnpublish', c);
export const encodeFCSubscribe = (c: StreamNameCommand): CommandBody => encodeStreamNameCommand('FCSubscribe', c);
export const decodeReleaseStream = decodeStreamNameCommand;
export const decodeFCPublish = decodeStreamNameCommand;
export const decodeFCUnpublish = decodeStreamNameCommand;
export const decodeFCSubscribe = decodeStreamNameCommand;

/** The answer to a call: `_result` (or `_error`) on the request's stream with its transaction id. */
export function encodeReply(request: Pick<CommandEvent, 'streamId' | 'transactionId'>, commandObject: unknown, info: unknown, error = false): CommandEvent {
  return {
    kind: 'command',
    streamId: request.streamId,
    timestamp: 0,
    name: error ? '_error' : '_result',
    transactionId: request.transactionId,
    commandObject,
    args: info === undefined ? [] : [info],
  };
}

/** Who answers a call: a connection's `reply` (see lib/session RtmpConnection.reply). */
export interface CallReplier {
  reply(request: CommandEvent, commandObject: unknown, info: unknown, error?: boolean): unknown;
}

export interface AnswerCallOptions {
  /** The `_error` information object for what the handler threw or rejected with. */
  errorInfo: (err: unknown) => StatusInfo;
  /** False once the answer would go nowhere (a closed connection): nothing is sent. */
  isOpen?: () => boolean;
}

/**
 * Run a custom call's handler and answer it: `_result` with its value (`null` for undefined),
 * `_error` when it throws or rejects. A returned promise is awaited (the returned promise settles
 * after the answer went out). A notification (transaction id 0) gets no answer.
 */
export function answerCall(request: CommandEvent, invoke: () => unknown, replier: CallReplier, options: AnswerCallOptions): void | Promise<void> {
  const wanted = (): boolean => request.transactionId > 0 && (options.isOpen?.() ?? true);
  const succeed = (value: unknown): void => {
    if (wanted()) replier.reply(request, null, value === undefined ? null : value);
  };
  const fail = (err: unknown): void => {
    if (wanted()) replier.reply(request, null, options.errorInfo(err), true);
  };
  let result: unknown;
  try {
    result = invoke();
  } catch (err) {
    fail(err);
    return;
  }
  if (isPromiseLike(result)) return Promise.resolve(result).then(succeed, fail);
  succeed(result);
}

/** The information object of a `_result` (its first argument). */
export function decodeReplyInfo(reply: CommandFields): unknown {
  return reply.args[0];
}

/** The information object of an `_error`: the first argument, else the command object (some servers put it there). */
export function decodeErrorInfo(reply: CommandFields): unknown {
  return reply.args[0] ?? reply.commandObject;
}
