import type { AmfDecodeOptions } from './types.js';

/** `amf0` / `amf3`: encode or decode a whole message body with one reader or writer (one set of tables). */
export interface AmfCodec {
  encode(...values: unknown[]): Buffer;
  decode(buf: Buffer, options?: AmfDecodeOptions): unknown[];
}

export function oneShotCodec(
  newWriter: () => { write(value: unknown): unknown; toBuffer(): Buffer },
  newReader: (buf: Buffer, options?: AmfDecodeOptions) => { offset: number; read(): unknown },
): AmfCodec {
  return {
    encode(...values: unknown[]): Buffer {
      const writer = newWriter();
      for (const v of values) writer.write(v);
      return writer.toBuffer();
    },
    decode(buf: Buffer, options?: AmfDecodeOptions): unknown[] {
      const reader = newReader(buf, options);
      const values: unknown[] = [];
      while (reader.offset < buf.length) values.push(reader.read());
      return values;
    },
  };
}
