/**
 * How message payloads sit on top of the AMF layer: lists of values read until the payload ends,
 * the AMF3 "format byte", and the AMF0-with-AVM+-switch form of AMF3 messages.
 */
import { Amf0Reader, type Amf0Writer, type AmfDecodeOptions } from '../amf/index.js';

export type { AmfDecodeOptions };

/**
 * The leading byte of AMF3 command (17), data (15) and shared object (16) messages. Flash Player
 * writes 0x00 there, then AMF0 values that switch to AMF3 with the AVM+ marker (0x11).
 */
export const AMF3_FORMAT_BYTE = 0x00;

/** Reads AMF0 values (each may switch to AMF3 with 0x11) from `offset` to the end of `buf`. */
export function readAmf0Values(buf: Buffer, offset: number, options?: AmfDecodeOptions): unknown[] {
  const reader = new Amf0Reader(buf, options);
  reader.offset = offset;
  const values: unknown[] = [];
  while (reader.remaining > 0) values.push(reader.read());
  return values;
}

/** Writes each value as an AMF3 value behind the AVM+ marker (0x11). */
export function writeAvmPlusValues(writer: Amf0Writer, values: readonly unknown[]): Amf0Writer {
  for (const value of values) writer.writeAvmPlus(value);
  return writer;
}
