import { AmfError, ErrorCode } from '../errors.js';

type AmfCode = Extract<(typeof ErrorCode)[keyof typeof ErrorCode], `ERR_AMF_${string}`>;

/** The one factory for AMF errors: a stable code plus a message that says where and why. */
export function amfError(code: AmfCode, message: string, cause?: unknown): AmfError {
  return cause === undefined ? new AmfError(code, message) : new AmfError(code, message, { cause });
}

/** Runs user code (constructors, setters, codecs) and turns what it throws into an AmfError. */
export function guardUserCode<T>(what: string, code: AmfCode, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AmfError) throw err;
    throw amfError(code, `${what} threw: ${(err as Error)?.message ?? String(err)}`, err);
  }
}
