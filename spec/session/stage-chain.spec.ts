import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Transform, Writable } from 'node:stream';
import { StageChain, checkStageMode } from '../../lib/session/stage-chain.js';
import { ErrorCode, isRtmpError } from '../../lib/errors.js';

const objects = (): PassThrough => new PassThrough({ objectMode: true });
const tagger = (tag: string): Transform =>
  new Transform({ objectMode: true, transform: (x: string, _e, cb) => cb(null, `${x}${tag}`) });

function collector(out: string[]): Writable {
  return new Writable({ objectMode: true, write: (x: string, _e, cb) => (out.push(x), cb()) });
}

test('stages given up front run at their boundary, in order', async () => {
  const out: string[] = [];
  const src = objects();
  const sink = collector(out);
  new StageChain('inbound', [{ stream: src }, { stream: tagger('|layer'), after: 'chunks' }, { stream: sink, after: 'events' }], { chunks: [tagger('|a'), tagger('|b')], events: tagger('|e') }, (e) => assert.fail(e));
  src.end('x');
  await new Promise((r) => sink.on('finish', r));
  assert.deepEqual(out, ['x|a|b|layer|e']);
});

test('insert() splices into a running chain without losing or reordering items', async () => {
  const out: string[] = [];
  const src = objects();
  const sink = collector(out);
  const chain = new StageChain('inbound', [{ stream: src }, { stream: tagger(''), after: 'messages' }, { stream: sink, after: 'events' }], undefined, (e) => assert.fail(e));
  src.write('1');
  src.write('2');
  chain.insert('events', tagger('+'));
  src.write('3');
  src.end('4');
  await new Promise((r) => sink.on('finish', r));
  assert.deepEqual(out.map((x) => x.replace('+', '')), ['1', '2', '3', '4']);
  assert.ok(out.slice(2).every((x) => x.endsWith('+')), 'items after the splice pass the new stage');
  assert.equal(chain.stages.length, 4);
});

test('insert() at the head makes the stage the new head', async () => {
  const out: string[] = [];
  const encoder = tagger('');
  const sink = collector(out);
  const chain = new StageChain('outbound', [{ stream: encoder, after: 'events' }, { stream: sink, after: 'messages' }], undefined, (e) => assert.fail(e));
  (chain.head as Writable).write('a');
  const stage = tagger('!');
  chain.insert('events', stage);
  assert.equal(chain.head, stage);
  (chain.head as Writable).end('b');
  await new Promise((r) => sink.on('finish', r));
  assert.deepEqual(out, ['a', 'b!']);
});

test('a stage of the wrong object mode is refused with an error naming the boundary', () => {
  const bytes = new PassThrough();
  for (const [boundary, stage] of [['chunks', bytes], ['bytes', objects()]] as const) {
    assert.throws(() => checkStageMode('inbound', boundary, stage), (err: unknown) => {
      assert.ok(isRtmpError(err, ErrorCode.STAGE_MODE_MISMATCH));
      assert.match((err as Error).message, new RegExp(`inbound ${boundary} boundary`));
      return true;
    });
  }
  assert.throws(() => checkStageMode('outbound', 'events', {} as never), /must be a Duplex/);
  const chain = new StageChain('inbound', [{ stream: objects() }, { stream: collector([]), after: 'events' }], undefined, () => {});
  assert.throws(() => chain.insert('chunks', objects()), /no chunks boundary/);
  assert.throws(() => chain.insert('events', new PassThrough()), /events boundary must be object mode/);
  chain.destroy();
});

test('an error in a spliced stage reaches the chain once', async () => {
  const src = objects();
  const errors: Error[] = [];
  const chain = new StageChain('inbound', [{ stream: src }, { stream: collector([]), after: 'events' }], undefined, (e) => errors.push(e));
  const failing = new Transform({ objectMode: true, transform: (_x, _e, cb) => cb(new Error('boom')) });
  chain.insert('events', failing);
  src.write('x');
  await new Promise((r) => failing.on('error', r));
  await new Promise((r) => setImmediate(r));
  assert.ok(errors.some((e) => e.message === 'boom'));
  chain.destroy();
});
