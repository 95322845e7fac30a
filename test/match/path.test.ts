import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDynamic, compileDynamic, normalizePath, cleanPath, splitSegments } from '../../src/match/index.ts';

test('compareDynamic: literals, ⋯ and trailing slashes', () => {
  assert.equal(compareDynamic('/etc/passwd', '/etc/passwd'), true);
  assert.equal(compareDynamic('/etc/passwd', '/etc/shadow'), false);
  assert.equal(compareDynamic('/etc/passwd/', '/etc/passwd'), true);
  assert.equal(compareDynamic('/etc', '/etc/'), true);
  assert.equal(compareDynamic('/var/log/⋯/access.log', '/var/log/nginx/access.log'), true);
  assert.equal(compareDynamic('/a/⋯/c', '/a/c'), false, '⋯ is exactly one segment');
  assert.equal(compareDynamic('/a/⋯/c', '/a/x/y/c'), false);
  assert.equal(compareDynamic('/lib/*.so', '/lib/x.so'), false, '* inside a segment is literal');
  assert.equal(compareDynamic('/lib/*.so', '/lib/*.so'), true);
});

test('compareDynamic: * is zero-or-more in the middle, one-or-more at the end', () => {
  assert.equal(compareDynamic('/a/*/b', '/a/b'), true);
  assert.equal(compareDynamic('/a/*/b', '/a/x/y/b'), true);
  assert.equal(compareDynamic('/a/*/b', '/a/x/c'), false);
  assert.equal(compareDynamic('/etc/*', '/etc'), false);
  assert.equal(compareDynamic('/etc/*', '/etc/'), false);
  assert.equal(compareDynamic('/etc/*', '/etc/ssh/sshd_config'), true);
  assert.equal(compareDynamic('/etc/*', '/etcfoo/x'), false);
  assert.equal(compareDynamic('/*/*', '/foo'), true, 'adjacent * behave as one');
  assert.equal(compareDynamic('/*', '/'), false);
});

test('compareDynamic: unanchored * and empty inputs', () => {
  assert.equal(compareDynamic('*', '/'), true);
  assert.equal(compareDynamic('*', '/foo'), true);
  assert.equal(compareDynamic('*', ''), false);
  assert.equal(compareDynamic('', '/'), false);
  assert.equal(compareDynamic('/foo', ''), false);
});

test('compareDynamic: many * segments stay fast (memoised)', () => {
  const n = 40;
  const pattern = '/' + Array(n).fill('*').join('/') + '/' + Array(n).fill('⋯').join('/') + '/tail';
  const path = '/' + Array.from({ length: 3 * n }, (_, i) => `s${i}`).join('/') + '/other';
  const t0 = performance.now();
  assert.equal(compareDynamic(pattern, path), false);
  const nonAdjacent = '/' + Array.from({ length: n }, () => '*/x').join('/') + '/end';
  const p2 = '/' + Array.from({ length: 2 * n }, () => 'x').join('/') + '/nope';
  assert.equal(compareDynamic(nonAdjacent, p2), false);
  assert.ok(performance.now() - t0 < 500, 'no exponential blow-up');
});

test('compileDynamic gives the same answers as compareDynamic', () => {
  const pats = ['/etc/*', '/a/⋯/c', '*', '', '/x'];
  const paths = ['/etc/a', '/a/b/c', '/', '', '/x/'];
  for (const p of pats) {
    const c = compileDynamic(p);
    for (const s of paths) assert.equal(c.match(s), compareDynamic(p, s), `${p} vs ${s}`);
  }
  assert.equal(compileDynamic('/a/b').dynamic, false);
  assert.equal(compileDynamic('/a/⋯').dynamic, true);
});

test('splitSegments: anchor, root and trailing slashes', () => {
  assert.deepEqual(splitSegments('/'), ['']);
  assert.deepEqual(splitSegments('/a/b/'), ['', 'a', 'b']);
  assert.deepEqual(splitSegments('a'), ['a']);
});

test('normalizePath (HEAD semantics, no /proc prefixing)', () => {
  assert.equal(normalizePath(''), '');
  assert.equal(normalizePath('.'), '/');
  assert.equal(normalizePath('usr/bin/ls'), '/usr/bin/ls');
  assert.equal(normalizePath('46/task/46/fd'), '/46/task/46/fd');
  assert.equal(normalizePath('/a//b/./c/../d/'), '/a/b/d');
  assert.equal(normalizePath('/../x'), '/x');
  assert.equal(cleanPath('a/../../b'), '../b');
});
