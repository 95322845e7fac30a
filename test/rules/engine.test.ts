/** The per-event pipeline: gating, bindings, prefilter, policies, cooldown, alert shape, compile errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine, RuleCompileError, md5Hex } from '../../src/rules/index.ts';
import { parseDocuments, type RulesObject, type RuleDefinition, type ProfileObject, type RuntimeRuleAlertBinding } from '../../src/model/index.ts';
import type { RuntimeEvent } from '../../src/events/index.ts';

function rules(...defs: Array<Partial<RuleDefinition> & { id: string }>): RulesObject {
  return {
    apiVersion: 'kubescape.io/v1',
    kind: 'Rules',
    metadata: { name: 'test-rules' },
    spec: {
      rules: defs.map((d) => ({
        enabled: true,
        name: `rule ${d.id}`,
        severity: 5,
        profileDependency: 0,
        tags: ['context:kubernetes'],
        ...d,
        expressions: d.expressions ?? {
          message: "'unexpected ' + event.comm",
          uniqueId: 'event.comm',
          ruleExpression: [{ eventType: 'exec', expression: '!ap.was_executed(event.containerId, event.exepath)' }],
        },
      })) as RuleDefinition[],
    },
  };
}

const PROFILE: ProfileObject = {
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'ApplicationProfile',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { containers: [{ name: 'nginx', execs: [{ path: '/usr/sbin/nginx' }], rulePolicies: { R2: { processAllowed: ['curl'] } } }] },
} as ProfileObject;

const exec = (over: Partial<RuntimeEvent> = {}): RuntimeEvent => ({
  eventType: 'exec', containerId: 'c1', containerName: 'nginx', podName: 'web-1', namespace: 'shop',
  comm: 'curl', exepath: '/usr/bin/curl', args: ['curl', 'x'], pid: 42, ppid: 1, pcomm: 'sh', uid: 0, ...over,
});

test('a firing rule produces a RuntimeAlert-shaped record', () => {
  const e = new RuleEngine({ rules: [rules({ id: 'R1', mitreTactic: 'TA0002', mitreTechnique: 'T1059' })], profiles: [PROFILE] });
  const [a, ...rest] = e.evaluate(exec({ timestamp: 1_700_000_000_000_000_000 }));
  assert.equal(rest.length, 0);
  assert.ok(a);
  assert.equal(a.ruleID, 'R1');
  assert.equal(a.alertName, 'rule R1');
  assert.equal(a.message, 'unexpected curl');
  assert.equal(a.ruleDescription, 'unexpected curl');
  assert.equal(a.uniqueID, md5Hex('curl'));
  assert.equal(a.severity, 5);
  assert.equal(a.infectedPID, 42);
  assert.equal(a.containerID, 'c1');
  assert.equal(a.containerName, 'nginx');
  assert.equal(a.podName, 'web-1');
  assert.equal(a.namespace, 'shop');
  assert.equal(a.mitreTactic, 'TA0002');
  assert.equal(a.mitreTechnique, 'T1059');
  assert.equal(a.timestamp, '2023-11-14T22:13:20.000Z');
  assert.deepEqual(a.arguments, { apChecksum: '', message: 'unexpected curl', exec: 'curl', args: ['curl', 'x'] });
  assert.deepEqual(a.identifiers.process, { name: 'curl', commandLine: 'curl x' });
  assert.deepEqual(a.identifiers.file, { name: 'curl', directory: '/usr/bin' });
  assert.equal(a.profileMetadata?.status, 'completed');
  assert.equal(a.profileMetadata?.failOnProfile, true);
  assert.equal(a.alertType, 0);
  assert.equal(a.hostName, '');
  // an allowed exec does not fire
  assert.deepEqual(e.evaluate(exec({ comm: 'nginx', exepath: '/usr/sbin/nginx' })), []);
});

test('profileDependency: 0 skips without a profile, 1 evaluates with helpers false, 2 always evaluates', () => {
  const r = rules(
    { id: 'R0', profileDependency: 0 },
    { id: 'R1', profileDependency: 1 },
    { id: 'R2', profileDependency: 2, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'exec', expression: "event.exepath.startsWith('/usr')" }] } },
  );
  const e = new RuleEngine({ rules: [r], cooldown: { disabled: true } });
  const ids = e.evaluate(exec()).map((a) => a.ruleID);
  assert.deepEqual(ids, ['R1', 'R2']);
  assert.equal(e.stats.skipped.profile_incomplete, 1);
  const alertR1 = e.evaluate(exec()).find((a) => a.ruleID === 'R1');
  assert.equal(alertR1?.profileMetadata?.errorMessage, 'container c1 not found in container-profile cache');
});

test('expressions of the same event type are ANDed; other types are not evaluated', () => {
  const r = rules({
    id: 'R1',
    profileDependency: 2,
    expressions: {
      message: "'m'", uniqueId: 'event.comm',
      ruleExpression: [
        { eventType: 'exec', expression: "event.comm == 'curl'" },
        { eventType: 'exec', expression: 'event.pid > uint(40)' },
        { eventType: 'open', expression: 'false' },
      ],
    },
  });
  const e = new RuleEngine({ rules: [r], cooldown: { disabled: true } });
  assert.equal(e.evaluate(exec()).length, 1);
  assert.equal(e.evaluate(exec({ pid: 10 })).length, 0);
  assert.equal(e.evaluate({ ...exec(), eventType: 'open', path: '/x' }).length, 0);
});

test('cooldown: one alert per uniqueId/container/rule per window, sliding', () => {
  let now = 0;
  const e = new RuleEngine({ rules: [rules({ id: 'R1', profileDependency: 1 })], cooldown: { durationMs: 1000 }, now: () => now });
  assert.equal(e.evaluate(exec()).length, 1);
  now = 500;
  assert.equal(e.evaluate(exec()).length, 0, 'suppressed');
  assert.equal(e.evaluate(exec({ containerId: 'c2' })).length, 1, 'another container alerts');
  assert.equal(e.evaluate(exec({ comm: 'wget' })).length, 1, 'another uniqueId alerts');
  now = 1400;
  assert.equal(e.evaluate(exec()).length, 0, 'the suppressed firing at 500 renewed the window');
  now = 2500;
  assert.equal(e.evaluate(exec()).length, 1);
  assert.equal(e.stats.suppressed, 2);
});

test('supportPolicy: a process allowed by the profile rule policy is skipped', () => {
  const r = rules({ id: 'R2', supportPolicy: true });
  const e = new RuleEngine({ rules: [r], profiles: [PROFILE], cooldown: { disabled: true } });
  e.registerContainer({ containerId: 'c1', name: 'nginx', namespace: 'shop', podName: 'web-1' });
  assert.equal(e.evaluate(exec()).length, 0);
  assert.equal(e.stats.skipped.policy, 1);
  assert.equal(e.evaluate(exec({ comm: 'wget', exepath: '/usr/bin/wget' })).length, 1);
});

test('prefilter from state and binding parameters', () => {
  const r = rules({
    id: 'R1', profileDependency: 2, state: { includePrefixes: ['/usr/'] },
    expressions: { message: "'m'", uniqueId: 'event.exepath', ruleExpression: [{ eventType: 'exec', expression: 'true' }] },
  });
  const e = new RuleEngine({ rules: [r], cooldown: { disabled: true } });
  assert.equal(e.evaluate(exec()).length, 1);
  assert.equal(e.evaluate(exec({ exepath: '/usrx/bin/a' })).length, 0, 'boundary-aware prefix');
  const binding: RuntimeRuleAlertBinding = {
    apiVersion: 'kubescape.io/v1', kind: 'RuntimeRuleAlertBinding', metadata: { name: 'b' },
    spec: { rules: [{ ruleID: 'R1', parameters: { includePrefixes: ['/opt'] } }] },
  };
  e.setBindings([binding]);
  assert.equal(e.evaluate(exec()).length, 0, 'binding parameters replace state keys');
  assert.equal(e.evaluate(exec({ exepath: '/opt/x' })).length, 1);
});

test('bindings select pods by namespace and labels, and rules by id, name or tag', () => {
  const r = rules(
    { id: 'R1', profileDependency: 2, tags: ['context:kubernetes', 'net'], expressions: { message: "'m'", uniqueId: "'1'", ruleExpression: [{ eventType: 'exec', expression: 'true' }] } },
    { id: 'R2', name: 'second', profileDependency: 2, expressions: { message: "'m'", uniqueId: "'2'", ruleExpression: [{ eventType: 'exec', expression: 'true' }] } },
  );
  const binding = (spec: RuntimeRuleAlertBinding['spec']): RuntimeRuleAlertBinding => ({
    apiVersion: 'kubescape.io/v1', kind: 'RuntimeRuleAlertBinding', metadata: { name: 'b' }, spec,
  });
  const e = new RuleEngine({ rules: [r], cooldown: { disabled: true } });
  e.setBindings([binding({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, rules: [{ ruleTags: ['net'] }, { ruleName: 'second' }] })]);
  assert.deepEqual(e.evaluate(exec({ podLabels: { app: 'web' } })).map((a) => a.ruleID), ['R1', 'R2']);
  assert.deepEqual(e.evaluate(exec({ podName: 'db-1', podLabels: { app: 'db' } })).map((a) => a.ruleID), []);
  assert.deepEqual(e.evaluate(exec({ namespace: 'other', podName: 'web-9', podLabels: { app: 'web' } })).map((a) => a.ruleID), []);
  assert.equal(e.stats.skipped.no_rules_for_pod, 2);
});

test('context routing: host events need host monitoring and a context:host tag', () => {
  const r = rules(
    { id: 'H', profileDependency: 2, tags: ['context:host'], expressions: { message: "'m'", uniqueId: "'h'", ruleExpression: [{ eventType: 'exec', expression: 'true' }] } },
    { id: 'K', profileDependency: 2, tags: [], expressions: { message: "'m'", uniqueId: "'k'", ruleExpression: [{ eventType: 'exec', expression: 'true' }] } },
  );
  const off = new RuleEngine({ rules: [r] });
  assert.deepEqual(off.evaluate(exec({ context: 'host' })), []);
  const on = new RuleEngine({ rules: [r], hostMonitoring: true });
  assert.deepEqual(on.evaluate(exec({ context: 'host' })).map((a) => a.ruleID), ['H']);
  assert.deepEqual(on.evaluate(exec()).map((a) => a.ruleID), ['K'], 'no context tag = kubernetes only');
});

test('an evaluation error skips the rule and is counted; a message error only blanks the message', () => {
  const r = rules(
    { id: 'E', profileDependency: 2, expressions: { message: "'m'", uniqueId: "'e'", ruleExpression: [{ eventType: 'exec', expression: "k8s.get_container_mount_paths('x', 'y', 'z').size() == 0" }] } },
    { id: 'M', profileDependency: 2, expressions: { message: "k8s.get_container_mount_paths('x', 'y', 'z')[0]", uniqueId: "'m'", ruleExpression: [{ eventType: 'exec', expression: 'true' }] } },
  );
  const errors: string[] = [];
  const e = new RuleEngine({ rules: [r], onError: (err, rule) => errors.push(`${rule.id}: ${err.message.split('\n')[0]}`) });
  const alerts = e.evaluate(exec());
  assert.deepEqual(alerts.map((a) => [a.ruleID, a.message]), [['M', '']]);
  assert.equal(e.stats.evalErrors, 1);
  assert.match(errors.join('\n'), /E: .*pod x\/y not found/);
});

test('compile errors name the rule id, field, position and file', () => {
  const text = `apiVersion: kubescape.io/v1
kind: Rules
metadata: {name: broken}
spec:
  rules:
    - id: R9
      name: syntax
      expressions:
        message: "'m'"
        uniqueId: "'u'"
        ruleExpression:
          - eventType: exec
            expression: "event.comm == 'a' &&"
    - id: R10
      name: unknown helper
      expressions:
        message: "'m'"
        uniqueId: "'u'"
        ruleExpression:
          - eventType: exec
            expression: "ap.was_exec(event.containerId, event.comm)"
    - id: R11
      name: type mismatch
      expressions:
        message: "'m'"
        uniqueId: "event.pid"
        ruleExpression:
          - eventType: exec
            expression: "event.pid == 1"
    - id: R12
      name: not bool
      expressions:
        message: "'m'"
        uniqueId: "'u'"
        ruleExpression:
          - eventType: open
            expression: "event.path"
    - id: R13
      name: fine
      expressions: {message: "'m'", uniqueId: "'u'", ruleExpression: [{eventType: exec, expression: "true"}]}
`;
  const loaded = parseDocuments(text, 'broken.yaml');
  const e = new RuleEngine();
  const errs = e.setRules(loaded.objects);
  assert.equal(errs.length, 4);
  assert.ok(errs.every((x) => x instanceof RuleCompileError));
  const msgs = errs.map((x) => x.message);
  assert.match(msgs[0]!, /^broken\.yaml:6: rule R9: field expressions\.ruleExpression\[0\]\.expression: line 1, column 21: Unexpected token: EOF$/);
  assert.match(msgs[1]!, /^broken\.yaml:14: rule R10: field expressions\.ruleExpression\[0\]\.expression: line 1, column 1: unknown helper or wrong arguments: ap\.was_exec/);
  assert.match(msgs[2]!, /^broken\.yaml:22: rule R11: field expressions\.ruleExpression\[0\]\.expression: .*no such overload: uint == int/);
  assert.match(msgs[3]!, /^broken\.yaml:30: rule R12: field expressions\.ruleExpression\[0\]\.expression: .*must evaluate to bool, not string/);
  assert.deepEqual(e.getRules().map((r) => r.id), ['R13'], 'good rules still load');
});

test('rules for event types sbob never produces are inert, with a warning', () => {
  const r = rules({ id: 'R2000', expressions: { message: "'x' + event.Name", uniqueId: 'event.Name', ruleExpression: [{ eventType: 'k8s-admission', expression: 'event.Kind == "PodExecOptions"' }] } });
  const e = new RuleEngine({ rules: [r] });
  assert.deepEqual(e.loadErrors, []);
  assert.match(e.loadWarnings[0]!, /rule R2000: event type "k8s-admission" is never produced by sbob/);
});

test('rule-policy learning: supportPolicy rules whose expressions hold for a learning-time event', () => {
  const r = rules(
    { id: 'R1030', supportPolicy: true, profileDependency: 0, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'iouring', expression: 'true' }] } },
    { id: 'R1010', supportPolicy: true, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'symlink', expression: "event.oldPath.startsWith('/etc/shadow')" }] } },
    { id: 'R0001', supportPolicy: false, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'iouring', expression: 'true' }] } },
  );
  const e = new RuleEngine({ rules: [r] });
  assert.deepEqual(e.learnPolicies({ eventType: 'iouring', comm: 'postgres', opcode: 22 }), ['R1030']);
  assert.deepEqual(e.learnPolicies({ eventType: 'symlink', comm: 'ln', oldPath: '/etc/shadow', newPath: '/tmp/x' }), ['R1010']);
  assert.deepEqual(e.learnPolicies({ eventType: 'symlink', comm: 'ln', oldPath: '/etc/hosts', newPath: '/tmp/x' }), []);
  assert.deepEqual(e.learnPolicies({ eventType: 'open', comm: 'cat', path: '/etc/shadow' }), [], 'only exec, symlink, hardlink, iouring');
});

test('a pod label naming a user-defined profile selects it, also when the label arrives later', () => {
  const custom: ProfileObject = {
    apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1', kind: 'ApplicationProfile',
    metadata: { name: 'custom', namespace: 'shop', labels: { 'kubescape.io/workload-name': 'other' } },
    spec: { containers: [{ name: 'nginx', execs: [{ path: '/usr/bin/curl' }] }] },
  } as ProfileObject;
  const e = new RuleEngine({ rules: [rules({ id: 'R1' })], profiles: [PROFILE, custom], cooldown: { disabled: true } });
  assert.equal(e.evaluate(exec()).length, 1, 'namespace-wide profile: curl is not listed');
  e.registerPod({ namespace: 'shop', name: 'web-1', labels: { 'kubescape.io/user-defined-profile': 'custom' } });
  assert.equal(e.evaluate(exec()).length, 0, 'the user-defined profile lists curl');
});
