import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchDNS, compileDNSSet, isValidDNSEntry, assertDNSEntry, InvalidDNSEntryError } from '../../src/match/index.ts';

test('matchDNS: case, trailing dot, anchoring', () => {
  assert.equal(matchDNS(['API.Stripe.com.'], 'api.stripe.com'), true);
  assert.equal(matchDNS(['api.stripe.com'], 'api.stripe.com.'), true);
  assert.equal(matchDNS(['api.stripe.com.'], 'v1.api.stripe.com.'), false);
  assert.equal(matchDNS(['api.stripe.com.'], ''), false);
  assert.equal(matchDNS(['a.b'], 'a..b'), false);
});

test('matchDNS: leading * one label, ⋯ one label, trailing * one or more', () => {
  assert.equal(matchDNS(['*.example.com.'], 'api.example.com.'), true);
  assert.equal(matchDNS(['*.example.com.'], 'example.com.'), false);
  assert.equal(matchDNS(['*.example.com.'], 'a.b.example.com.'), false);
  assert.equal(matchDNS(['kubernetes.⋯.svc.cluster.local.'], 'kubernetes.default.svc.cluster.local'), true);
  assert.equal(matchDNS(['kubernetes.⋯.svc.cluster.local.'], 'kubernetes.svc.cluster.local'), false);
  assert.equal(matchDNS(['internal.*'], 'internal.a.b.c.'), true);
  assert.equal(matchDNS(['internal.*'], 'internal.'), false);
  assert.equal(matchDNS(['a.*.c'], 'a.b.c'), true, 'middle * is one label at match time');
  assert.equal(matchDNS(['**', '', '*', 'foo..bar'], 'foo.bar'), false, 'invalid entries ignored');
});

test('compileDNSSet: exact first, then MatchDNS', () => {
  const s = compileDNSSet(['Api.Example.com.', '*.stripe.com', 'a..b']);
  assert.equal(s.has('api.example.com'), true, 'case-insensitive via MatchDNS');
  assert.equal(s.has('Api.Example.com'), true, 'exact without the trailing dot');
  assert.equal(s.has('x.stripe.com.'), true);
  assert.equal(s.has('x.y.stripe.com.'), false);
  assert.equal(s.has('a..b'), true, 'exact string membership precedes MatchDNS');
  assert.equal(s.has(''), false);
  for (const o of ['api.example.com.', 'x.stripe.com', 'stripe.com', 'foo']) {
    assert.equal(s.has(o), matchDNS(['Api.Example.com.', '*.stripe.com'], o));
  }
});

test('DNS entry grammar', () => {
  for (const ok of ['api.stripe.com.', '*.example.com.', 'internal.*', 'kubernetes.⋯.svc.cluster.local.', 'under_score.io']) {
    assert.equal(isValidDNSEntry(ok), true, ok);
  }
  for (const bad of ['.', '**', '*', 'foo..bar.', 'foo.*.bar.', 'bad label.com', '-x.com']) {
    assert.equal(isValidDNSEntry(bad), false, bad);
  }
  assert.throws(() => assertDNSEntry('foo.*.bar'), (e: unknown) => e instanceof InvalidDNSEntryError && /first or last/.test(e.message));
});
