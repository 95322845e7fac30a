import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from '../support/shared.ts';

const TOKEN = '/run/secrets/kubernetes.io/serviceaccount/token';

test('npm start (sbob demo) runs the agent on examples/demo and prints the scenario alerts readably', () => {
  const hostTokenBefore = existsSync(TOKEN);
  const r = spawnSync('npm', ['start', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  if (/^mode: live kernel events/m.test(out)) {
    // live: greeter's profile is recorded here first; the fake token lives in a private mount namespace only
    assert.match(out, /^\[0\] greeter's SBoB, recorded on this machine under the kernel tracer/m);
    assert.match(out, /^ {2}\d+ kernel events \(0 lost\) → ApplicationProfile \+ NetworkNeighborhood demo\/greeter: /m);
    assert.match(out, /open +node +\/run\/secrets\/kubernetes\.io\/serviceaccount\/token/);
    assert.match(out, /dns +node +lookup pool\.supportxmr\.com\./);
    assert.equal(existsSync(TOKEN), hostTokenBefore, 'the host\'s /run is untouched');
  }
  // the header says which mode ran, and why
  assert.match(out, /^mode: (live kernel events \(.+\)|recorded replay of examples\/demo\/scenario\.ndjson \(reason: .+\))$/m);
  // the signed SBoB and the rules pass the agent's strict verification gate
  assert.match(out, /ApplicationProfile demo\/greeter .* … verified \(signer demo-vendor\)/);
  assert.match(out, /NetworkNeighborhood demo\/greeter .* … verified \(signer demo-vendor\)/);
  assert.match(out, /agent: loaded ApplicationProfile\/demo\/greeter, NetworkNeighborhood\/demo\/greeter; \d+ rules/);
  // normal behaviour raises nothing
  const normal = out.slice(out.indexOf('[2] normal'), out.indexOf('[3] the attack'));
  assert.doesNotMatch(normal, /ALERT/);
  assert.match(normal, /no alert: everything is in the SBoB/);
  // the four scenario alerts, one readable block each (rule id + name, severity, message, where)
  for (const id of ['R0001', 'R0006', 'R1008', 'R0005', 'R1016']) {
    assert.match(out, new RegExp(`▲ ALERT ${id} .+ — severity \\d+ \\((low|medium|high|critical)\\)\\n {6}\\S.*\\n {6}where: `), id);
  }
  assert.match(out, /▲ ALERT R0006 Unexpected service account token access .*\n.*serviceaccount\/token read by /);
  assert.match(out, /▲ ALERT R1008 Crypto Mining Domain Communication .*\n.*pool\.supportxmr\.com/);
  // the tampered update is rejected, the old profile stays, R1016 fires, curl still alerts
  assert.match(out, /tampered profile update rejected: signature does not match the object content/);
  assert.match(out, /the last verified ApplicationProfile\/demo\/greeter stays in force/);
  const after = out.slice(out.indexOf('[5] after the rejected update'));
  const allowed = /with (\/\S+) added to its execs after signing/.exec(out)?.[1];
  assert.ok(allowed, 'the output names the exec the tampered profile adds');
  assert.match(after, new RegExp(`▲ ALERT R0001 Unexpected process launched .*\\n.*ran ${allowed}, which the container profile does not list`));
  assert.match(out, /^done: \d+ (kernel events traced|events replayed), \d+ alerts \(.*R1016.*\); agent stopped$/m);
  // the agent's JSON logs are hidden without --verbose
  assert.doesNotMatch(r.stdout + r.stderr, /"level":/);
});

test('without bpftrace, sbob demo --verbose replays the recorded scenario, says why, and shows the agent\'s JSON logs on stderr', () => {
  const r = spawnSync(process.execPath, ['bin/sbob', 'demo', '--verbose'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, SBOB_BPFTRACE: '/nonexistent/bpftrace' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mode: recorded replay of examples\/demo\/scenario\.ndjson \(reason: the kernel tracer cannot run here: .*bpftrace not found \(looked for `\/nonexistent\/bpftrace`.*\)$/m);
  const logs = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; status?: string; keptPrevious?: boolean });
  const rej = logs.find((l) => l.msg === 'object update rejected; the last verified version stays in force');
  assert.ok(rej, 'the agent logged the rejected update');
  assert.equal(rej.status, 'tampered');
  assert.equal(rej.keptPrevious, true);
  assert.ok(logs.some((l) => l.msg === 'agent stopped'));
  // the recorded scenario yields exactly these alerts, in this order
  assert.deepEqual([...r.stdout.matchAll(/▲ ALERT (R\d{4}) /g)].map((m) => m[1]), ['R0001', 'R0006', 'R0005', 'R1008', 'R1016', 'R0001']);
  assert.match(r.stdout, /ran \/usr\/bin\/wget, which the container profile does not list/);
  assert.match(r.stdout, /replaced by examples\/demo\/tampered\/application-profile\.yaml/);
  assert.match(r.stdout, /ran \/usr\/bin\/curl, which the container profile does not list/);
  assert.match(r.stdout, /^done: 10 events replayed, 6 alerts \(R0001 ×2, R0006, R0005, R1008, R1016\); agent stopped$/m);
});

test('runDemo({ replay: true }) in-process: replay even where the tracer could run; the result lists the alerts', async () => {
  const { runDemo } = await import('../../src/cli/commands/demo.ts');
  let text = '';
  const res = await runDemo({ replay: true, write: (s) => { text += s; } });
  assert.equal(res.mode, 'replay');
  assert.equal(res.tamperRejected, true);
  assert.equal(res.events, 10);
  assert.deepEqual(res.alerts.map((a) => a.ruleID), ['R0001', 'R0006', 'R0005', 'R1008', 'R1016', 'R0001']);
  assert.match(text, /^mode: recorded replay of .*scenario\.ndjson \(reason: --replay was given\)$/m);
});

test('a bad scenario line is reported with the file, the line number and the field', async () => {
  const { readScenario } = await import('../../src/cli/commands/demo.ts');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const file = join(mkdtempSync(join(tmpdir(), 'sbob-demo-test-')), 'scenario.ndjson');
  writeFileSync(file, '{"demoStep":"normal","eventType":"exec"}\n\n{"demoStep":"later","eventType":"exec"}\n');
  assert.throws(() => readScenario(file), { message: `${file}: line 3: field "demoStep" must be normal, attack or after-update, got "later"` });
  writeFileSync(file, '{"demoStep":"normal",\n');
  assert.throws(() => readScenario(file), (e: Error) => e.message.startsWith(`${file}: line 1: `) && /JSON/.test(e.message));
  assert.equal(readScenario(join(REPO_ROOT, 'examples', 'demo', 'scenario.ndjson')).length, 10);
});
