/**
 * Integration: the real agent process (`bin/sbob agent`) on a temp directory with signed objects,
 * a replayed scenario on stdin, and every sink type pointed at receivers on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { AgentProcess, defaultRules, ev, makeKey, metricValue, sign, tmp, trustPolicyYaml, webProfile } from './support.ts';
import { startHttpCollector, startTcpSyslog, startUdpSyslog } from '../alerts/receivers.ts';

interface Alert { ruleID: string; alertId: string; message: string; arguments: Record<string, unknown>; event?: Record<string, unknown> }

test('agent: signed objects in, scenario replayed, alerts out to stdout, file, webhook, Alertmanager and syslog', { timeout: 120_000 }, async () => {
  const dir = tmp('agent-it');
  const objects = join(dir, 'objects');
  mkdirSync(objects);
  const key = makeKey();
  const otherKey = makeKey();
  writeFileSync(join(objects, 'trust-policy.yaml'), trustPolicyYaml(key.fingerprint));
  writeFileSync(join(objects, 'rules.yaml'), YAML.stringify(await sign(defaultRules(), key)));
  const signedWeb = await sign(webProfile(['/usr/bin/web']), key);
  writeFileSync(join(objects, 'profile.yaml'), YAML.stringify(signedWeb));
  // an unsigned profile, a tampered profile and one signed by an untrusted key: all rejected
  writeFileSync(join(objects, 'unsigned.yaml'), YAML.stringify({ ...webProfile(['/bin/x']), metadata: { name: 'api', namespace: 'shop' } }));
  const db: Record<string, unknown> = await sign({ ...webProfile(['/usr/bin/db']), metadata: { name: 'db', namespace: 'shop' } }, key);
  (db.spec as { containers: Array<{ execs: unknown[] }> }).containers[0].execs.push({ path: '/bin/backdoor', args: ['/bin/backdoor'] });
  writeFileSync(join(objects, 'tampered.yaml'), YAML.stringify(db));
  writeFileSync(join(objects, 'foreign.yaml'), YAML.stringify(await sign({ ...webProfile(['/bin/y']), metadata: { name: 'cache', namespace: 'shop' } }, otherKey)));

  const webhook = await startHttpCollector();
  const am = await startHttpCollector();
  const udp = await startUdpSyslog();
  const tcp = await startTcpSyslog();
  const alertsFile = join(dir, 'out', 'alerts.ndjson');
  writeFileSync(join(dir, 'agent.yaml'), YAML.stringify({
    objects: { dir: 'objects', watch: true, debounceMs: 50, rescanIntervalMs: 1000 },
    sources: [{ type: 'ndjson', path: '-' }],
    sinks: [
      { type: 'stdout' },
      { type: 'file', path: 'out/alerts.ndjson' },
      { type: 'webhook', url: `${webhook.url}/v1/runtimealerts`, batchMaxWaitMs: 20 },
      { type: 'alertmanager', url: am.url, batchMaxWaitMs: 20 },
      { type: 'syslog', url: `udp://127.0.0.1:${udp.port}` },
      { type: 'syslog', url: `tcp://127.0.0.1:${tcp.port}` },
    ],
    server: { listen: '127.0.0.1:0' },
    stateDir: 'state',
    nodeName: 'node-a',
  }));

  const agent = new AgentProcess(['--config', 'agent.yaml'], dir);
  try {
    await agent.waitFor(() => agent.log('agent ready'), 60_000, 'agent ready');
    const rejected = agent.logs.filter((l) => l.msg === 'object rejected');
    const byObject = Object.fromEntries(rejected.map((l) => [l.object, l]));
    assert.equal(byObject['ApplicationProfile/shop/api']?.status, 'unsigned');
    assert.match(String(byObject['ApplicationProfile/shop/api'].reason), /unsigned/);
    assert.match(String(byObject['ApplicationProfile/shop/api'].file), /unsigned\.yaml$/);
    assert.equal(byObject['ApplicationProfile/shop/db']?.status, 'tampered');
    assert.match(String(byObject['ApplicationProfile/shop/db'].reason), /does not match/);
    assert.equal(byObject['ApplicationProfile/shop/cache']?.status, 'untrusted');
    assert.match(String(byObject['ApplicationProfile/shop/cache'].reason), /not in trust policy/);
    assert.ok(agent.logs.some((l) => l.msg === 'profile loaded' && l.object === 'ApplicationProfile/shop/web'));

    const ops = await agent.opsAddress();
    assert.equal((await fetch(`http://${ops}/healthz`)).status, 200);
    assert.equal((await fetch(`http://${ops}/readyz`)).status, 200);

    const hooked = (): Alert[] => webhook.requests.flatMap((r) => (r.body as { spec: { alerts: Alert[] } }).spec.alerts);
    const has = (pred: (a: Alert) => boolean) => () => hooked().some(pred);

    agent.write([
      ev('exec', { comm: 'web', exepath: '/usr/bin/web', args: ['/usr/bin/web'] }),
      ev('exec', { comm: 'nc', exepath: '/bin/nc', args: ['/bin/nc', '-l'] }),
      ev('open', { comm: 'nc', path: '/var/run/secrets/kubernetes.io/serviceaccount/token', flags: ['O_RDONLY'] }),
      ev('dns', { comm: 'nc', name: 'xmr.pool.minergate.com.' }),
    ]);
    await webhook.waitFor(has((a) => a.ruleID === 'R1008'), 20_000, 'R1008 at the webhook');
    assert.ok(hooked().some((a) => a.ruleID === 'R0001' && a.message.includes('/bin/nc')));
    assert.ok(hooked().some((a) => a.ruleID === 'R0006'));
    assert.ok(!hooked().some((a) => a.ruleID === 'R0001' && a.message.includes('/usr/bin/web')), 'a profiled exec raises nothing');

    // a tampered update of the loaded profile: the old version stays in force and R1016 fires
    const tampered = structuredClone(signedWeb);
    (tampered.spec as { containers: Array<{ execs: unknown[] }> }).containers[0].execs.push({ path: '/usr/bin/evil', args: ['/usr/bin/evil'] });
    writeFileSync(join(objects, 'profile.yaml'), YAML.stringify(tampered));
    const kept = await agent.waitFor(() => agent.logs.find((l) => l.object === 'ApplicationProfile/shop/web' && l.keptPrevious === true), 20_000, 'rejected update');
    assert.equal(kept.status, 'tampered');
    assert.equal(kept.msg, 'object update rejected; the last verified version stays in force');
    await webhook.waitFor(has((a) => a.ruleID === 'R1016' && a.arguments.object === 'ApplicationProfile/shop/web'), 20_000, 'R1016 for the tampered update');
    agent.write([ev('exec', { comm: 'evil', exepath: '/usr/bin/evil', args: ['/usr/bin/evil'] })]);
    await webhook.waitFor(has((a) => a.ruleID === 'R0001' && a.message.includes('/usr/bin/evil')), 20_000, 'R0001 for /usr/bin/evil (old profile still in force)');

    const metrics = await agent.metrics();
    assert.equal(metricValue(metrics, 'sbob_objects_rejected_total', 'reason="unsigned"'), 1);
    assert.equal(metricValue(metrics, 'sbob_objects_rejected_total', 'reason="tampered"'), 2);
    assert.equal(metricValue(metrics, 'sbob_objects_rejected_total', 'reason="untrusted"'), 1);
    assert.equal(metricValue(metrics, 'sbob_events_total', 'type="exec"'), 3);
    assert.ok(metricValue(metrics, 'sbob_alerts_total', 'rule_id="R0001"') >= 2);
    assert.ok(metricValue(metrics, 'sbob_evaluation_duration_seconds_count') >= 5);
    assert.equal(metricValue(metrics, 'sbob_queue_capacity'), 10000);

    // removing the file unloads the profile: R0001 (profileDependency 0) no longer applies
    rmSync(join(objects, 'profile.yaml'));
    await agent.waitFor(() => agent.logs.find((l) => l.msg === 'object unloaded' && l.object === 'ApplicationProfile/shop/web'), 20_000, 'profile unloaded');
    agent.write([ev('exec', { comm: 'zzz', exepath: '/bin/zzz', args: ['/bin/zzz'] }), ev('randomx', { comm: 'xmrig', exepath: '/tmp/xmrig' })]);
    await webhook.waitFor(has((a) => a.ruleID === 'R1007'), 20_000, 'R1007');
    assert.ok(!hooked().some((a) => a.message.includes('/bin/zzz')));

    agent.child.stdin.end(); // end of replay: the agent flushes every sink and exits
    assert.equal(await agent.exited, 0);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await webhook.close();
    await am.close();
    await udp.close();
    await tcp.close();
  }

  const ids = (list: Array<{ alertId: string }>): string[] => list.map((a) => a.alertId).sort();
  const fromWebhook = ids(webhook.requests.flatMap((r) => (r.body as { spec: { alerts: Alert[] } }).spec.alerts));
  assert.ok(fromWebhook.length >= 7, `webhook got ${fromWebhook.length} alerts`);
  assert.equal(new Set(fromWebhook).size, fromWebhook.length);
  assert.deepEqual(ids(agent.stdoutLines.map((l) => JSON.parse(l))), fromWebhook, 'stdout');
  assert.deepEqual(ids(readFileSync(alertsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))), fromWebhook, 'file');
  const amAlerts = am.requests.flatMap((r) => r.body as Array<{ labels: Record<string, string> }>);
  assert.ok(am.requests.every((r) => r.path === '/api/v2/alerts' && r.method === 'POST'));
  assert.deepEqual(amAlerts.map((a) => a.labels.alert_id).sort(), fromWebhook, 'alertmanager');
  assert.ok(amAlerts.every((a) => a.labels.alertname === 'KubescapeRuleViolated'));
  const sdIds = (msgs: string[]): string[] => msgs.map((m) => /alert_id="([0-9a-f]+)"/.exec(m)?.[1] ?? '').sort();
  assert.deepEqual(sdIds(udp.messages), fromWebhook, 'syslog udp');
  assert.deepEqual(sdIds(tcp.messages), fromWebhook, 'syslog tcp');
  assert.deepEqual(tcp.errors, []);
  assert.ok(udp.messages.every((m) => /^<11>1 \S+ \S+ \S+ \S+ R\d{4} \[kubecop@\d+ /.test(m)));
  const r0001 = agent.stdoutLines.map((l) => JSON.parse(l)).find((a) => a.ruleID === 'R0001');
  assert.equal(r0001.nodeName, 'node-a');
  assert.equal(r0001.podName, 'web-1');
});

test('agent: SIGTERM flushes pending alerts to the sinks and exits 0', { timeout: 60_000 }, async () => {
  const dir = tmp('agent-sigterm');
  mkdirSync(join(dir, 'objects'));
  writeFileSync(join(dir, 'objects', 'rules.yaml'), YAML.stringify(defaultRules()));
  const webhook = await startHttpCollector();
  // a long batching wait: without the shutdown flush these alerts would still be waiting
  const agent = new AgentProcess([
    '--objects', 'objects', '--verification', 'allow-unsigned', '--events', '-', '--listen', '127.0.0.1:0',
    '--webhook', webhook.url, '--webhook-batch-wait-ms', '60000', '--state-dir', 'state',
  ], dir);
  try {
    await agent.waitFor(() => agent.log('agent ready'), 60_000, 'agent ready');
    agent.write([1, 2, 3].map((i) => ev('randomx', { comm: `miner${i}`, exepath: `/tmp/miner${i}`, pid: 100 + i })));
    for (let i = 0; metricValue(await agent.metrics(), 'sbob_alerts_total', 'rule_id="R1007"') < 3; i++) {
      assert.ok(i < 200, 'alerts not produced');
      await new Promise((r) => setTimeout(r, 50)); // bounded poll of /metrics
    }
    assert.equal(webhook.requests.length, 0, 'still batching');
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    assert.ok(agent.logs.some((l) => l.msg === 'shutting down' && l.reason === 'received SIGTERM'));
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await webhook.close();
  }
  const got = webhook.requests.flatMap((r) => (r.body as { spec: { alerts: Alert[] } }).spec.alerts);
  assert.deepEqual(got.map((a) => a.ruleID), ['R1007', 'R1007', 'R1007']);
});
