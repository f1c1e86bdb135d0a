/**
 * A bounds-checked MSB-first bit reader for codec headers (H.264/H.265 exp-Golomb, AAC, AV1).
 * Reading past the end is ERR_CODEC_TRUNCATED, never a RangeError or a silent zero.
 */
import { CodecError, ErrorCode } from '../errors.js';

export class BitReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Buffer,
    byteOffset = 0,
    byteEnd = buf.length,
    private readonly what = 'codec header',
  ) {
    this.pos = byteOffset * 8;
    this.end = Math.min(byteEnd, buf.length) * 8;
  }

  get bitsLeft(): number {
    return this.end - this.pos;
  }

  /** Byte position of the next whole byte (after `byteAlign`). */
  get byteOffset(): number {
    return Math.ceil(this.pos / 8);
  }

  /** Reads `n` ≤ 32 bits as an unsigned number. */
  bits(n: number): number {
    this.need(n);
    let value = 0;
    let left = n;
    while (left > 0) {
      // Take as many bits as the current byte still holds (up to `left`).
      const used = this.pos & 7;
      const take = Math.min(left, 8 - used);
      const chunk = (this.buf[this.pos >> 3]! >> (8 - used - take)) & ((1 << take) - 1);
      value = value * (1 << take) + chunk;
      this.pos += take;
      left -= take;
    }
    return value;
  }

  bit(): number {
    return this.bits(1);
  }

  flag(): boolean {
    return this.bits(1) === 1;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  byteAlign(): void {
    this.pos = Math.min(this.end, (this.pos + 7) & ~7);
  }

  /** ue(v), H.264 §9.1 / H.265 §9.2: at most 31 leading zeros (a 32-bit value). */
  ue(): number {
    let zeros = 0;
    while (this.bits(1) === 0) {
      if (++zeros > 31) throw new CodecError(ErrorCode.CODEC_INVALID, `${this.what}: exp-Golomb code longer than 32 bits`);
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.bits(zeros);
  }

  /** se(v), H.264 §9.1.1. */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new CodecError(ErrorCode.CODEC_TRUNCATED, `${this.what}: needs ${n} more bit(s), ${this.end - this.pos} left`);
    }
  }
}

/** ERR_CODEC_TRUNCATED unless `buf` holds `n` bytes from `offset`. */
export function needBytes(buf: Buffer, offset: number, n: number, what: string): void {
  if (offset + n > buf.length) {
    throw new CodecError(ErrorCode.CODEC_TRUNCATED, `${what}: needs ${n} byte(s) at offset ${offset}, has ${Math.max(0, buf.length - offset)}`);
  }
}

export function codecInvalid(message: string): CodecError {
  return new CodecError(ErrorCode.CODEC_INVALID, message);
}

/**
 * NAL unit payload without emulation prevention bytes (H.264 §7.4.1, H.265 §7.4.2): every
 * 0x00 0x00 0x03 becomes 0x00 0x00. Returns the input itself when there is none (no copy).
 */
export function unescapeRbsp(nal: Buffer): Buffer {
  let i = nal.indexOf(EPB);
  if (i < 0) return nal;
  const out = Buffer.allocUnsafe(nal.length);
  let o = 0;
  let from = 0;
  while (i >= 0) {
    nal.copy(out, o, from, i + 2);
    o += i + 2 - from;
    from = i + 3;
    i = nal.indexOf(EPB, from);
  }
  nal.copy(out, o, from);
  o += nal.length - from;
  return out.subarray(0, o);
}

const EPB = Buffer.from([0, 0, 3]);
