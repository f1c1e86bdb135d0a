/**
 * The NetStream commands (RTMP 1.0 §7.2.2) with their AMF positional layout in one place:
 * publish, play, play2, seek, pause, receiveAudio/Video, closeStream and onStatus. Each command
 * object (transaction id 0 for the §7.2.2 commands) is null.
 */
import { objectArg, stringArg, type CommandBody, type CommandFields } from './command-args.js';
import type { StreamType } from './stream-type.js';

export interface PublishCommand {
  /** The stream name as sent (query included). */
  name: string;
  type: StreamType;
}

export function encodePublish(command: PublishCommand): CommandBody {
  return { name: 'publish', commandObject: null, args: [command.name, command.type] };
}

/** A missing or unknown publishing type reads as `live` (what servers do). */
export function decodePublish(cmd: CommandFields): PublishCommand {
  const type = cmd.args[1];
  return { name: stringArg(cmd.args[0]), type: type === 'record' || type === 'append' ? type : 'live' };
}

export interface PlayCommand {
  name: string;
  /** -2 live or recorded, -1 live only, >= 0 a recorded stream from that many ms. */
  start: number;
  /** -1 to the end; absent when not sent. */
  duration?: number;
  /** Whether to flush previous playlists; absent when not sent (servers take it as true). */
  reset?: boolean;
}

export function encodePlay(command: { name: string; start?: number; duration?: number; reset?: boolean }): CommandBody {
  const args: unknown[] = [command.name, command.start ?? -2];
  if (command.duration !== undefined || command.reset !== undefined) args.push(command.duration ?? -1);
  if (command.reset !== undefined) args.push(command.reset);
  return { name: 'play', commandObject: null, args };
}

/** `reset` sent as a number (some clients do) reads as `value !== 0`. */
export function decodePlay(cmd: CommandFields): PlayCommand {
  const play: PlayCommand = { name: stringArg(cmd.args[0]), start: Number(cmd.args[1] ?? -2) };
  if (cmd.args[2] !== undefined) play.duration = Number(cmd.args[2]);
  const reset = cmd.args[3];
  if (reset !== undefined) play.reset = reset !== false && reset !== 0;
  return play;
}

export interface Play2Command {
  /** `streamName` of the parameters object. */
  name: string;
  /** The whole NetStreamPlayOptions object (oldStreamName, transition, start, len, ...). */
  parameters: Record<string, unknown>;
}

export function encodePlay2(parameters: Record<string, unknown>): CommandBody {
  return { name: 'play2', commandObject: null, args: [parameters] };
}

export function decodePlay2(cmd: CommandFields): Play2Command {
  const parameters = objectArg(cmd.args[0]);
  return { name: stringArg(parameters.streamName), parameters };
}

export interface SeekCommand {
  milliseconds: number;
}

export function encodeSeek(command: SeekCommand): CommandBody {
  return { name: 'seek', commandObject: null, args: [command.milliseconds] };
}

export function decodeSeek(cmd: CommandFields): SeekCommand {
  return { milliseconds: Number(cmd.args[0]) };
}

export interface PauseCommand {
  /** Anything but `false` pauses (as servers read it). */
  paused: boolean;
  /** Playback position in ms the server resumes from. */
  position: number;
}

/** `name` is `unpause` for a resume when the peer expects that spelling (the client sends it). */
export function encodePause(command: PauseCommand, name: 'pause' | 'unpause' = 'pause'): CommandBody {
  return { name, commandObject: null, args: [command.paused, command.position] };
}

export function decodePause(cmd: CommandFields): PauseCommand {
  return { paused: cmd.args[0] !== false, position: Number(cmd.args[1] ?? 0) };
}

export interface ReceiveCommand {
  /** Anything but `false` turns delivery on. */
  on: boolean;
}

export function encodeReceive(name: 'receiveAudio' | 'receiveVideo', command: ReceiveCommand): CommandBody {
  return { name, commandObject: null, args: [command.on] };
}

export function decodeReceive(cmd: CommandFields): ReceiveCommand {
  return { on: cmd.args[0] !== false };
}

/** closeStream carries nothing: the stream is the message stream it arrives on. */
export function encodeCloseStream(): CommandBody {
  return { name: 'closeStream', commandObject: null, args: [] };
}

/** The information object of an onStatus (level, code, description, details, ...). */
export interface OnStatusInfo {
  level?: string;
  code?: string;
  description?: string;
  [key: string]: unknown;
}

export function encodeOnStatus(info: OnStatusInfo): CommandBody {
  return { name: 'onStatus', commandObject: null, args: [info] };
}

/** The information object; a non-object reads as `{}`. */
export function decodeOnStatus(cmd: CommandFields): OnStatusInfo {
  return asStatusInfo(cmd.args[0]);
}

/** A status or error information object; a non-object reads as `{}`. */
export function asStatusInfo(value: unknown): OnStatusInfo {
  return value !== null && typeof value === 'object' ? (value as OnStatusInfo) : {};
}
