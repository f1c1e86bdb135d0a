/**
 * Bounds-checked field access shared by the message codecs. Every read checks the length first so
 * that a short payload becomes a `MessageError` (ERR_MESSAGE_TRUNCATED), never a RangeError.
 */
import { ErrorCode, MessageError } from '../errors.js';

/** ERR_MESSAGE_TRUNCATED unless `buf` holds `need` bytes from `offset`. */
export function need(buf: Buffer, offset: number, need: number, what: string): void {
  if (buf.length - offset < need) {
    throw new MessageError(
      ErrorCode.MESSAGE_TRUNCATED,
      `${what}: needs ${need} byte(s) at offset ${offset}, payload has ${Math.max(0, buf.length - offset)}`,
    );
  }
}

export function invalid(message: string): MessageError {
  return new MessageError(ErrorCode.MESSAGE_INVALID, message);
}

/** ERR_MESSAGE_INVALID unless `value` is an integer in [min, max]. */
export function checkInt(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

export function checkUint32(value: unknown, what: string): number {
  return checkInt(value, 0, 0xffffffff, what);
}

export function uint32(value: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt32BE(value, 0);
  return buf;
}

/** Signed 24-bit big-endian (composition time offsets, FLV spec E.4.3.1). */
export function readInt24(buf: Buffer, offset: number): number {
  return (buf.readUIntBE(offset, 3) << 8) >> 8;
}

/** A UTF-8 string with a 16-bit length and no type marker (shared object names, RTMP 1.0 §7.1.3). */
export function readShortString(buf: Buffer, offset: number, what: string): { value: string; end: number } {
  need(buf, offset, 2, what);
  const length = buf.readUInt16BE(offset);
  need(buf, offset + 2, length, what);
  return { value: buf.toString('utf8', offset + 2, offset + 2 + length), end: offset + 2 + length };
}

export function shortString(value: string, what: string): Buffer {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  const length = Buffer.byteLength(value, 'utf8');
  if (length > 0xffff) throw invalid(`${what} is ${length} bytes of UTF-8, at most 65535 fit`);
  const buf = Buffer.allocUnsafe(2 + length);
  buf.writeUInt16BE(length, 0);
  buf.write(value, 2, 'utf8');
  return buf;
}
