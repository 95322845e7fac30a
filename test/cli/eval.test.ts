import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/shared.ts';

const SBOB = join(REPO_ROOT, 'bin/sbob');
const EX = join(REPO_ROOT, 'examples/replay');

function run(args: string[], input?: string) {
  const r = spawnSync(SBOB, args, { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const pick = (a: Record<string, unknown>) => ({
  ruleID: a.ruleID, alertName: a.alertName, severity: a.severity, message: a.message, uniqueID: a.uniqueID,
  containerID: a.containerID, podName: a.podName, namespace: a.namespace, infectedPID: a.infectedPID,
});

test('sbob eval on the example replay produces the expected alerts', () => {
  const r = run(['eval', '--profiles', join(EX, 'profile.yaml'), '--events', join(EX, 'events.ndjson')]);
  assert.equal(r.code, 0, r.stderr);
  const alerts = r.stdout.trim().split('\n').map((l) => pick(JSON.parse(l)));
  const expected = JSON.parse(readFileSync(join(EX, 'expected-alerts.json'), 'utf8'));
  assert.deepEqual(alerts, expected);
  assert.deepEqual(alerts.map((a) => a.ruleID), ['R0001', 'R0006', 'R0005', 'R1008', 'R0010']);
  assert.match(r.stderr, /11 events, 5 alerts, 1 suppressed by cooldown, 0 bad lines/);
});

test('sbob eval reports bad lines with their line numbers and loses nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-eval-'));
  const events = readFileSync(join(EX, 'events.ndjson'), 'utf8').trim().split('\n');
  const lines = [events[0], '{not json', events[6], '{"eventType":"exec","pid":"12"}', '[1,2]', '{"comm":"x"}', events[7]];
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = run(['eval', '--profiles', join(EX, 'profile.yaml'), '--events', file]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, new RegExp(`${file}:2: skipped: invalid JSON`));
  assert.match(r.stderr, new RegExp(`${file}:4: skipped: field pid: must be an integer, got "12"`));
  assert.match(r.stderr, new RegExp(`${file}:5: skipped: expected a JSON object`));
  assert.match(r.stderr, new RegExp(`${file}:6: skipped: .*eventType`));
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).ruleID), ['R0001', 'R0006']);
});

test('sbob eval reads stdin and honours --no-cooldown', () => {
  const events = readFileSync(join(EX, 'events.ndjson'), 'utf8');
  const r = run(['eval', '--no-cooldown', '--profiles', join(EX, 'profile.yaml'), '--events', '-'], events);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').filter((l) => JSON.parse(l).ruleID === 'R0001').length, 2);
});

test('sbob eval: a broken profile or rule is an error naming file, object and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-eval-'));
  const prof = join(dir, 'bad.yaml');
  writeFileSync(prof, readFileSync(join(EX, 'profile.yaml'), 'utf8').replace('syscalls: [accept4', 'syscalls: 7\n      x: [accept4'));
  const r = run(['eval', '--profiles', prof, '--events', join(EX, 'events.ndjson')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${prof}:\\d+: ApplicationProfile shop/web: field spec\\.containers\\[0\\]\\.syscalls: must be array`));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, 'apiVersion: kubescape.io/v1\nkind: Rules\nmetadata: {name: r}\nspec:\n  rules:\n    - id: X1\n      name: x\n      expressions: {message: "\'m\'", uniqueId: "\'u\'", ruleExpression: [{eventType: exec, expression: "nope.f(1)"}]}\n');
  const r2 = run(['eval', '--rules', rules, '--events', join(EX, 'events.ndjson')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, new RegExp(`${rules}:6: rule X1: field expressions\\.ruleExpression\\[0\\]\\.expression: line 1, column 1: Unknown variable: nope`));
  const r3 = run(['eval', '--events', join(dir, 'missing.ndjson')]);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /missing\.ndjson: ENOENT/);
});
