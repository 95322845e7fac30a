import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareExecArgs, matchExecArgs, matchArgToken } from '../../src/match/index.ts';

test('compareExecArgs: empty recorded argv is no constraint', () => {
  assert.equal(compareExecArgs([], []), true);
  assert.equal(compareExecArgs([], ['a', 'b']), true);
  assert.equal(compareExecArgs(['a'], []), false);
});

test('compareExecArgs: anchored, ⋯ one arg, ⋯⋯ zero or more, * literal', () => {
  assert.equal(compareExecArgs(['sh', '-c', '⋯⋯'], ['sh', '-c']), true);
  assert.equal(compareExecArgs(['sh', '-c', '⋯⋯'], ['sh', '-c', 'a', 'b']), true);
  assert.equal(compareExecArgs(['sh', '⋯⋯', 'exit'], ['sh', '-c', 'echo hi', 'exit']), true);
  assert.equal(compareExecArgs(['sh', '⋯⋯', 'exit'], ['sh', '-c', 'echo hi']), false);
  assert.equal(compareExecArgs(['⋯'], ['a', 'b']), false);
  assert.equal(compareExecArgs(['⋯', '⋯'], ['a', 'b']), true);
  assert.equal(compareExecArgs(['echo', '*'], ['echo', 'anything']), false);
  assert.equal(compareExecArgs(['echo', '*'], ['echo', '*']), true);
  assert.equal(compareExecArgs(['⋯⋯', '⋯'], []), false);
});

test('⋯ inside a token matches one / segment', () => {
  assert.equal(matchArgToken('/data/⋯/dump.rdb', '/data/x/dump.rdb'), true);
  assert.equal(matchArgToken('/data/⋯/dump.rdb', '/data/x/y/dump.rdb'), false);
  assert.equal(matchArgToken('/opt/⋯/bin*', '/opt/v2/binX'), false);
  assert.equal(compareExecArgs(['-D', '/var/lib/postgresql/⋯/data'], ['-D', '/var/lib/postgresql/16/data']), true);
});

test('matchExecArgs: argsRequired=false admits all, true is strict', () => {
  assert.equal(matchExecArgs(['x'], false, ['completely', 'different']), true);
  assert.equal(matchExecArgs([], true, []), true);
  assert.equal(matchExecArgs([], true, ['x']), false);
  assert.equal(matchExecArgs(['-c', '⋯⋯'], true, ['-c', 'echo', 'hi']), true);
  // agrees with compareExecArgs when argsRequired = (pattern non-empty)
  for (const [p, r] of [[[], []], [[], ['a']], [['⋯'], []], [['-c', '⋯⋯'], ['-c', 'a']]] as Array<[string[], string[]]>) {
    assert.equal(compareExecArgs(p, r), matchExecArgs(p, p.length > 0, r));
  }
});

test('⋯⋯ backtracking stays fast on long argv', () => {
  const p = Array(30).fill('⋯⋯').concat(['never']);
  const r = Array.from({ length: 200 }, (_, i) => `a${i}`);
  const t0 = performance.now();
  assert.equal(compareExecArgs(p, r), false);
  assert.ok(performance.now() - t0 < 500);
});
