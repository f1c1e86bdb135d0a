/** A short description of a value for error messages ("null", "string", "Object", "Uint8Array"). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
  return typeof value;
}
