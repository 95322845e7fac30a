/**
 * The default rule library (rules/**): structure, conventions, the generated default-rules.yaml, the
 * `sbob rules` commands, parity of rule metadata with upstream, and the declarative test suites.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import {
  loadLibrary, buildManifest, renderManifest, summarize, formatTable, ruleDirName, LibraryErrors,
} from '../../src/rules/library/index.ts';
import { TestRunner, summarize as summarizeResults } from '../../src/testkit/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES_DIR = join(ROOT, 'rules');
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const UPSTREAM_RULES = join(SHARED, 'conformance', 'rules');
const noShared = existsSync(UPSTREAM_RULES) ? false : `shared/ conformance data not found at ${UPSTREAM_RULES}`;

const EXPECTED_IDS = [
  'R0001', 'R0002', 'R0003', 'R0004', 'R0005', 'R0006', 'R0007', 'R0008', 'R0009', 'R0010', 'R0011', 'R0040',
  'R1000', 'R1001', 'R1002', 'R1003', 'R1004', 'R1005', 'R1006', 'R1007', 'R1008', 'R1009', 'R1010', 'R1011',
  'R1012', 'R1015', 'R1016', 'R1030',
];
const DISABLED = ['R0002', 'R0011', 'R1003', 'R1011'];

function sbob(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'sbob'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lib = loadLibrary(RULES_DIR);

test('the library holds the 28 rules, sorted, with exactly R0002, R0011, R1003, R1011 disabled', () => {
  assert.deepEqual(lib.map((r) => r.rule.id), EXPECTED_IDS);
  assert.deepEqual(lib.filter((r) => !r.rule.enabled).map((r) => r.rule.id), DISABLED);
});

test('every rule lives in <id>-<kebab-name>/ and carries every CRD field', () => {
  for (const { rule, dir } of lib) {
    assert.equal(dir, ruleDirName(rule));
    for (const k of ['enabled', 'id', 'name', 'description', 'profileDependency', 'severity', 'supportPolicy', 'isTriggerAlert', 'mitreTactic', 'mitreTechnique', 'tags']) {
      assert.ok(k in rule, `${rule.id}: ${k}`);
    }
    assert.ok(rule.expressions.message && rule.expressions.uniqueId && rule.expressions.ruleExpression.length > 0, rule.id);
    assert.ok(rule.tags!.some((t) => t.startsWith('context:')), `${rule.id} has a context tag`);
    assert.ok(existsSync(join(RULES_DIR, dir, 'README.md')), `${dir}/README.md`);
  }
});

test('R1016 is the agent-emitted tamper rule on synthetic signature events', () => {
  const r = lib.find((l) => l.rule.id === 'R1016')!.rule;
  assert.equal(r.severity, 10);
  assert.equal(r.profileDependency, 2);
  assert.deepEqual(r.expressions.ruleExpression, [{ eventType: 'signature', expression: 'true' }]);
  assert.match(r.expressions.message, /event\.name/);
  assert.match(r.expressions.uniqueId, /event\.path/);
});

test('rules/default-rules.yaml is up to date with rules/*/rule.yaml (run `sbob rules build` if this fails)', () => {
  const fresh = renderManifest(buildManifest(lib));
  const committed = readFileSync(join(RULES_DIR, 'default-rules.yaml'), 'utf8');
  assert.equal(committed, fresh, 'rules/default-rules.yaml is stale: run bin/sbob rules build');
  const doc = parse(committed);
  assert.equal(doc.kind, 'Rules');
  assert.equal(doc.metadata.name, 'default-rules');
  assert.deepEqual(doc.spec.rules.map((r: { id: string }) => r.id), EXPECTED_IDS);
});

test('the build is deterministic and independent of directory order', () => {
  const a = renderManifest(buildManifest(lib));
  const b = renderManifest(buildManifest([...lib].reverse()));
  assert.equal(a, b);
  const roundTrip = parse(a).spec.rules;
  assert.deepEqual(roundTrip, lib.map((l) => l.rule).map((r) => JSON.parse(JSON.stringify(r))));
});

test('summaries and the table show every rule with its event types', () => {
  const rows = summarize(lib);
  assert.equal(rows.length, 28);
  assert.deepEqual(rows.find((r) => r.id === 'R0007')!.eventTypes, ['exec', 'network']);
  const table = formatTable(rows);
  assert.match(table, /^ID\s+NAME\s+ENABLED\s+SEVERITY\s+EVENTS\s+PROFILE\s+MITRE/);
  assert.match(table, /R1011\s+ld_preload Mechanism Use or ld\.so\.preload Modification\s+no\s+5\s+exec,open\s+1\s+TA0005\/T1574\.006/);
  assert.match(table, /28 rules, 24 enabled, 4 disabled/);
});

test('every tests.yaml has the sbob/rule-tests/v1 header and at least 3 cases for its own rule', () => {
  for (const { rule, dir } of lib) {
    const doc = parse(readFileSync(join(RULES_DIR, dir, 'tests.yaml'), 'utf8'));
    assert.equal(doc.format, 'sbob/rule-tests/v1', dir);
    assert.ok(Array.isArray(doc.cases) && doc.cases.length >= 3, `${dir}: ${doc.cases?.length} cases`);
    const ids = new Set<string>();
    for (const c of doc.cases) {
      assert.equal(c.rule, rule.id, `${dir}: ${c.id}`);
      assert.ok(!ids.has(c.id), `${dir}: duplicate case id ${c.id}`);
      ids.add(c.id);
      assert.ok(c.event?.eventType && c.expect && c.description, `${dir}: ${c.id}`);
      assert.ok(rule.expressions.ruleExpression.some((e) => e.eventType === c.event.eventType), `${c.id}: event type`);
    }
    assert.ok(doc.cases.some((c: { expect: { fires?: boolean } }) => c.expect.fires === true), `${dir}: a firing case`);
  }
});

test('rule metadata matches upstream (ids, names, event types, dependency, severity, MITRE, tags, profile data, state)', { skip: noShared }, () => {
  // Documented deviations (docs/rules.md, "Differences from upstream"):
  const deviations: Record<string, string[]> = { R1015: ['profileDataRequired'] };
  const ours = new Map(lib.map((l) => [l.rule.id, l.rule]));
  for (const file of readdirSync(UPSTREAM_RULES).filter((f) => f.endsWith('.yaml'))) {
    const up = parse(readFileSync(join(UPSTREAM_RULES, file), 'utf8')).spec.rules[0];
    if (up.eventType === 'k8s-admission' || up.expressions.ruleExpression.some((e: { eventType: string }) => e.eventType === 'k8s-admission')) continue;
    const r = ours.get(up.id);
    assert.ok(r, `missing ${up.id}`);
    const skip = deviations[up.id] ?? [];
    assert.equal(r.name, up.name, up.id);
    assert.equal(r.enabled, up.enabled, up.id);
    assert.deepEqual(r.expressions.ruleExpression.map((e) => e.eventType), up.expressions.ruleExpression.map((e: { eventType: string }) => e.eventType), up.id);
    for (const k of ['profileDependency', 'severity', 'mitreTactic', 'mitreTechnique', 'isTriggerAlert', 'supportPolicy', 'profileDataRequired', 'state']) {
      if (skip.includes(k)) continue;
      assert.deepEqual((r as unknown as Record<string, unknown>)[k], up[k], `${up.id} ${k}`);
    }
    assert.deepEqual([...new Set(r.tags)].sort(), [...new Set(up.tags as string[])].sort(), `${up.id} tags`);
    assert.notEqual(r.expressions.message, up.expressions.message, `${up.id}: message is our own`);
    assert.notEqual(r.description, up.description, `${up.id}: description is our own`);
  }
});

test('bad rule files are reported with file, object and field; every broken file at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-lib-'));
  try {
    const good = lib.find((l) => l.rule.id === 'R1002')!;
    cpSync(join(RULES_DIR, good.dir), join(dir, good.dir), { recursive: true });
    // 1. a required field missing
    const bad1 = join(dir, 'R1005-fileless-execution-detected');
    mkdirSync(bad1);
    const r1005 = readFileSync(join(RULES_DIR, 'R1005-fileless-execution-detected', 'rule.yaml'), 'utf8');
    writeFileSync(join(bad1, 'rule.yaml'), r1005.replace(/^\s+severity: 8\n/m, ''));
    // 2. wrong directory name
    const bad2 = join(dir, 'R1007-miner');
    mkdirSync(bad2);
    cpSync(join(RULES_DIR, 'R1007-crypto-miner-launched', 'rule.yaml'), join(bad2, 'rule.yaml'));
    // 3. a directory without rule.yaml
    mkdirSync(join(dir, 'R9999-empty'));
    let err: unknown;
    try {
      loadLibrary(dir);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof LibraryErrors, String(err));
    const msg = (err as Error).message;
    assert.match(msg, /R1005-fileless-execution-detected\/rule\.yaml:\d+: Rules r1005-fileless-execution-detected: field spec\.rules\[0\]\.severity: is required in the rule library/);
    assert.match(msg, /R1007-miner\/rule\.yaml:\d+: Rules r1007-crypto-miner-launched: field spec\.rules\[0\]\.id: rule R1007 "Crypto miner launched" must live in directory R1007-crypto-miner-launched, not R1007-miner/);
    assert.match(msg, /R9999-empty: rule directory has no rule\.yaml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schema errors and duplicate ids name the file and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-lib-'));
  try {
    const src = readFileSync(join(RULES_DIR, 'R1002-process-tries-to-load-a-kernel-module', 'rule.yaml'), 'utf8');
    mkdirSync(join(dir, 'R1002-process-tries-to-load-a-kernel-module'));
    writeFileSync(join(dir, 'R1002-process-tries-to-load-a-kernel-module', 'rule.yaml'), src.replace('severity: 10', 'severity: high'));
    assert.throws(() => loadLibrary(dir), /R1002-process-tries-to-load-a-kernel-module\/rule\.yaml:\d+: Rules r1002-process-tries-to-load-a-kernel-module: field spec\.rules\[0\]\.severity/);
    writeFileSync(join(dir, 'R1002-process-tries-to-load-a-kernel-module', 'rule.yaml'), src);
    mkdirSync(join(dir, 'R1002-Process-tries-to-load-a-kernel-module'));
    writeFileSync(join(dir, 'R1002-Process-tries-to-load-a-kernel-module', 'rule.yaml'), src);
    assert.throws(() => loadLibrary(dir), /duplicate rule id R1002|must live in directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sbob rules list -o json shows 28 rules with exactly 4 disabled', () => {
  const list = sbob(['rules', 'list', '-o', 'json']);
  assert.equal(list.status, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as Array<{ id: string; enabled: boolean; eventTypes: string[] }>;
  assert.equal(rows.length, 28);
  assert.deepEqual(rows.filter((r) => !r.enabled).map((r) => r.id), DISABLED);
  assert.deepEqual(rows.find((r) => r.id === 'R1016')!.eventTypes, ['signature']);
});

test('sbob rules build --out writes the manifest; --check reports a stale file with exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-build-'));
  try {
    const out = join(dir, 'rules.yaml');
    const b = sbob(['rules', 'build', '--out', out]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /wrote .*rules\.yaml \(28 rules, 24 enabled\)/);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(join(RULES_DIR, 'default-rules.yaml'), 'utf8'));
    writeFileSync(out, 'stale\n');
    const c = sbob(['rules', 'build', '--out', out, '--check']);
    assert.equal(c.status, 1);
    assert.match(c.stderr, /rules\.yaml is stale; run: sbob rules build/);
    assert.throws(() => loadLibrary(join(dir, 'nope')), /nope: rule library directory not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function runSuite(files: string[], ignore: string[]): Promise<{ passed: number; failed: number; failures: string[]; errors: string[] }> {
  const runner = new TestRunner({ rulesPath: RULES_DIR, ignore: new Set(ignore) });
  const results = [];
  for (const f of files) results.push(...(await runner.runFile(f)));
  const s = summarizeResults(results);
  const failures = results.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.reason} expected=${JSON.stringify(r.expected)} actual=${JSON.stringify(r.actual)}`);
  return { passed: s.passed, failed: s.failed, failures, errors: runner.errors };
}

test('sbob test --rules rules rules/*/tests.yaml: every case passes (0 failed), at least 3 per rule', async () => {
  const files = lib.map((l) => join(RULES_DIR, l.dir, 'tests.yaml'));
  const total = files.reduce((n, f) => n + parse(readFileSync(f, 'utf8')).cases.length, 0);
  const r = await runSuite(files, []);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.equal(r.passed, total);
  assert.ok(total >= 3 * lib.length);
});

test('detection parity: upstream conformance cases against our rules (ignoring message, uniqueId): 0 failed', { skip: noShared }, async () => {
  const cases = join(SHARED, 'conformance', 'cases.yaml');
  const total = parse(readFileSync(cases, 'utf8')).cases.length;
  const r = await runSuite([cases], ['message', 'uniqueId']);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.failures, []);
  assert.equal(r.passed, total);
});

test('our tests against upstream rules differ only on the documented deviations (docs/rules.md)', { skip: noShared }, async () => {
  const runner = new TestRunner({ rulesPath: UPSTREAM_RULES, ignore: new Set(['message', 'uniqueId']) });
  const failed: string[] = [];
  for (const l of lib) {
    for (const r of await runner.runFile(join(RULES_DIR, l.dir, 'tests.yaml'))) if (r.status === 'failed') failed.push(r.id);
  }
  assert.deepEqual(failed.sort(), [
    'R0005-05', 'R0005-06', // case-insensitive cluster-local names, empty names ignored
    'R0006-05', // token directories matched on a path boundary
    'R1004-03', 'R1004-06', // mount paths on a path boundary; unknown pod is no alert, not an error
    'R1008-03', // mining domains compared case-insensitively, trailing dot optional
    'R1011-02', // read-only open of /etc/ld.so.preload with O_CLOEXEC is not a modification
    'R1015-02', // ptrace listed in the profile
    'R1016-01', 'R1016-02', 'R1016-03', // sbob-only rule
  ]);
});

test('the sbob test command runs a rule test file against the library', () => {
  const r = sbob(['test', '--rules', 'rules', join('rules', 'R1016-signed-object-tampered', 'tests.yaml')]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /3 passed, 0 failed/);
});
