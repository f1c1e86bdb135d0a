/**
 * A minimal RTMP client written for the benches alone, independent of lib/: the simple handshake,
 * a few AMF0 commands, a chunk writer (type-0 header, type-3 continuations) and a chunk reader
 * (every header type, extended timestamps, set chunk size, acknowledgements, ping answers). The
 * benches that measure a server (latency, idle memory) use it for their load so that they work
 * against any build of the server under test, and cost the same beside every server.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

// --- AMF0 -----------------------------------------------------------------------------------------

type Amf = number | string | boolean | null | undefined | { [key: string]: Amf };

function amfValue(v: Amf, out: Buffer[]): void {
  if (typeof v === 'number') {
    const b = Buffer.allocUnsafe(9);
    b[0] = 0x00;
    b.writeDoubleBE(v, 1);
    out.push(b);
  } else if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    const b = Buffer.allocUnsafe(3);
    b[0] = 0x02;
    b.writeUInt16BE(s.length, 1);
    out.push(b, s);
  } else if (typeof v === 'boolean') out.push(Buffer.from([0x01, v ? 1 : 0]));
  else if (v === null || v === undefined) out.push(Buffer.from([0x05]));
  else {
    out.push(Buffer.from([0x03]));
    for (const [key, value] of Object.entries(v)) {
      const k = Buffer.from(key, 'utf8');
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(k.length, 0);
      out.push(len, k);
      amfValue(value, out);
    }
    out.push(Buffer.from([0, 0, 0x09]));
  }
}

export function amfEncode(values: Amf[]): Buffer {
  const out: Buffer[] = [];
  for (const v of values) amfValue(v, out);
  return Buffer.concat(out);
}

/** Decodes the AMF0 values of a command (numbers, strings, booleans, null, objects, ECMA arrays). */
export function amfDecode(data: Buffer): Amf[] {
  let pos = 0;
  const str = (): string => {
    const n = data.readUInt16BE(pos);
    pos += 2;
    const s = data.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  const props = (): { [key: string]: Amf } => {
    const o: { [key: string]: Amf } = {};
    for (;;) {
      const key = str();
      if (data[pos] === 0x09) {
        pos++;
        return o;
      }
      o[key] = value();
    }
  };
  const value = (): Amf => {
    const marker = data[pos++];
    switch (marker) {
      case 0x00:
        pos += 8;
        return data.readDoubleBE(pos - 8);
      case 0x01:
        return data[pos++] !== 0;
      case 0x02:
        return str();
      case 0x03:
        return props();
      case 0x05:
      case 0x06:
        return null;
      case 0x08:
        pos += 4;
        return props();
      default:
        throw new Error(`AMF0 marker ${marker} not handled by the bench reader`);
    }
  };
  const out: Amf[] = [];
  while (pos < data.length) out.push(value());
  return out;
}

// --- chunks -----------------------------------------------------------------------------------------

/** One message as chunks: a type-0 header, then a type-3 header before each further chunk. */
export function chunkMessage(csid: number, type: number, streamId: number, timestamp: number, payload: Buffer, chunkSize: number): Buffer {
  const extended = timestamp >= 0xffffff;
  const ext = extended ? 4 : 0;
  const chunks = Math.max(1, Math.ceil(payload.length / chunkSize));
  const out = Buffer.allocUnsafe(12 + ext + (chunks - 1) * (1 + ext) + payload.length);
  out[0] = csid; // csid < 64: one-byte basic header, type 0
  out.writeUIntBE(extended ? 0xffffff : timestamp, 1, 3);
  out.writeUIntBE(payload.length, 4, 3);
  out[7] = type;
  out.writeUInt32LE(streamId, 8);
  let pos = 12;
  if (extended) pos = out.writeUInt32BE(timestamp, pos);
  for (let i = 0; i < payload.length; i += chunkSize) {
    if (i > 0) {
      out[pos++] = 0xc0 | csid;
      if (extended) pos = out.writeUInt32BE(timestamp, pos);
    }
    pos += payload.copy(out, pos, i, Math.min(payload.length, i + chunkSize));
  }
  return out;
}

export const MSG = { setChunkSize: 1, ack: 3, userControl: 4, windowAck: 5, audio: 8, video: 9, data: 18, command: 20 } as const;

interface Inbound {
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  payload: Buffer | undefined;
  filled: number;
}

/**
 * Parses a server's chunk stream into messages; answers set chunk size, window acknowledgement
 * and ping requests itself (through `send`), hands every other message to `onMessage` (the payload
 * is the message's own buffer).
 */
export class ChunkReader {
  private chunkSize = 128;
  private window = 0;
  private received = 0;
  private acked = 0;
  private rest: Buffer | undefined;
  private current: Inbound | undefined;
  private chunkLeft = 0;
  private readonly streams = new Map<number, Inbound>();

  constructor(
    private readonly send: (bytes: Buffer) => void,
    private readonly onMessage: (type: number, streamId: number, payload: Buffer) => void,
  ) {}

  push(input: Buffer): void {
    this.received += input.length;
    let data = input;
    if (this.rest) {
      data = Buffer.concat([this.rest, input]);
      this.rest = undefined;
    }
    let pos = 0;
    const end = data.length;
    while (pos < end) {
      const s = this.current;
      if (s) {
        const take = Math.min(this.chunkLeft, end - pos);
        data.copy(s.payload!, s.filled, pos, pos + take);
        s.filled += take;
        pos += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) {
          this.current = undefined;
          if (s.filled === s.length) this.complete(s);
        }
        continue;
      }
      const start = pos;
      const fmt = data[pos]! >> 6;
      let csid = data[pos]! & 0x3f;
      let p = pos + 1;
      if (csid === 0) {
        if (end - p < 1) return this.stash(data, start);
        csid = 64 + data[p]!;
        p += 1;
      } else if (csid === 1) {
        if (end - p < 2) return this.stash(data, start);
        csid = 64 + data[p]! + data[p + 1]! * 256;
        p += 2;
      }
      const headerLength = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
      if (end - p < headerLength) return this.stash(data, start);
      let stream = this.streams.get(csid);
      if (!stream) {
        stream = { length: 0, type: 0, streamId: 0, extended: false, payload: undefined, filled: 0 };
        this.streams.set(csid, stream);
      }
      if (fmt <= 2) stream.extended = data.readUIntBE(p, 3) === 0xffffff;
      if (fmt <= 1) {
        stream.length = data.readUIntBE(p + 3, 3);
        stream.type = data[p + 6]!;
      }
      if (fmt === 0) stream.streamId = data.readUInt32LE(p + 7);
      p += headerLength;
      if (stream.extended) {
        if (end - p < 4) return this.stash(data, start);
        p += 4;
      }
      pos = p;
      if (!stream.payload) {
        stream.payload = Buffer.allocUnsafe(stream.length);
        stream.filled = 0;
      }
      this.chunkLeft = Math.min(this.chunkSize, stream.length - stream.filled);
      if (this.chunkLeft === 0) this.complete(stream);
      else this.current = stream;
    }
    if (this.window > 0 && this.received - this.acked >= this.window) {
      this.acked = this.received;
      const seq = Buffer.allocUnsafe(4);
      seq.writeUInt32BE(this.received % 2 ** 32, 0);
      this.send(chunkMessage(2, MSG.ack, 0, 0, seq, 128));
    }
  }

  private stash(data: Buffer, from: number): void {
    this.rest = Buffer.from(data.subarray(from));
  }

  private complete(s: Inbound): void {
    const payload = s.payload!;
    s.payload = undefined;
    if (s.type === MSG.setChunkSize) this.chunkSize = payload.readUInt32BE(0) & 0x7fffffff;
    else if (s.type === MSG.windowAck) this.window = payload.readUInt32BE(0);
    else if (s.type === MSG.userControl && payload.readUInt16BE(0) === 6) {
      // PingRequest → PingResponse with the same time.
      const pong = Buffer.from(payload);
      pong.writeUInt16BE(7, 0);
      this.send(chunkMessage(2, MSG.userControl, 0, 0, pong, 128));
    } else this.onMessage(s.type, s.streamId, payload);
  }
}

// --- a connection ---------------------------------------------------------------------------------

export interface WireConnection {
  socket: net.Socket;
  /** Sends a message (type-0 header, our chunk size). */
  send(csid: number, type: number, streamId: number, timestamp: number, payload: Buffer): void;
  /** Sends a command and resolves with the answer (_result/_error) to its transaction id. */
  call(name: string, transactionId: number, args: Amf[], streamId?: number): Promise<Amf[]>;
  /** Resolves with the first onStatus whose code starts with `prefix` (rejects on .Failed/.BadName...). */
  status(prefix: string): Promise<string>;
  /** Set by the user: audio/video messages (type 8/9) after the commands. */
  onMedia: (type: number, payload: Buffer) => void;
  closed: Promise<void>;
}

/** Our outbound chunk size (announced at once). */
const OUT_CHUNK_SIZE = 4096;

/** TCP connect, simple handshake, set chunk size; the chunk reader runs on every read afterwards. */
export async function wireConnect(port: number, host = '127.0.0.1', timeoutMs = 20_000): Promise<WireConnection> {
  const socket = net.connect(port, host);
  socket.setNoDelay(true);
  const timer = setTimeout(() => socket.destroy(new Error(`handshake with ${host}:${port} timed out`)), timeoutMs);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const c1 = Buffer.alloc(1537);
  c1[0] = 3;
  randomBytes(1528).copy(c1, 9);
  socket.write(c1);
  // S0 + S1 + S2 (3073 bytes), then C2 = S1.
  const rest = await new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      if (got.length < 3073) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      resolve(got.subarray(3073));
      socket.write(got.subarray(1, 1537));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  clearTimeout(timer);
  socket.on('error', () => {});

  const write = (bytes: Buffer): void => {
    if (!socket.destroyed) socket.write(bytes);
  };
  const waiting = new Map<number, (args: Amf[]) => void>();
  const statusWaiters: Array<{ prefix: string; resolve: (code: string) => void; reject: (e: Error) => void }> = [];
  const conn: WireConnection = {
    socket,
    closed,
    onMedia: () => {},
    send: (csid, type, streamId, timestamp, payload) => write(chunkMessage(csid, type, streamId, timestamp, payload, OUT_CHUNK_SIZE)),
    call(name, transactionId, args, streamId = 0) {
      const answered = new Promise<Amf[]>((resolve, reject) => {
        waiting.set(transactionId, resolve);
        void closed.then(() => reject(new Error(`connection closed before the answer to ${name}`)));
      });
      conn.send(3, MSG.command, streamId, 0, amfEncode([name, transactionId, ...args]));
      return answered;
    },
    status(prefix) {
      return new Promise<string>((resolve, reject) => {
        statusWaiters.push({ prefix, resolve, reject });
        void closed.then(() => reject(new Error(`connection closed before onStatus ${prefix}`)));
      });
    },
  };
  const reader = new ChunkReader(write, (type, _streamId, payload) => {
    if (type === MSG.audio || type === MSG.video) return conn.onMedia(type, payload);
    if (type !== MSG.command) return;
    const [name, tid, , ...args] = amfDecode(payload);
    if ((name === '_result' || name === '_error') && typeof tid === 'number') {
      const resolve = waiting.get(tid);
      waiting.delete(tid);
      resolve?.(name === '_error' ? [undefined, ...args] : args);
    } else if (name === 'onStatus') {
      const info = args[0] as { code?: string } | undefined;
      const code = String(info?.code ?? '');
      for (let i = 0; i < statusWaiters.length; i++) {
        const w = statusWaiters[i]!;
        if (code.startsWith(w.prefix)) {
          statusWaiters.splice(i, 1);
          w.resolve(code);
          return;
        }
        if (/Failed|BadName|Rejected|NotFound/.test(code)) {
          statusWaiters.splice(i, 1);
          w.reject(new Error(`onStatus ${code}`));
          return;
        }
      }
    }
  });
  const chunkSize = Buffer.allocUnsafe(4);
  chunkSize.writeUInt32BE(OUT_CHUNK_SIZE, 0);
  socket.write(chunkMessage(2, MSG.setChunkSize, 0, 0, chunkSize, 128));
  socket.on('data', (d: Buffer) => reader.push(d));
  if (rest.length > 0) reader.push(rest);
  socket.resume();
  return conn;
}

/** `connect` to rtmp://host:port/app; throws when refused. */
export async function wireNetConnect(conn: WireConnection, port: number, app: string, publisher: boolean, host = '127.0.0.1'): Promise<void> {
  const tcUrl = `rtmp://${host}:${port}/${app}`;
  const object = publisher
    ? { app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; bench)', tcUrl }
    : { app, flashVer: 'LNX 9,0,124,2', tcUrl, fpad: false, capabilities: 15, audioCodecs: 3191, videoCodecs: 252, videoFunction: 1 };
  const answer = await conn.call('connect', 1, [object]);
  if (answer[0] === undefined) throw new Error('connect refused');
}

/** createStream; resolves with the stream id. */
export async function wireCreateStream(conn: WireConnection, transactionId = 2): Promise<number> {
  const answer = await conn.call('createStream', transactionId, [null]);
  const id = answer[0];
  if (typeof id !== 'number') throw new Error('createStream refused');
  return id;
}

/** A player: connect, createStream, play; resolves on NetStream.Play.Start. */
export async function wirePlayer(port: number, app: string, stream: string, onMedia: (type: number, payload: Buffer) => void): Promise<WireConnection> {
  const conn = await wireConnect(port);
  conn.onMedia = onMedia;
  await wireNetConnect(conn, port, app, false);
  const id = await wireCreateStream(conn);
  const started = conn.status('NetStream.Play.Start');
  conn.send(8, MSG.command, id, 0, amfEncode(['play', 0, null, stream, -1000]));
  await started;
  return conn;
}

/** A publisher: connect, createStream, publish; resolves on NetStream.Publish.Start with the stream id. */
export async function wirePublisher(port: number, app: string, stream: string): Promise<{ conn: WireConnection; streamId: number }> {
  const conn = await wireConnect(port);
  await wireNetConnect(conn, port, app, true);
  const streamId = await wireCreateStream(conn);
  const started = conn.status('NetStream.Publish.Start');
  conn.send(8, MSG.command, streamId, 0, amfEncode(['publish', 0, null, stream, 'live']));
  await started;
  return { conn, streamId };
}
