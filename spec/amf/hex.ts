/** Builds test bytes from hex fragments (spaces allowed) and UTF-8 text, so vectors read field by field. */
export function hex(...parts: Array<string | Buffer>): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p.replace(/\s+/g, ''), 'hex') : p)));
}

export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** One vector: the bytes, what decoding them gives, and how the encoder relates to them. */
export interface AmfVector {
  name: string;
  bytes: Buffer;
  /** What decoding `bytes` gives (assert.deepStrictEqual; hidden symbols are checked by `check`). */
  values: unknown[];
  /** What to encode to get exactly `bytes` (default `values`); null when our encoder writes them differently. */
  encodeFrom?: unknown[] | null;
  /** Whether encode(decode(bytes)) gives `bytes` back (default true). */
  roundTrip?: boolean;
  /** Extra checks on decoded values: identity of references, hidden markers, classes. */
  check?: (decoded: unknown[]) => void;
}
