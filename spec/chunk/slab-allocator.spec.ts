import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateMessageBuffer, ownsItsMemory } from '../../lib/chunk/slab-allocator.js';

describe('allocateMessageBuffer', () => {
  it('carves small messages from a shared slab (they keep it alive: not their own memory)', () => {
    const a = allocateMessageBuffer(1000);
    const b = allocateMessageBuffer(1000);
    assert.equal(a.length, 1000);
    assert.equal(a.buffer, b.buffer);
    assert.equal(b.byteOffset % 8, 0);
    assert.equal(ownsItsMemory(a), false);
  });

  it('gives a message above 64 KiB memory of its own', () => {
    const big = allocateMessageBuffer(100_000);
    assert.equal(big.length, 100_000);
    assert.equal(big.buffer.byteLength, 100_000);
    assert.equal(ownsItsMemory(big), true);
    // A view of it is not the whole buffer; a copy or any other buffer was not made here.
    assert.equal(ownsItsMemory(big.subarray(1)), false);
    assert.equal(ownsItsMemory(Buffer.from(big)), false);
    assert.equal(ownsItsMemory(Buffer.allocUnsafeSlow(100_000)), false);
  });
});
