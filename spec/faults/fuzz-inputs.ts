/**
 * Inputs for the network fuzz run (spec/faults/fuzz.spec.ts), each derived from (seed, index)
 * alone so that one failing input can be replayed by its index (FUZZ_REPLAY=idx):
 *
 *   - random bytes (1 in 8);
 *   - chunk-level mutations of the real ffmpeg publishing session (3 in 8): bit flips, boundary
 *     values, runs of noise deleted, repeated or inserted, truncation. Most stop at the chunk layer;
 *   - message-level mutations (1 in 2): the session decoded into messages, then messages mutated
 *     (payload bytes, type, stream id, timestamp; dropped, repeated, swapped) or replaced by attack
 *     commands (long names, control characters, names that alias across apps, `..`, odd types in
 *     command objects), and re-chunked validly at a random chunk size, so the bytes reach the
 *     message, AMF and command layers and the server's handlers.
 *
 * `stageOf(bytes)` says where an input stops when decoded offline by the server's inbound stages:
 * 'chunk', 'message', 'command' (AMF and command decoding) or 'clean' (every message reaches the
 * server's handlers).
 */
import { readFileSync } from 'node:fs';
import type { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { amf0 } from '../../lib/amf/index.js';
import { ChunkDecoder, MessageAssembler, OutboundChunkState, nextChunkSize, serializeMessage } from '../../lib/chunk/index.js';
import { CommandDecoder } from '../../lib/command/command-decoder.js';
import type { Message } from '../../lib/message/message.js';
import { createPrng, type Prng } from '../helpers/prng.js';

const capture = readFileSync(fileURLToPath(new URL('../fixtures/ffmpeg-publish/client-to-server.bin', import.meta.url)));
/** The real session's chunk stream: connect, releaseStream, FCPublish, createStream, publish, media. */
export const seedStream = capture.subarray(1 + 1536 + 1536);

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff];

export type InputKind = 'random' | 'chunk' | 'message';
export type Stage = 'chunk' | 'message' | 'command' | 'clean';

/** A seed per input: the input depends on (seed, index) only. */
function inputPrng(seed: number, index: number): Prng {
  return createPrng((Math.imul(index + 1, 0x9e3779b1) ^ seed) >>> 0);
}

/** Input `index` of the run seeded `seed`, and how it was made. */
export function fuzzInputAt(seed: number, index: number): { kind: InputKind; bytes: Buffer } {
  const prng = inputPrng(seed, index);
  const pick = prng.int(8);
  if (pick === 0) return { kind: 'random', bytes: prng.bytes(1 + prng.int(4096)) };
  if (pick <= 3) return { kind: 'chunk', bytes: chunkMutation(prng) };
  return { kind: 'message', bytes: messageMutation(prng) };
}

/** The chunk-level generator alone (the only one before issue 11), for the before/after figure. */
export function chunkOnlyInputAt(seed: number, index: number): Buffer {
  const prng = inputPrng(seed, index);
  return prng.int(6) === 0 ? prng.bytes(1 + prng.int(4096)) : chunkMutation(prng);
}

/** A mutated prefix of the real session's bytes. */
export function chunkMutation(prng: Prng): Buffer {
  const length = prng.int(3) === 0 ? seedStream.length : 64 + prng.int(Math.min(seedStream.length, 16_384));
  let bytes: Buffer = Buffer.from(seedStream.subarray(0, length));
  const mutations = 1 + (prng.int(2) === 0 ? 0 : prng.int(8)); // half the inputs carry a single mutation
  for (let m = 0; m < mutations; m++) bytes = mutateBytes(prng, bytes);
  return bytes;
}

function mutateBytes(prng: Prng, input: Buffer): Buffer {
  let bytes = input;
  if (bytes.length === 0) return prng.bytes(1 + prng.int(8));
  const at = prng.int(bytes.length);
  const span = 1 + prng.int(16);
  switch (prng.int(7)) {
    case 0:
      bytes[at] = bytes[at]! ^ (1 << prng.int(8)); // flip a bit
      break;
    case 1:
      bytes[at] = INTERESTING[prng.int(INTERESTING.length)]!; // a boundary value
      break;
    case 2:
      prng.bytes(span).copy(bytes, at); // overwrite a run with noise
      break;
    case 3:
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + span)]); // delete a run
      break;
    case 4:
      bytes = Buffer.concat([bytes.subarray(0, at + span), bytes.subarray(at, at + span), bytes.subarray(at + span)]); // repeat a run
      break;
    case 5:
      bytes = Buffer.concat([bytes.subarray(0, at), prng.bytes(span), bytes.subarray(at)]); // insert noise
      break;
    default:
      bytes = bytes.subarray(0, Math.max(1, at)); // truncate
  }
  return bytes;
}

/** The real session as messages (decoded once). */
let seedMessages: Message[] | undefined;
function sessionMessages(): Message[] {
  if (!seedMessages) {
    const chunks = runStage(new ChunkDecoder(), [seedStream]).out;
    seedMessages = runStage(new MessageAssembler(), chunks).out as Message[];
  }
  return seedMessages;
}

const CONTROL = ['\n', '\r', '\0', '\u001b[2J', '\u007f', '\u0085', '\n[FAKE] INFO connect #999 user=admin'];

/** A name an attacker would try. */
function attackName(prng: Prng): string {
  switch (prng.int(6)) {
    case 0:
      return 'n'.repeat(1000 + prng.int(120_000)); // long (the limit is 1024 bytes)
    case 1:
      return `cam${CONTROL[prng.int(CONTROL.length)]!}x`;
    case 2:
      return ['x/y', 'y', 'live/x', 'a%2Fb', 'steady'][prng.int(5)]!; // names that alias across apps (or the steady stream)
    case 3:
      return ['../x', '/etc/passwd', 'a//b', 'flv:../x', '.', 'x/..'][prng.int(6)]!;
    case 4:
      return `${'é'.repeat(340 + prng.int(10))}`; // about the limit, in multi-byte characters
    default:
      return `k${prng.int(1000)}?token=${'t'.repeat(prng.int(2000))}`;
  }
}

/** A command message as a client sends it on chunk stream 3. */
function commandMessage(streamId: number, values: unknown[]): Message {
  const data = amf0.encode(...values);
  return { chunkStreamId: streamId === 0 ? 3 : 8, messageStreamId: streamId, timestamp: 0, type: 20, length: data.length, data };
}

/** An attack command: connect/publish/play/… with hostile names or odd values. */
function attackCommand(prng: Prng): Message {
  const name = attackName(prng);
  switch (prng.int(6)) {
    case 0:
      return commandMessage(0, ['connect', 1, { app: prng.int(2) ? name : 'live/x', tcUrl: `rtmp://h/${name}`, flashVer: name }]);
    case 1:
      return commandMessage(1, ['publish', 0, null, name, ['live', 'record', 'append', name][prng.int(4)]]);
    case 2:
      return commandMessage(1, ['play', 0, null, name, -2, -1, prng.int(2) === 0]);
    case 3:
      return commandMessage(0, [['releaseStream', 'FCPublish', 'getStreamLength', 'FCUnpublish', 'deleteStream'][prng.int(5)]!, 2 + prng.int(5), null, name]);
    case 4:
      return commandMessage(1, ['play2', 0, null, { streamName: name, start: -2 }]);
    default:
      return commandMessage(0, ['connect', 1, [name, prng.int(2) ? { app: null } : 42, undefined][prng.int(3)]]);
  }
}

/** One empty-or-small sub-message of an aggregate (an FLV tag: 11-byte header, data, back pointer). */
function subMessage(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(11 + data.length + 4);
  out[0] = type;
  out.writeUIntBE(data.length, 1, 3);
  data.copy(out, 11);
  out.writeUInt32BE(11 + data.length, 11 + data.length);
  return out;
}

/** An aggregate of 65 537 empty sub-messages (one over the cap), or one nested in another. */
function aggregateAttack(prng: Prng): Message {
  const data =
    prng.int(2) === 0
      ? Buffer.concat(Array.from({ length: 65_537 }, () => subMessage(8, Buffer.alloc(0))))
      : subMessage(22, subMessage(8, Buffer.from([0xaf, 0x01])));
  return { chunkStreamId: 6, messageStreamId: 1, timestamp: 0, type: 22, length: data.length, data };
}

/** The session's messages, mutated at the message level, chunked validly. */
export function messageMutation(prng: Prng): Buffer {
  const all = sessionMessages();
  let messages = all.slice(0, 3 + prng.int(Math.min(all.length - 3, 60))).map((m) => ({ ...m }));
  const mutations = 1 + prng.int(4);
  for (let i = 0; i < mutations; i++) {
    const at = prng.int(messages.length);
    const m = messages[at]!;
    switch (prng.int(11)) {
      case 0:
      case 1:
      case 2: // an attack command in place of, or before, a session message
        messages.splice(at, prng.int(2), attackCommand(prng));
        break;
      case 3: // payload bytes (AMF for commands and data)
        m.data = mutateBytes(prng, Buffer.from(m.data));
        m.length = m.data.length;
        break;
      case 4:
        m.type = [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22, prng.int(256)][prng.int(16)]!;
        break;
      case 5:
        m.messageStreamId = [0, 1, 2, 255, 0xffffff][prng.int(5)]!;
        break;
      case 6:
        m.timestamp = [0, 1, 0xffffff, 0x1000000, 0xffffffff][prng.int(5)]!;
        break;
      case 7:
        messages.splice(at, 1);
        break;
      case 8:
        messages.splice(at, 0, { ...m });
        break;
      case 9: // an aggregate over the sub-message cap, or nested (issue 11, item 3)
        messages.splice(at, 0, aggregateAttack(prng));
        break;
      default: {
        const other = prng.int(messages.length);
        [messages[at], messages[other]] = [messages[other]!, m];
      }
    }
    if (messages.length === 0) messages = [attackCommand(prng)];
  }
  const state = new OutboundChunkState();
  let chunkSize = [128, 1, 7, 4096, 60_000][prng.int(5)]!;
  const out: Buffer[] = [];
  if (chunkSize !== 128) {
    const set = Buffer.alloc(4);
    set.writeUInt32BE(chunkSize);
    out.push(serializeMessage({ chunkStreamId: 2, messageStreamId: 0, timestamp: 0, type: 1, length: 4, data: set }, state, 128));
  }
  for (const m of messages) {
    out.push(serializeMessage(m, state, chunkSize));
    try {
      chunkSize = nextChunkSize(m, chunkSize);
    } catch {
      break; // a Set Chunk Size the peer would refuse: nothing after it is read anyway
    }
  }
  return Buffer.concat(out);
}

/**
 * Runs one inbound stage over `items` synchronously (its `_transform`/`_flush`, outputs captured):
 * what it produced before failing, and the code it failed with. `upstreamFailed`: the stage before
 * failed, so in the server this one is destroyed, never flushed: it fails only on what it got.
 */
export function runStage(stage: Transform, items: unknown[], upstreamFailed = false): { out: unknown[]; code: string | undefined } {
  const out: unknown[] = [];
  let code: string | undefined;
  stage.push = (item: unknown): boolean => {
    if (item !== null) out.push(item);
    return true;
  };
  const done = (err?: Error | null): void => {
    if (err && code === undefined) code = String((err as { code?: unknown }).code);
  };
  for (const item of items) {
    stage._write(item, 'buffer' as BufferEncoding, done); // MessageAssembler overrides _write; Transform's own _write calls _transform
    if (code !== undefined) return { out, code };
  }
  if (!upstreamFailed) stage._flush?.(done);
  return { out, code };
}

/**
 * The codes the server's inbound stages (chunk decoder → message assembler → command decoder, the
 * server's default limits) fail with on these bytes, each stage fed everything the one before it
 * produced before failing (and flushed only when that one ended cleanly, as in the server's
 * pipeline, which destroys every stage on the first error). The stages run concurrently in the
 * server, so whichever of these fails first in time closes the connection. An empty list means the
 * bytes decode cleanly. `stage`: the first layer that fails.
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

export function offlineDecode(bytes: Buffer): { codes: string[]; stage: Stage } {
  // The stages yield between event-loop turns in the server (per-turn bounds); run synchronously
  // here, they must not: unbounded turns, so a flush sees every byte parsed, as the server's end does.
  const chunks = runStage(new ChunkDecoder({ chunksPerTurn: UNBOUNDED, bytesPerTurn: UNBOUNDED }), [bytes]);
  const messages = runStage(new MessageAssembler(), chunks.out, chunks.code !== undefined);
  const events = runStage(new CommandDecoder({ eventsPerTurn: UNBOUNDED }), messages.out, chunks.code !== undefined || messages.code !== undefined);
  const codes = [chunks.code, messages.code, events.code].filter((c): c is string => c !== undefined);
  const stage: Stage = chunks.code ? 'chunk' : messages.code ? 'message' : events.code ? 'command' : 'clean';
  return { codes, stage };
}

/** How many of `inputs` stop at each stage. */
export function stageCounts(inputs: Iterable<Buffer>): Record<Stage, number> {
  const counts: Record<Stage, number> = { chunk: 0, message: 0, command: 0, clean: 0 };
  for (const bytes of inputs) counts[offlineDecode(bytes).stage]++;
  return counts;
}
