import assert from 'node:assert/strict';
import { AmfError, type ErrorCode } from '../../lib/errors.js';

/** Asserts `fn` throws an AmfError with `code` and a message matching `message`. */
export function expectAmfError(fn: () => unknown, code: ErrorCode, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AmfError, `expected an AmfError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    assert.equal(err.name, 'AmfError');
    return true;
  });
}
