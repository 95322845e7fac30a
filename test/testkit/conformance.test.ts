/**
 * Upstream's own conformance cases, run through `sbob test` (the product feature), as CI runs them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, sharedPath, skipUnlessShared } from '../support/shared.ts';

function sbobTest(args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync(`${REPO_ROOT}bin/sbob`, ['test', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

function lastLine(out: string): string {
  return out.trim().split('\n').at(-1) ?? '';
}

test('upstream rule cases pass against upstream rules', { skip: skipUnlessShared('conformance/cases.yaml') }, () => {
  const r = sbobTest(['--rules', sharedPath('conformance/rules'), sharedPath('conformance/cases.yaml')]);
  assert.match(lastLine(r.out), /^\d+ passed, 0 failed$/, r.out);
  assert.equal(r.code, 0);
  assert.ok(Number(lastLine(r.out).split(' ')[0]) >= 100, 'expected the full case set');
});

test('upstream helper cases pass; only internal cases without an equivalent may skip', { skip: skipUnlessShared('conformance/helpers.yaml') }, () => {
  const r = sbobTest([sharedPath('conformance/helpers.yaml')]);
  assert.match(lastLine(r.out), /^\d+ passed, 0 failed(, \d+ skipped)?$/, r.out);
  assert.equal(r.code, 0);
});

test('the same helper cases under sbob semantics differ only where sbob honours ports on purpose', { skip: skipUnlessShared('conformance/helpers.yaml') }, () => {
  const r = sbobTest(['--semantics', 'sbob', sharedPath('conformance/helpers.yaml')]);
  const failures = r.out.split('\n').filter((l) => l.startsWith('FAIL '));
  assert.ok(failures.length > 0, 'sbob semantics should differ from upstream somewhere');
  // every difference is a port/protocol query or the opens-pattern affix scan
  for (const f of failures) {
    const id = f.split(' ')[2]!.replace(/:$/, '');
    assert.match(id, /^(network|netintegration|netwildcard|netcoverage|legacy-nn|open)-\d+$/, f);
  }
});
