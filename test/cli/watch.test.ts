/**
 * `sbob watch`: the recorded command runs clean; a command that reads /etc/shadow and connects to
 * 127.0.0.1:9 raises alerts and exits 1. Needs root + bpftrace (else skipped with the reason).
 * The unexpected-connection alert comes from a test rule (every default rule that looks at network
 * events ignores loopback/private addresses) plus R0003 for the new `connect`/`socket` syscalls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, KernelTracer, preflight, runTraced } from '../../src/events/tracer/index.ts';
import { buildProfiles, profilesToYaml } from '../../src/profile/record/index.ts';
import { engineFromFiles, loadKinds } from '../../src/cli/load.ts';
import { identityFromProfiles, watchCommand, formatAlert } from '../../src/cli/commands/watch.ts';
import type { ProfileObject } from '../../src/model/index.ts';

const SBOB = fileURLToPath(new URL('../../bin/sbob', import.meta.url));
const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const CMD = ['sh', '-c', 'ls /etc >/dev/null; cat /etc/hostname'];
// the command uses wget; where wget is missing, curl (or python) makes the same connection
const CLIENT = findExecutable('wget') ? 'wget -q -O- http://127.0.0.1:9/' : findExecutable('curl') ? 'curl -s http://127.0.0.1:9/' : 'python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 9))"';
const CLIENT_NAME = CLIENT.split(' ')[0]!;
const BAD = ['sh', '-c', `cat /etc/shadow; ${CLIENT} || true`];
const pf = preflight();
const skip = pf.ok ? false : `kernel tracer unavailable: ${pf.reasons.join('; ')}`;

const EGRESS_RULE = `apiVersion: kubescape.io/v1
kind: Rules
metadata:
  name: test-any-unexpected-egress
spec:
  rules:
    - enabled: true
      id: T0001
      name: Unexpected egress address
      description: any outgoing connection to an address the network neighborhood does not list
      expressions:
        message: "'connection to ' + event.dstAddr + ':' + string(event.dstPort) + ' is not in the profile'"
        uniqueId: event.dstAddr + '|' + string(event.dstPort)
        ruleExpression:
          - eventType: network
            expression: "event.pktType == 'OUTGOING' && !nn.was_address_in_egress(event.containerId, event.dstAddr)"
      profileDependency: 0
      profileDataRequired:
        egressAddresses: all
      severity: 5
      tags: [context:kubernetes]
`;

let tracer: KernelTracer;
let dir: string;
let profileFile: string;
let ruleFile: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'sbob-watch-'));
  tracer = new KernelTracer({ mode: 'tree' });
  tracer.start(() => undefined).catch(() => undefined);
  await tracer.ready();
  const rec = await runTraced({ tracer, command: CMD, stdio: 'pipe' });
  assert.equal(rec.lost, 0);
  const res = buildProfiles(rec.events, { name: 'sh', lost: rec.lost });
  profileFile = join(dir, 'sh.yaml');
  writeFileSync(profileFile, profilesToYaml(res.applicationProfile, res.networkNeighborhood));
  ruleFile = join(dir, 'egress-rule.yaml');
  writeFileSync(ruleFile, EGRESS_RULE);
});
after(async () => {
  if (tracer) await tracer.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('watching the recorded command with its profile raises no alert', { skip }, async () => {
  const engine = engineFromFiles({ rules: [RULES, ruleFile], profiles: [profileFile] });
  const id = identityFromProfiles(loadKinds([profileFile], ['ApplicationProfile', 'NetworkNeighborhood'], '--profile').map((o) => o.object as ProfileObject), {});
  assert.deepEqual(id, { containerName: 'sh', namespace: 'default', podName: 'sbob-watch' });
  const { run, alerts } = await watchCommand({ command: CMD, engine, identity: id, tracer, stdio: 'pipe' });
  assert.equal(run.exitCode, 0);
  assert.equal(run.lost, 0);
  assert.ok(run.events.length > 20);
  assert.deepEqual(alerts.map(formatAlert), []);
});

test('sbob watch: /etc/shadow, wget and the connection to 127.0.0.1:9 raise alerts, exit status 1', { skip }, () => {
  const r = spawnSync(SBOB, ['watch', '--profile', profileFile, '--rules', RULES, '--rules', ruleFile, '--', ...BAD], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('ALERT '));
  const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `${re} in:\n${r.stderr}`);
  has(/^ALERT R0010 .*\/etc\/shadow/); // the unexpected open
  has(new RegExp(`^ALERT R0001 .*${CLIENT_NAME}`)); // the unexpected exec
  has(/^ALERT R0040 .*cat \/etc\/shadow/); // known binary, new arguments
  has(/^ALERT T0001 .*127\.0\.0\.1:9 is not in the profile/); // the unexpected connection
  has(/^ALERT R0003 .*System call connect/);
  assert.match(r.stderr, /sbob: watched \d+ events, \d+ alerts; command exited with status 0/);
  assert.doesNotMatch(r.stderr, /LOST/);
});
