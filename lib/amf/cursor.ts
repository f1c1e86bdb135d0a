/**
 * Bounds-checked reading shared by Amf0Reader and Amf3Reader. Every read checks the bytes it
 * needs first, so a short buffer gives AMF_TRUNCATED (never a RangeError), and every claimed
 * count is checked against the bytes left before anything is allocated.
 */
import { amfError } from './error.js';
import { resolveLimits, type AmfDecodeOptions, type AmfLimits } from './types.js';

/**
 * Short ASCII strings (property names, command names) come back from a small process-wide cache
 * keyed by their bytes: the same names arrive in every message, and returning the already
 * internalized string makes building objects about 3x cheaper than decoding a fresh one. Entries
 * hold their own copy of the bytes (never a view of a message), so the cache is bounded at
 * KEY_CACHE_SIZE × KEY_CACHE_MAX_LENGTH bytes.
 */
const KEY_CACHE_MAX_LENGTH = 32;
const KEY_CACHE_SIZE = 2048; // a power of two
const keyCacheBytes: Array<Uint8Array | undefined> = new Array(KEY_CACHE_SIZE).fill(undefined);
const keyCacheStrings: string[] = new Array(KEY_CACHE_SIZE).fill('');

function cachedAscii(buf: Buffer, start: number, end: number): string {
  let hash = end - start;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return buf.toString('utf8', start, end);
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  const slot = hash & (KEY_CACHE_SIZE - 1);
  const bytes = keyCacheBytes[slot];
  if (bytes !== undefined && bytes.length === end - start) {
    let i = 0;
    while (i < bytes.length && bytes[i] === buf[start + i]) i++;
    if (i === bytes.length) return keyCacheStrings[slot]!;
  }
  const s = buf.toString('latin1', start, end);
  keyCacheBytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
  keyCacheStrings[slot] = s;
  return s;
}

export class AmfCursor {
  /** Where the next read starts. */
  offset = 0;
  /** Current container nesting (internal; shared across an AVM+ switch). */
  depth = 0;
  readonly buf: Buffer;
  protected readonly limits: AmfLimits;

  constructor(buf: Buffer, options?: AmfDecodeOptions) {
    if (!Buffer.isBuffer(buf)) throw amfError('ERR_AMF_INVALID', 'AMF input must be a Buffer');
    this.buf = buf;
    this.limits = resolveLimits(options);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return Math.max(0, this.buf.length - this.offset);
  }

  protected need(n: number, what: string): void {
    if (n > this.buf.length - this.offset) {
      throw amfError(
        'ERR_AMF_TRUNCATED',
        `truncated AMF: ${what} needs ${n} bytes at offset ${this.offset}, only ${this.remaining} left`,
      );
    }
  }

  /** A byte length a peer claims: must fit in what is left and under `maxLength`. */
  protected checkLength(len: number, what: string): void {
    this.need(len, what);
    if (len > this.limits.maxLength) {
      throw amfError('ERR_AMF_LENGTH_EXCEEDED', `${what} of ${len} bytes exceeds maxLength ${this.limits.maxLength}`);
    }
  }

  /** An element count a peer claims, each element taking at least `minBytes`. */
  protected checkCount(count: number, minBytes: number, what: string): void {
    if (count * minBytes > this.buf.length - this.offset) {
      throw amfError(
        'ERR_AMF_TRUNCATED',
        `truncated AMF: ${what} claims ${count} elements at offset ${this.offset}, only ${this.remaining} bytes left`,
      );
    }
    if (count > this.limits.maxLength) {
      throw amfError('ERR_AMF_LENGTH_EXCEEDED', `${what} of ${count} elements exceeds maxLength ${this.limits.maxLength}`);
    }
  }

  protected enter(what: string): void {
    if (++this.depth > this.limits.maxDepth) {
      throw amfError('ERR_AMF_DEPTH_EXCEEDED', `${what} at offset ${this.offset} nests deeper than maxDepth ${this.limits.maxDepth}`);
    }
  }

  protected leave(): void {
    this.depth--;
  }

  protected tableFull(table: string): never {
    throw amfError('ERR_AMF_TOO_MANY_REFERENCES', `${table} reference table exceeds maxReferences ${this.limits.maxReferences}`);
  }

  readUInt8(): number {
    if (this.offset >= this.buf.length) this.need(1, 'a byte');
    return this.buf[this.offset++]!;
  }

  readUInt16(): number {
    this.need(2, 'a 16-bit integer');
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  readInt16(): number {
    this.need(2, 'a 16-bit integer');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  readUInt32(): number {
    this.need(4, 'a 32-bit integer');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  readInt32(): number {
    this.need(4, 'a 32-bit integer');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  readDouble(): number {
    this.need(8, 'a double');
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** `n` bytes, copied (a decoded value may outlive the message buffer it came from). */
  readBytes(n: number): Buffer {
    this.checkLength(n, 'a byte array');
    const out = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  /** `len` bytes of UTF-8 (invalid sequences become U+FFFD, as Buffer#toString does). */
  protected readUtf8(len: number, what: string): string {
    this.checkLength(len, what);
    const buf = this.buf;
    const start = this.offset;
    const end = start + len;
    this.offset = end;
    if (len <= KEY_CACHE_MAX_LENGTH) return cachedAscii(buf, start, end);
    return buf.toString('utf8', start, end);
  }
}
