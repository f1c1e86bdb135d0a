// How far behind a peer is by its Acknowledgements (lib/session/peer-acknowledgements.ts), the
// measure fan-out flow control uses for bytes waiting in kernel buffers. Times are passed in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK_OVERDUE_MS, PeerAcknowledgements } from '../../lib/session/peer-acknowledgements.js';

describe('PeerAcknowledgements', () => {
  it('knows nothing before a window is announced', () => {
    const acks = new PeerAcknowledgements();
    assert.equal(acks.behind(10_000_000, 0), 0);
    acks.received(5000);
    assert.equal(acks.behind(10_000_000, 0), 0, 'one acknowledgement gives no step');
  });

  it('counts from 0 acknowledged bytes: of what was sent, all but one window is certainly not received', () => {
    const acks = new PeerAcknowledgements();
    acks.window = 1000;
    assert.equal(acks.behind(1000, 0), 0, 'within one window it may have all of it');
    assert.equal(acks.behind(5000, 0), 4000);
  });

  it('an acknowledgement moves the count; only one that moves it forward is reported', () => {
    const acks = new PeerAcknowledgements();
    acks.window = 1000;
    let heard = 0;
    const unwatch = acks.watch(() => heard++);
    acks.received(3000);
    assert.equal(acks.behind(5000, 0), 1000);
    acks.received(3000); // the same count again
    acks.received(2000); // backwards
    assert.equal(heard, 1);
    assert.equal(acks.behind(5000, 0), 1000);
    unwatch();
    acks.received(4500);
    assert.equal(heard, 1, 'removed');
    assert.equal(acks.behind(5000, 0), 0);
  });

  it('a peer that acknowledges more rarely than the window is measured by its largest step', () => {
    const acks = new PeerAcknowledgements();
    acks.window = 1000;
    acks.received(3000);
    acks.received(6000); // a 3000-byte step
    assert.equal(acks.behind(10_000, 0), 10_000 - 6000 - 3000);
    acks.received(6500); // smaller steps do not shrink it
    assert.equal(acks.behind(10_000, 0), 10_000 - 6500 - 3000);
  });

  it('sequence numbers wrap at 2^32; a peer ahead of our count (it counted the handshake) is not behind', () => {
    const acks = new PeerAcknowledgements();
    acks.window = 1000;
    for (let k = 1; k <= 15; k++) acks.received(k * 0x1000_0000); // 4 GB in 256 MiB steps
    acks.received(0xffff_ff00);
    // 0x2000_0000 past the wrap: 0x2000_0100 not acknowledged, less the largest step.
    assert.equal(acks.behind(2 ** 32 + 0x2000_0000, 0), 0x2000_0100 - 0x1000_0000);
    const ahead = new PeerAcknowledgements();
    ahead.window = 1000;
    ahead.received(5000 + 3073);
    assert.equal(ahead.behind(5000, 0), 0);
  });

  it('once an acknowledgement is overdue the measure says nothing, until the next one', () => {
    const acks = new PeerAcknowledgements();
    acks.window = 1000;
    assert.equal(acks.behind(5000, 100), 4000, 'owed from here');
    assert.equal(acks.behind(5000, 100 + ACK_OVERDUE_MS), 4000, 'not yet overdue');
    assert.equal(acks.behind(5000, 101 + ACK_OVERDUE_MS), 0, 'overdue: the peer is judged by our queue alone');
    acks.received(2000);
    const now = 200 + ACK_OVERDUE_MS;
    assert.equal(acks.behind(5000, now), 2000, 'a new acknowledgement: owed again from now');
    assert.equal(acks.behind(5000, now + ACK_OVERDUE_MS + 1), 0);
    // Caught up (nothing owed) resets the clock.
    acks.received(4500);
    assert.equal(acks.behind(5000, now + 10 * ACK_OVERDUE_MS), 0);
    assert.equal(acks.behind(9000, now + 10 * ACK_OVERDUE_MS), 9000 - 4500 - 2500, 'owed from when it was first seen behind (step 2500)');
  });
});
