import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { pino } from 'pino';
import { Agent } from '../../src/agent/agent.ts';
import { defaultConfig } from '../../src/agent/config.ts';
import { REPO, defaultRules, makeKey, sign, tmp, trustPolicyYaml, webProfile } from './support.ts';

function capture(): { out: PassThrough; alerts: Array<Record<string, unknown>>; next(pred: (a: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> } {
  const out = new PassThrough();
  const alerts: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let rest = '';
  out.on('data', (d) => {
    const parts = (rest + String(d)).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) if (p) alerts.push(JSON.parse(p));
    for (const w of waiters.splice(0)) w();
  });
  return {
    out, alerts,
    next: (pred) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for an alert')), 15_000);
      const check = (): void => {
        const a = alerts.find(pred);
        if (a) { clearTimeout(t); resolve(a); } else waiters.push(check);
      };
      check();
    }),
  };
}

/** A watched object directory with a trust policy, the given signed rules and a signed web profile; the agent started in-process. */
async function startSignedAgent(name: string, rules: object, nodeName?: string) {
  const dir = tmp(name);
  const key = makeKey();
  writeFileSync(join(dir, 'policy.yaml'), trustPolicyYaml(key.fingerprint));
  writeFileSync(join(dir, 'rules.yaml'), YAML.stringify(await sign(rules, key)));
  const v1 = await sign(webProfile(['/a']), key);
  writeFileSync(join(dir, 'p.yaml'), YAML.stringify(v1));
  const cfg = defaultConfig();
  cfg.objects = { dir, watch: true, debounceMs: 20, rescanIntervalMs: 60_000 };
  cfg.sinks = [{ type: 'stdout' }];
  cfg.server.listen = '';
  cfg.stateDir = join(dir, 'state');
  if (nodeName !== undefined) cfg.nodeName = nodeName;
  const cap = capture();
  const agent = new Agent(cfg, { logger: pino({ level: 'silent' }), stdout: cap.out });
  await agent.start();
  /** writes the profile with one exec added after signing (not re-signed) */
  const tamper = (path: string): void => {
    const bad = structuredClone(v1) as { spec: { containers: Array<{ execs: unknown[] }> } };
    bad.spec.containers[0].execs.push({ path });
    writeFileSync(join(dir, 'p.yaml'), YAML.stringify(bad));
  };
  return { dir, agent, cap, tamper };
}

test('R1016 is built directly when the loaded rules have no R1016; stop() flushes and closes', async () => {
  const rules = defaultRules() as { spec: { rules: Array<{ id: string }> } };
  rules.spec.rules = rules.spec.rules.filter((r) => r.id !== 'R1016');
  const { dir, agent, cap, tamper } = await startSignedAgent('agent-inproc', rules, 'n1');
  try {
    assert.ok(!agent.engine.getRules().some((r) => r.id === 'R1016'));
    tamper('/evil');
    const a = await cap.next((x) => x.ruleID === 'R1016');
    assert.equal(a.alertName, 'Signed object tampered');
    assert.equal(a.severity, 10);
    assert.equal(a.namespace, 'shop');
    assert.equal(a.nodeName, 'n1');
    assert.match(String(a.message), /^Signed ApplicationProfile 'web' in namespace 'shop' has been tampered with: signature does not match/);
    assert.equal((a.arguments as Record<string, unknown>).file, join(dir, 'p.yaml'));
    assert.match(String(a.alertId), /^[0-9a-f]{32}$/);
  } finally {
    await agent.stop('test done');
  }
});

test('each distinct tampering of a loaded object fires R1016 (no cooldown across different contents)', async () => {
  const { agent, cap, tamper } = await startSignedAgent('agent-tamper-twice', defaultRules());
  try {
    for (const evil of ['/evil-1', '/evil-2']) {
      tamper(evil);
      const n = cap.alerts.filter((x) => x.ruleID === 'R1016').length;
      await cap.next((x) => x.ruleID === 'R1016' && cap.alerts.filter((y) => y.ruleID === 'R1016').length > n);
    }
    assert.equal(cap.alerts.filter((x) => x.ruleID === 'R1016').length, 2);
  } finally {
    await agent.stop('test done');
  }
});

test('events pushed through a source are evaluated, and each alert gets a stable id', async () => {
  const dir = tmp('agent-inproc2');
  writeFileSync(join(dir, 'rules.yaml'), YAML.stringify(defaultRules()));
  writeFileSync(join(dir, 'p.yaml'), YAML.stringify(webProfile(['/a'])));
  const events = join(dir, 'ev.ndjson');
  writeFileSync(events, JSON.stringify({ eventType: 'exec', containerId: 'c', containerName: 'web', podName: 'web-1', namespace: 'shop', comm: 'x', exepath: '/x', args: ['/x'], pid: 5, timestamp: '2026-01-02T03:04:05.000Z' }) + '\n');
  const run = async (): Promise<Array<Record<string, unknown>>> => {
    const cfg = defaultConfig();
    cfg.objects = { dir, watch: false, debounceMs: 20, rescanIntervalMs: 0 };
    cfg.verification.mode = 'allow-unsigned';
    cfg.sources = [{ type: 'ndjson', path: events }];
    cfg.sinks = [{ type: 'stdout' }];
    cfg.server.listen = '';
    const cap = capture();
    const agent = new Agent(cfg, { logger: pino({ level: 'silent' }), stdout: cap.out });
    assert.equal(await agent.run(), 0); // ends with the replay
    return cap.alerts;
  };
  const first = await run();
  const second = await run();
  assert.deepEqual(first.map((a) => a.ruleID), ['R0001']);
  assert.equal(first[0].alertId, second[0].alertId, 'a replay of timestamped events yields the same alert ids');
});

test('the agent yields the same alerts as `sbob eval` for the replay example (examples/replay)', async () => {
  const dir = tmp('agent-example');
  const ex = join(REPO, 'examples', 'replay');
  writeFileSync(join(dir, 'rules.yaml'), YAML.stringify(defaultRules()));
  writeFileSync(join(dir, 'profile.yaml'), readFileSync(join(ex, 'profile.yaml')));
  const cfg = defaultConfig();
  cfg.objects = { dir, watch: false, debounceMs: 20, rescanIntervalMs: 0 };
  cfg.verification.mode = 'allow-unsigned';
  cfg.sources = [{ type: 'ndjson', path: join(ex, 'events.ndjson') }];
  cfg.sinks = [{ type: 'stdout' }];
  cfg.server.listen = '';
  const cap = capture();
  assert.equal(await new Agent(cfg, { logger: pino({ level: 'silent' }), stdout: cap.out }).run(), 0);
  const expected = JSON.parse(readFileSync(join(ex, 'expected-alerts.json'), 'utf8')) as Array<Record<string, unknown>>;
  const pick = (a: Record<string, unknown>) => ({ ruleID: a.ruleID, uniqueID: a.uniqueID, message: a.message, containerID: a.containerID });
  assert.deepEqual(cap.alerts.map(pick), expected.map(pick));
});
