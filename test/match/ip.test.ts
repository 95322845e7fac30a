import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseIP,
  canonicalIP,
  parseCIDR,
  matchIP,
  compileIPSet,
  isValidIPEntry,
  assertIPEntry,
  parseIPOrThrow,
  InvalidIPError,
  InvalidIPEntryError,
} from '../../src/match/index.ts';

test('parseIP follows Go net.ParseIP', () => {
  assert.deepEqual([...parseIP('1.2.3.4')!], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
  assert.equal(parseIP('01.2.3.4'), null, 'leading zero');
  assert.equal(parseIP('256.1.1.1'), null);
  assert.equal(parseIP('1.2.3'), null);
  assert.equal(parseIP('1.2.3.4.5'), null);
  assert.equal(parseIP('fe80::1%eth0'), null, 'zones rejected');
  assert.equal(parseIP('1::2::3'), null);
  assert.equal(parseIP('12345::'), null);
  assert.equal(parseIP('1:2:3:4:5:6:7:8::'), null, ':: must stand for a zero group');
  assert.ok(parseIP('::ffff:10.0.0.1'));
  assert.ok(parseIP('::'));
  assert.equal(parseIP(''), null);
  assert.equal(parseIP('abc'), null);
});

test('canonicalIP matches Go IP.String()', () => {
  assert.equal(canonicalIP('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(canonicalIP('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIP('1:0:0:2:0:0:0:3'), '1:0:0:2::3', 'longest zero run');
  assert.equal(canonicalIP('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4', 'first of equal runs');
  assert.equal(canonicalIP('1:0:2:3:4:5:6:7'), '1:0:2:3:4:5:6:7', 'single zero group stays');
  assert.equal(canonicalIP('::'), '::');
  assert.equal(canonicalIP('::1.2.3.4'), '::102:304', 'IPv4-compatible is not IPv4-mapped');
  assert.equal(canonicalIP('nope'), null);
});

test('parseCIDR: host bits allowed, family widths enforced', () => {
  const c = parseCIDR('10.1.2.3/8')!;
  assert.equal(c.bits, 8);
  assert.equal(c.v4, true);
  assert.ok(c.contains(parseIP('10.200.0.1')!));
  assert.ok(c.contains(parseIP('::ffff:10.0.0.1')!), 'IPv4 CIDR contains IPv4-mapped');
  assert.equal(parseCIDR('10.0.0.0/33'), null);
  assert.equal(parseCIDR('10.0.0.0/'), null);
  assert.equal(parseCIDR('2001:db8::/129'), null);
  assert.ok(parseCIDR('2001:db8::/128'));
  assert.equal(parseCIDR('::/0')!.contains(parseIP('1.2.3.4')!), false);
});

test('matchIP: *, CIDR, literal by value, invalid entries ignored', () => {
  assert.equal(matchIP(['*'], '::1'), true);
  assert.equal(matchIP(['*'], 'not-an-ip'), false);
  assert.equal(matchIP(['10.0.0.0/8'], '10.255.255.255'), true);
  assert.equal(matchIP(['10.0.0.0/8'], '11.0.0.1'), false);
  assert.equal(matchIP(['2001:db8::1'], '2001:0db8:0:0:0:0:0:1'), true);
  assert.equal(matchIP(['10.0.0.1'], '::ffff:10.0.0.1'), true);
  assert.equal(matchIP(['not-an-ip', '', '10.1.2.3'], '10.1.2.3'), true);
  assert.equal(matchIP([], '1.2.3.4'), false);
  assert.equal(matchIP(['0.0.0.0/0'], '2001:db8::1'), false);
});

test('compileIPSet: helper semantics (exact string, canonical, MatchIP)', () => {
  const s = compileIPSet(['weird-entry', '10.0.0.1', '2001:db8::1', '192.168.0.0/16']);
  assert.equal(s.has(''), false);
  assert.equal(s.has('weird-entry'), true, 'exact string membership comes first');
  assert.equal(s.has('::ffff:10.0.0.1'), true);
  assert.equal(s.has('2001:0db8::0001'), true);
  assert.equal(s.has('192.168.44.5'), true);
  assert.equal(s.has('10.0.0.2'), false);
  assert.equal(compileIPSet(['*']).has('8.8.8.8'), true);
  assert.equal(compileIPSet(['*']).has('nope'), false);
  // agrees with matchIP for parseable observations
  const entries = ['10.0.0.0/8', '::1', 'x', '*'];
  for (const o of ['10.1.1.1', '::1', '1.1.1.1', 'bad']) {
    assert.equal(compileIPSet(entries.slice(0, 3)).has(o), matchIP(entries.slice(0, 3), o) || o === 'x');
  }
});

test('IP entry validation errors name the entry', () => {
  assert.equal(isValidIPEntry('*'), true);
  assert.equal(isValidIPEntry('10.0.0.0/40'), false);
  assert.equal(isValidIPEntry(''), false);
  assert.throws(() => assertIPEntry('not-an-ip/8'), (e: unknown) => e instanceof InvalidIPEntryError && /"not-an-ip\/8"/.test(e.message));
  assert.throws(() => parseIPOrThrow('1.2.3'), InvalidIPError);
});
