/** `maxConnections` bounds a cluster as it bounds one process: the workers share it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerMaxConnections } from '../../lib/cluster/index.js';
import { DEFAULT_MAX_CONNECTIONS } from '../../lib/server/index.js';

test('each of N workers takes floor(C / N), at least 1, so the cluster never holds more than C', () => {
  for (const [total, workers] of [[1000, 1], [1000, 2], [1000, 3], [20, 16], [7, 2], [5, 8]] as const) {
    const share = workerMaxConnections(total, workers);
    assert.ok(share >= 1, `${total}/${workers}: at least one`);
    if (total >= workers) assert.ok(share * workers <= total, `${total}/${workers}: ${share} each holds ${share * workers}`);
    assert.ok(share * workers > total - workers, `${total}/${workers}: ${share} each wastes at most N-1 slots`);
  }
  assert.equal(workerMaxConnections(undefined, 4), DEFAULT_MAX_CONNECTIONS / 4, 'the default is shared too');
  assert.equal(workerMaxConnections(0, 4), 0, '0 refuses everything, as in one process');
});
