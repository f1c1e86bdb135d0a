/**
 * The growable output buffer behind Amf0Writer and Amf3Writer: one Buffer that doubles when full,
 * never a concat per value. An AMF0 writer and the AMF3 writer it switches to share one sink.
 */
import { constants } from 'node:buffer';
import { amfError } from './error.js';

const INITIAL_SIZE = 256;
/** Strings up to this length take the ASCII loop; longer ones go straight to the native encoder. */
const ASCII_LOOP_MAX = 32;

export class ByteSink {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const needed = this.pos + n;
    if (needed > constants.MAX_LENGTH) {
      throw amfError('ERR_AMF_LENGTH_EXCEEDED', `encoded AMF would exceed the largest Buffer (${needed} bytes)`);
    }
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, constants.MAX_LENGTH));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  i32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }

  i16(v: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  double(v: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** AMF3 §1.3.1 variable-length unsigned 29-bit integer. */
  u29(v: number): void {
    if (this.pos + 4 > this.buf.length) this.grow(4);
    const buf = this.buf;
    if (v < 0x80 && v >= 0) {
      buf[this.pos++] = v;
    } else if (v < 0x4000 && v >= 0) {
      buf[this.pos++] = (v >>> 7) | 0x80;
      buf[this.pos++] = v & 0x7f;
    } else if (v < 0x200000 && v >= 0) {
      buf[this.pos++] = (v >>> 14) | 0x80;
      buf[this.pos++] = ((v >>> 7) & 0x7f) | 0x80;
      buf[this.pos++] = v & 0x7f;
    } else if (v < 0x20000000 && v >= 0) {
      buf[this.pos++] = (v >>> 22) | 0x80;
      buf[this.pos++] = ((v >>> 15) & 0x7f) | 0x80;
      buf[this.pos++] = ((v >>> 8) & 0x7f) | 0x80;
      buf[this.pos++] = v & 0xff;
    } else {
      throw amfError('ERR_AMF_LENGTH_EXCEEDED', `${v} does not fit an AMF3 U29 (0..2^29-1)`);
    }
  }

  /**
   * Writes `s` as UTF-8 at `at` (room for 3 bytes per UTF-16 unit must be ensured) and returns
   * the byte count. Short ASCII strings take a JS loop: cheaper than a native call.
   */
  utf8At(s: string, at: number): number {
    const n = s.length;
    if (n <= ASCII_LOOP_MAX) {
      const buf = this.buf;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) return n;
    }
    return this.buf.write(s, at, 'utf8');
  }

  /** A view of the bytes written so far. Later writes only append, so the view stays valid. */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
