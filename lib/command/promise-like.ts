/** True for anything with a callable `then` (a Promise or a thenable a user hook returned). */
export function isPromiseLike<T = unknown>(value: unknown): value is PromiseLike<T> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
