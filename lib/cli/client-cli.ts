/**
 * `rtmp-client`: connect, publish an FLV file, or play a stream into an FLV file or stdout.
 * Flags follow the seed's example client (`-url`, `-stream`, `-user`, `-pass`, `-conn-timeout`).
 *
 * stdout carries only FLV bytes (with `--output -`), so `rtmp-client --play ... --output - | ffplay -`
 * works; every log line, the progress line and the summary go to stderr.
 */
import { StreamType, type RtmpEvent } from '../command/index.js';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, type ClientConfig, parseRtmpUrl } from '../client/index.js';
import { ErrorCode, isRtmpError } from '../errors.js';
import { FlvDemuxer, rewriteFlvDuration, FlvMuxer } from '../flv/index.js';
import { createStreamLogger, LogLevels, type LogLevel, type Logger } from '../logger.js';
import { formatFlags, helpOrVersion, parseArgs, UsageError, type FlagSpecs, type ParsedFlags } from './args.js';
import { CLIENT_EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { countMedia, newStats, ProgressReporter, StatusLine } from './progress.js';
import { versionLine } from './version.js';
import type { CliIo } from './server-cli.js';

export const CLIENT_FLAGS: FlagSpecs = {
  url: { type: 'string', value: 'URL', help: 'rtmp[s]://[user:pass@]host[:port]/app[/stream] (required)' },
  stream: { type: 'string', value: 'NAME', help: 'stream name (else the one in the URL)' },
  user: { type: 'string', value: 'NAME', help: 'user name for Adobe/llnw authentication (else the URL user info)' },
  pass: { type: 'string', value: 'PASS', help: 'password (or the RTMP_PASSWORD environment variable)' },
  'conn-timeout': { type: 'duration', value: 'TIME', help: 'connect timeout: 60s, 500ms, 2m or seconds', default: '30s' },
  publish: { type: 'string', value: 'FILE', help: 'publish this FLV file' },
  type: { type: 'string', value: 'TYPE', help: "with --publish: live (default), record or append (the server records to FLV)", default: 'live' },
  realtime: { type: 'boolean', help: 'with --publish: send at the file\'s own pace (default: as fast as the server takes it)' },
  loop: { type: 'boolean', help: 'with --publish: start over at the end, timestamps continuing' },
  play: { type: 'boolean', help: 'play the stream into --output' },
  output: { type: 'string', value: 'FILE', help: "with --play: FLV file to write, or '-' for stdout" },
  duration: { type: 'duration', value: 'TIME', help: 'stop after this long (publish or play)' },
  'idle-timeout': { type: 'duration', value: 'TIME', help: 'with --play: end when no media came for this long (servers that never say the end)' },
  'log-level': { type: 'string', value: 'LEVEL', help: LogLevels.join(', '), default: 'info' },
  help: { type: 'boolean', help: 'show this help (also -h)' },
  version: { type: 'boolean', help: 'print the version' },
};

export const CLIENT_USAGE = `Usage: rtmp-client --url URL [--stream NAME] [--publish FILE.flv [--realtime] [--loop] | --play --output FILE.flv|-] [flags]

Without --publish or --play it connects, reports the result and disconnects.
Flags may be written --flag value, --flag=value or -flag value.

${formatFlags(CLIENT_FLAGS)}

Progress: once a second on stderr when it is a terminal (time, media time, bitrate, video
frames, audio frames, drops), and a summary line at the end. "drops" counts media the client
discarded: when playing, messages that arrived on another stream than the one played.
A play ends when the server ends the stream (Stream EOF, Play.Stop, Play.Complete,
Play.UnpublishNotify); media the server sends on message stream 0 counts as the played stream's.

Examples:
  rtmp-client --url rtmp://localhost:1935/live --stream mystream
  rtmp-client -url rtmp://localhost:1935/live -stream mystream -user username -pass password
  rtmp-client --url rtmp://localhost/live/mystream --publish in.flv --realtime --loop
  rtmp-client --url rtmp://localhost/live/mystream --play --output - | ffplay -

${CLIENT_EXIT_CODE_HELP}
`;

export type ClientMode = 'connect' | 'publish' | 'play';

export interface ClientCliPlan {
  mode: ClientMode;
  url: string;
  stream: string | undefined;
  config: ClientConfig;
  file?: string;
  output?: string;
  /** Publish type (--type). */
  publishType: StreamType;
  realtime: boolean;
  loop: boolean;
  /** ms, when --duration was given. */
  duration?: number;
  /** ms, when --idle-timeout was given (play). */
  idleTimeout?: number;
  logLevel: LogLevel;
}

export function clientPlanFromFlags(flags: ParsedFlags, env: NodeJS.ProcessEnv = {}): ClientCliPlan {
  const url = flags.url as string | undefined;
  if (!url) throw new UsageError('--url is required');
  let parsed;
  try {
    parsed = parseRtmpUrl(url);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const logLevel = String(flags['log-level'] ?? 'info') as LogLevel;
  if (!LogLevels.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LogLevels.join(', ')}`);
  const file = flags.publish as string | undefined;
  const play = Boolean(flags.play);
  if (file !== undefined && play) throw new UsageError('--publish and --play exclude each other');
  const mode: ClientMode = file !== undefined ? 'publish' : play ? 'play' : 'connect';
  const output = flags.output as string | undefined;
  if (mode === 'play' && output === undefined) throw new UsageError("--play needs --output FILE.flv (or '-' for stdout)");
  if (mode !== 'play' && output !== undefined) throw new UsageError('--output only applies with --play');
  if (mode !== 'publish' && (flags.realtime || flags.loop)) throw new UsageError('--realtime and --loop only apply with --publish');
  if (file === '') throw new UsageError('--publish needs a file name');
  const publishType = (flags.type as string | undefined) ?? 'live';
  if (!(Object.values(StreamType) as string[]).includes(publishType)) throw new UsageError('--type must be live, record or append');
  if (mode !== 'publish' && flags.type !== undefined) throw new UsageError('--type only applies with --publish');
  const stream = flags.stream as string | undefined;
  if (mode !== 'connect' && !stream && !parsed.streamName) throw new UsageError('no stream name: use --stream or put it in the URL');
  const config: ClientConfig = { connectTimeout: (flags['conn-timeout'] as number | undefined) ?? 30_000 };
  const user = flags.user as string | undefined;
  const pass = (flags.pass as string | undefined) ?? (user !== undefined ? env.RTMP_PASSWORD : undefined);
  if (pass !== undefined && user === undefined && parsed.username === undefined) throw new UsageError('--pass needs --user');
  if (user !== undefined) config.username = user;
  if (pass !== undefined) config.password = pass;
  const plan: ClientCliPlan = { mode, url, stream, config, publishType: publishType as StreamType, realtime: Boolean(flags.realtime), loop: Boolean(flags.loop), logLevel };
  if (file !== undefined) plan.file = file;
  if (output !== undefined) plan.output = output;
  if (flags.duration !== undefined) plan.duration = flags.duration as number;
  if (flags['idle-timeout'] !== undefined) {
    if (mode !== 'play') throw new UsageError('--idle-timeout only applies with --play');
    plan.idleTimeout = flags['idle-timeout'] as number;
  }
  return plan;
}

/** Why a streaming phase ended. */
type Outcome = { code: number; reason: string };

class IoFailure extends Error {}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process });

export async function runClientCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const asked = helpOrVersion(argv);
  if (asked) {
    io.stdout.write(asked === 'help' ? CLIENT_USAGE : versionLine('rtmp-client'));
    return ExitCode.Ok;
  }
  let plan: ClientCliPlan;
  try {
    const flags = parseArgs(argv, CLIENT_FLAGS);
    if (flags.help) {
      // With --help, stdout is for the help text (no FLV is being written).
      io.stdout.write(CLIENT_USAGE);
      return ExitCode.Ok;
    }
    plan = clientPlanFromFlags(flags, io.env);
  } catch (err) {
    io.stderr.write(`rtmp-client: ${(err as Error).message}\nTry rtmp-client --help.\n`);
    return ExitCode.Usage;
  }
  // Log lines and the progress line share stderr: a log line first erases the progress line.
  const status = new StatusLine(io.stderr);
  const log = createStreamLogger(plan.logLevel, status);
  io = { ...io, stderr: status };
  if (plan.file !== undefined) {
    // A missing file is an I/O error before anything goes over the network.
    try {
      await access(plan.file);
    } catch (err) {
      log.error(`cannot read ${plan.file}: ${(err as Error).message}`);
      return ExitCode.Io;
    }
  }
  const client = new Client({ ...plan.config, logger: log });
  const stop = new AbortController();
  const onSignal = (signal: string): void => {
    if (stop.signal.aborted) return;
    log.info(`${signal}: stopping`);
    stop.abort();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  let durationTimer: NodeJS.Timeout | undefined;
  try {
    try {
      await client.connect(plan.url, { signal: stop.signal });
    } catch (err) {
      if (stop.signal.aborted) return ExitCode.Ok;
      log.error(`connect failed: ${(err as Error).message}`);
      return ExitCode.Connect;
    }
    log.info(`connected to ${client.url!.tcUrl}`);
    if (plan.mode === 'connect') {
      await client.close();
      return ExitCode.Ok;
    }
    if (plan.duration !== undefined) {
      durationTimer = setTimeout(() => {
        log.info('duration reached');
        stop.abort();
      }, plan.duration);
    }
    const outcome = plan.mode === 'publish' ? await publish(client, plan, log, io, stop.signal) : await play(client, plan, log, io, stop.signal);
    if (outcome.code === ExitCode.Ok) log.info(outcome.reason);
    else log.error(outcome.reason);
    await client.close().catch(() => undefined);
    return outcome.code;
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    io.signals.off('SIGINT', onInt);
    io.signals.off('SIGTERM', onTerm);
    client.destroy();
  }
}

function rejected(err: unknown, what: string): Outcome {
  const refused = isRtmpError(err, ErrorCode.PUBLISH_REJECTED) || isRtmpError(err, ErrorCode.PLAY_REJECTED) || isRtmpError(err, ErrorCode.COMMAND_FAILED) || isRtmpError(err, ErrorCode.COMMAND_TIMEOUT);
  return { code: refused ? ExitCode.StreamRejected : ExitCode.ConnectionLost, reason: `${what} failed: ${(err as Error).message}` };
}

async function publish(client: Client, plan: ClientCliPlan, log: Logger, io: CliIo, stop: AbortSignal): Promise<Outcome> {
  try {
    await client.publish(plan.stream, plan.publishType);
  } catch (err) {
    return rejected(err, 'publish');
  }
  log.info(`publishing ${plan.file} to ${client.url!.app}/${plan.stream ?? client.url!.streamName}${plan.realtime ? ' in real time' : ''}${plan.loop ? ', looping' : ''}`);
  const stats = newStats();
  const progress = new ProgressReporter(stats, io.stderr);
  let offset = 0; // added to the file's timestamps: grows by the file's length on every loop
  let pace: { wall: number; media: number } | undefined;
  let rounds = 0;
  try {
    do {
      let last: number | undefined;
      let step = 0;
      const demuxer = new FlvDemuxer();
      const source = createReadStream(plan.file!);
      source.on('error', (err) => demuxer.destroy(new IoFailure(`cannot read ${plan.file}: ${err.message}`)));
      source.pipe(demuxer);
      try {
        for await (const item of demuxer as AsyncIterable<RtmpEvent>) {
          if (stop.aborted) break;
          if (item.kind !== 'audio' && item.kind !== 'video' && item.kind !== 'data') continue;
          const timestamp = (item.timestamp + offset) >>> 0;
          if (plan.realtime) {
            pace ??= { wall: Date.now(), media: timestamp };
            const wait = pace.wall + (timestamp - pace.media) - Date.now();
            if (wait > 0) await delay(wait, undefined, { signal: stop }).catch(() => undefined);
            if (stop.aborted) break;
          }
          if (item.kind === 'data') {
            if (rounds > 0) continue; // metadata once, not on every loop
            // FLV files hold onMetaData; publishers send it as @setDataFrame (what OBS and ffmpeg do).
            const values = item.name === 'onMetaData' ? ['onMetaData', ...item.values] : item.values;
            const name = item.name === 'onMetaData' ? '@setDataFrame' : item.name;
            await client.sendOnPublishStream({ ...item, name, values, timestamp });
            continue;
          }
          if (item.kind === 'audio') await client.writeAudio(item.payload, timestamp);
          else await client.writeVideo(item.payload, timestamp);
          countMedia(stats, item.kind, item.payload.length, timestamp);
          if (last !== undefined && timestamp > last) step = timestamp - last;
          last = timestamp;
        }
      } finally {
        source.destroy();
      }
      rounds++;
      if (last !== undefined) offset = last + Math.max(step, 1);
      if (last === undefined && plan.loop) break; // an empty file would loop forever
    } while (plan.loop && !stop.aborted);
  } catch (err) {
    progress.finish('publish failed');
    if (err instanceof IoFailure || isFlvError(err)) return { code: ExitCode.Io, reason: (err as Error).message };
    return { code: ExitCode.ConnectionLost, reason: `connection lost: ${(err as Error).message}` };
  }
  progress.finish('published');
  return { code: ExitCode.Ok, reason: stop.aborted ? 'publishing stopped' : 'publishing done' };
}

function isFlvError(err: unknown): boolean {
  return isRtmpError(err) && (err.code.startsWith('ERR_FLV_') || err.code.startsWith('ERR_AMF_'));
}

async function play(client: Client, plan: ClientCliPlan, log: Logger, io: CliIo, stop: AbortSignal): Promise<Outcome> {
  const toStdout = plan.output === '-';
  const out: NodeJS.WritableStream = toStdout ? io.stdout : createWriteStream(plan.output!);
  let outputError: Error | undefined;
  const outputFailed = new Promise<void>((resolve) => {
    out.once('error', (err: Error) => {
      outputError = err;
      resolve();
    });
  });
  if (!toStdout) {
    // Fail before asking the server for anything when the file cannot be created.
    await Promise.race([once(out as NodeJS.EventEmitter, 'open'), outputFailed]);
    if (outputError) return { code: ExitCode.Io, reason: `cannot write ${plan.output}: ${outputError.message}` };
  }
  let streamId: number;
  try {
    // The id from play() itself: a stream may end (and client.playStreamId clear) before we read it.
    streamId = await client.play(plan.stream, plan.idleTimeout ? { idleTimeout: plan.idleTimeout } : {});
  } catch (err) {
    if (!toStdout) (out as NodeJS.WritableStream & { destroy(): void }).destroy();
    return rejected(err, 'play');
  }
  log.info(`playing ${client.url!.app}/${plan.stream ?? client.url!.streamName} into ${toStdout ? 'stdout' : plan.output}`);
  const stats = newStats();
  const progress = new ProgressReporter(stats, io.stderr);
  const muxer = new FlvMuxer();
  muxer.on('data', (chunk: Buffer) => {
    if (!outputError && !out.write(chunk)) muxer.pause();
  });
  out.on('drain', () => muxer.resume());
  const muxed = once(muxer, 'end');
  const onStop = (): void => void client.close().catch(() => undefined);
  stop.addEventListener('abort', onStop, { once: true });
  let ended: string | undefined;
  try {
    // The iteration finishes when the stream ends (client.playbackEnd says how) or the connection closes.
    for await (const event of client.events()) {
      if (outputError) break;
      if (event.kind !== 'audio' && event.kind !== 'video' && event.kind !== 'data') continue;
      // A permission flag and the VOD end notice for Flash players, not stream content.
      if (event.kind === 'data' && (event.name === '|RtmpSampleAccess' || event.name === 'onPlayStatus')) continue;
      if (event.streamId !== streamId) {
        stats.drops++;
        continue;
      }
      countMedia(stats, event.kind, event.kind === 'data' ? 0 : event.payload.length, event.timestamp);
      if (!muxer.write(event)) await Promise.race([once(muxer, 'drain'), outputFailed]);
    }
    const end = client.playbackEnd;
    if (end && end.reason !== 'stopped') ended = end.reason === 'StreamEOF' ? 'Stream EOF' : end.reason;
  } catch (err) {
    if (!stop.aborted) ended = `error: ${(err as Error).message}`;
  } finally {
    stop.removeEventListener('abort', onStop);
  }
  muxer.end();
  await Promise.race([muxed, outputFailed]);
  if (!outputError) {
    if (toStdout) await new Promise<void>((resolve) => out.write('', () => resolve()));
    else {
      out.end();
      await Promise.race([once(out as NodeJS.EventEmitter, 'close'), outputFailed]);
      // The file's onMetaData says how long it really is (a play stopped early is shorter than its source).
      if (!outputError) await rewriteFlvDuration(plan.output!, muxer.durationPatch).catch((err: Error) => log.warn(`cannot update the duration in ${plan.output}: ${err.message}`));
    }
  }
  progress.finish('played');
  if (outputError) {
    // The reader of our stdout went away (ffplay closed): that is how a pipe ends.
    if (toStdout && (outputError as NodeJS.ErrnoException).code === 'EPIPE') return { code: ExitCode.Ok, reason: 'output closed' };
    return { code: ExitCode.Io, reason: `cannot write ${toStdout ? 'stdout' : plan.output}: ${outputError.message}` };
  }
  if (stop.aborted) return { code: ExitCode.Ok, reason: 'playing stopped' };
  if (ended && !ended.startsWith('error: ')) return { code: ExitCode.Ok, reason: `stream ended (${ended})` };
  return { code: ExitCode.ConnectionLost, reason: `connection lost${ended ? ` (${ended})` : ''}` };
}
