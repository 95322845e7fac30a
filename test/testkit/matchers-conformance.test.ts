// Runs the shared conformance file matchers.yaml (read in place, never copied) through sbob's runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { runMatcherFile, OPERATIONS, MATCHERS_FORMAT } from '../../src/testkit/matchers.ts';

const FILE = fileURLToPath(new URL('../../../shared/conformance/matchers.yaml', import.meta.url));
const skip = existsSync(FILE) ? false : `shared/ conformance data not found at ${FILE}`;

test('matchers.yaml: every case and property passes', { skip }, () => {
  const doc = YAML.parse(readFileSync(FILE, 'utf8'));
  const results = runMatcherFile(doc, FILE);
  const failed = results.filter((r) => r.status === 'failed');
  const skipped = results.filter((r) => r.status === 'skipped');
  assert.equal(results.length, (doc.cases?.length ?? 0) + (doc.properties?.length ?? 0));
  assert.deepEqual(
    failed.map((r) => `${r.id}: ${r.reason}`),
    [],
  );
  assert.deepEqual(skipped.map((r) => r.id), [], 'nothing is skipped');
  // every function named in the file is dispatched to an implementation
  for (const c of doc.cases) assert.ok(OPERATIONS[c.function], `no operation for ${c.function}`);
});

test('runMatcherFile: wrong format and unknown functions are failures with a reason', () => {
  const bad = runMatcherFile({ format: 'something/else', cases: [] }, 'x.yaml');
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.status, 'failed');
  assert.match(bad[0]!.reason!, /x\.yaml: field format: expected kubescape-rule-conformance\/matchers\/v1/);

  const res = runMatcherFile(
    {
      format: MATCHERS_FORMAT,
      cases: [
        { id: 'p1', function: 'compareDynamic', pattern: '/etc/*', input: '/etc/passwd', expect: { match: true } },
        { id: 'p2', function: 'compareDynamic', pattern: '/etc/*', input: '/etc', expect: { match: true } },
        { id: 'u1', function: 'frobnicate', input: 'x', expect: {} },
      ],
    },
    'mini.yaml',
  );
  assert.deepEqual(res.map((r) => r.status), ['passed', 'failed', 'failed']);
  assert.match(res[1]!.reason!, /match: expected true, got false/);
  assert.equal(res[1]!.expected, true);
  assert.equal(res[1]!.actual, false);
  assert.match(res[2]!.reason!, /mini\.yaml: case u1: field function: "frobnicate" has no sbob implementation/);
});

test('runMatcherFile: list expectations report what differs', () => {
  const res = runMatcherFile(
    {
      format: MATCHERS_FORMAT,
      cases: [
        {
          id: 'o1',
          function: 'analyzeOpens',
          analyzer: { threshold: 2, collapseConfigs: [] },
          sbom: [],
          input: [{ path: '/a/1' }, { path: '/a/2' }, { path: '/a/3' }],
          expect: { count: 3 },
        },
        {
          id: 'o2',
          function: 'analyzeOpens',
          analyzer: { threshold: 2, collapseConfigs: [] },
          sbom: [],
          input: [{ path: '/a/1', flags: ['R'] }, { path: '/a/2', flags: ['W'] }, { path: '/a/3' }],
          expect: { output: [{ path: '/a/⋯', flags: ['R', 'W'] }], includes: ['/a/⋯'], allHaveWildcard: true },
        },
      ],
    },
    'mini.yaml',
  );
  assert.equal(res[0]!.status, 'failed');
  assert.match(res[0]!.reason!, /result count: expected 3, got 1/);
  assert.equal(res[1]!.status, 'passed');
});
