import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/agent/queue.ts';

test('drop mode refuses and counts items beyond capacity', () => {
  const q = new BoundedQueue<number>(3);
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => q.push(i, 'drop')), [true, true, true, false, false]);
  assert.equal(q.length, 3);
  assert.equal(q.droppedCount, 2);
  assert.deepEqual(q.take(10), [1, 2, 3]);
  assert.equal(q.push(6, 'drop'), true);
});

test('block mode accepts the item and returns a promise that resolves when space frees', async () => {
  const q = new BoundedQueue<number>(2);
  assert.equal(q.push(1, 'block'), true);
  const wait = q.push(2, 'block');
  assert.ok(wait instanceof Promise);
  let released = false;
  void (wait as Promise<void>).then(() => { released = true; });
  await Promise.resolve();
  assert.equal(released, false);
  q.take(1);
  await wait;
  assert.equal(released, true);
  assert.equal(q.droppedCount, 0);
});

test('waitForItems resolves on push and on close; pushes after close are dropped', async () => {
  const q = new BoundedQueue<string>(5);
  const w = q.waitForItems();
  q.push('a', 'drop');
  await w;
  q.take(1);
  const w2 = q.waitForItems();
  q.close();
  await w2;
  assert.equal(q.push('b', 'drop'), false);
  assert.equal(q.isClosed, true);
});

test('take compacts its storage under long runs', () => {
  const q = new BoundedQueue<number>(10);
  for (let i = 0; i < 20_000; i++) {
    q.push(i, 'drop');
    assert.deepEqual(q.take(1), [i]);
  }
  assert.equal(q.length, 0);
});
