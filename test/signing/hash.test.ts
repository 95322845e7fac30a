import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalHash, treeHash } from '../../src/signing/index.ts';

const H = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

test('tree hash: leaves (signing.md §1.2)', () => {
  assert.equal(treeHash(null), H('null'));
  assert.equal(treeHash(true), H('true'));
  assert.equal(treeHash('⋯'), H(Buffer.from('⋯', 'utf8')));
  const b = Buffer.alloc(8);
  b.writeDoubleBE(6379);
  assert.equal(treeHash(6379), H(b), 'numbers hash as big-endian float64');
  assert.equal(treeHash([]), H(''));
  assert.equal(treeHash({}), H(''));
  assert.equal(treeHash(''), H(''));
});

test('tree hash: arrays are multisets, objects sorted entries; the documented type confusion holds', () => {
  assert.equal(treeHash(['read', 'write', 'close']), treeHash(['close', 'read', 'write']));
  assert.notEqual(treeHash(['close']), treeHash(['close', 'close']));
  assert.equal(treeHash({ a: 1, b: [2] }), treeHash({ b: [2], a: 1 }));
  assert.notEqual(treeHash({ a: null }), treeHash({ a: [] }));
  assert.notEqual(treeHash({ a: [] }), treeHash({}));
  assert.equal(treeHash(['x']), treeHash(H('x')), 'array ["x"] collides with the string hex(H("x")) (kept for interop)');
  const entry = `${H('k')}:${H('v')}`;
  assert.equal(treeHash({ k: 'v' }), H(entry));
});

test('tree hash: only a top-level .status.conditions is excluded', () => {
  assert.equal(treeHash({ status: { conditions: [1], x: 1 } }), treeHash({ status: { x: 1 } }));
  assert.notEqual(treeHash({ spec: { status: { conditions: [1] } } }), treeHash({ spec: { status: {} } }));
});

test('canonical hash: order, types and structure are all covered', () => {
  assert.notEqual(canonicalHash(['a', 'b']), canonicalHash(['b', 'a']));
  assert.notEqual(canonicalHash(['x']), canonicalHash(H('x')));
  assert.notEqual(canonicalHash([]), canonicalHash({}));
  assert.notEqual(canonicalHash(1), canonicalHash('1'));
  assert.equal(canonicalHash({ a: 1, b: 2 }), canonicalHash({ b: 2, a: 1 }));
  assert.match(canonicalHash({}), /^[0-9a-f]{64}$/);
});
