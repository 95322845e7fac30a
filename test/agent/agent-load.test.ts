/**
 * Load behaviour of the real agent process: a webhook outage while 10 000 alerts are produced
 * (all arrive exactly once afterwards), and an event flood faster than evaluation (bounded memory,
 * drops counted in /metrics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { AgentProcess, defaultRules, ev, metricValue, tmp, webProfile } from './support.ts';
import { startHttpCollector } from '../alerts/receivers.ts';

function objectsDir(dir: string): string {
  const objects = join(dir, 'objects');
  mkdirSync(objects);
  writeFileSync(join(objects, 'rules.yaml'), YAML.stringify(defaultRules()));
  writeFileSync(join(objects, 'profile.yaml'), YAML.stringify(webProfile(['/usr/bin/web'])));
  return objects;
}

test('webhook outage: 10 000 alerts produced while the receiver is down all arrive exactly once after it comes back', { timeout: 180_000 }, async (t) => {
  const dir = tmp('agent-outage');
  objectsDir(dir);
  const N = 10_000;
  writeFileSync(join(dir, 'events.ndjson'), Array.from({ length: N }, (_, i) => JSON.stringify(ev('exec', { comm: 'tool', exepath: `/opt/tool-${i}`, args: [`/opt/tool-${i}`], pid: 1000 + i }))).join('\n') + '\n');
  // reserve a port, then close the receiver: the webhook is down
  const probe = await startHttpCollector();
  const port = probe.port;
  await probe.close();
  writeFileSync(join(dir, 'agent.yaml'), YAML.stringify({
    objects: { dir: 'objects', watch: false },
    verification: { mode: 'allow-unsigned' },
    sources: [{ type: 'ndjson', path: 'events.ndjson' }],
    sinks: [
      { type: 'webhook', url: `http://127.0.0.1:${port}/alerts`, batchMaxAlerts: 500, batchMaxWaitMs: 10, initialBackoffMs: 50, maxBackoffMs: 400 },
      { type: 'file', path: 'alerts.ndjson', maxBytes: 1024 * 1024 * 1024 },
    ],
    server: { listen: '127.0.0.1:0' },
    shutdown: { flushTimeoutMs: 150_000 },
    stateDir: 'state',
    log: { level: 'error' },
  }));
  const agent = new AgentProcess(['--config', 'agent.yaml', '--log-level', 'info'], dir);
  let rx: Awaited<ReturnType<typeof startHttpCollector>> | undefined;
  try {
    const sink = `webhook:http://127.0.0.1:${port}/alerts`;
    // all alerts produced and spooled while the receiver is down
    for (let i = 0; ; i++) {
      await agent.waitFor(() => agent.logs.some((l) => l.msg === 'shutting down') || undefined, 120_000, 'end of replay');
      const m = await agent.metrics();
      if (metricValue(m, 'sbob_sink_pending_alerts', `sink="${sink}"`) === N) {
        assert.equal(metricValue(m, 'sbob_alerts_total', 'rule_id="R0001"'), N);
        assert.ok(metricValue(m, 'sbob_sink_failures', `sink="${sink}"`) >= 1);
        assert.equal(metricValue(m, 'sbob_sink_delivered_alerts', `sink="${sink}"`), 0);
        break;
      }
      assert.ok(i < 600, 'alerts were not all spooled');
      await new Promise((r) => setTimeout(r, 100)); // bounded poll of /metrics
    }
    rx = await startHttpCollector(port);
    const t0 = Date.now();
    assert.equal(await agent.exited, 0);
    t.diagnostic(`outage: ${N} spooled alerts delivered ${Date.now() - t0} ms after the receiver came back (including agent exit)`);
  } finally {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await rx?.close();
  }
  const ids = rx!.requests.flatMap((r) => (r.body as { spec: { alerts: Array<{ alertId: string }> } }).spec.alerts.map((a) => a.alertId));
  assert.equal(ids.length, N, 'every alert delivered');
  assert.equal(new Set(ids).size, N, 'no alert delivered twice');
  const fileIds = readFileSync(join(dir, 'alerts.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).alertId as string);
  assert.deepEqual([...ids].sort(), [...fileIds].sort(), 'the delivered ids are exactly the produced ones');
  assert.ok(rx!.requests.every((r) => r.path === '/alerts'));
});

test('event flood: input faster than evaluation keeps memory bounded and counts drops in /metrics', { timeout: 180_000 }, async (t) => {
  const dir = tmp('agent-flood');
  objectsDir(dir);
  const CAP = 200;
  const flood = new AgentProcess([
    '--objects', 'objects', '--verification', 'allow-unsigned', '--no-watch', '--events', '-', '--queue-capacity', String(CAP),
    '--listen', '127.0.0.1:0', '--alerts-file', 'alerts.ndjson',
  ], dir);
  try {
    await flood.waitFor(() => flood.log('agent ready'), 60_000, 'agent ready');
    const before = metricValue(await flood.metrics(), 'sbob_process_resident_memory_bytes');
    const TOTAL = 200_000;
    const line = (i: number): string => JSON.stringify(ev(i % 10 === 0 ? 'open' : 'exec', { comm: 'web', exepath: '/usr/bin/web', args: ['/usr/bin/web', String(i)], path: '/etc/web.conf', flags: ['O_RDONLY'], pid: i }));
    let maxDepth = 0;
    let maxRss = before;
    const chunk = 2000;
    for (let i = 0; i < TOTAL; i += chunk) {
      const text = Array.from({ length: chunk }, (_, j) => line(i + j)).join('\n') + '\n';
      if (!flood.child.stdin.write(text)) await new Promise((r) => flood.child.stdin.once('drain', r));
      if (i % 40_000 === 0) {
        const m = await flood.metrics();
        maxDepth = Math.max(maxDepth, metricValue(m, 'sbob_queue_depth'));
        maxRss = Math.max(maxRss, metricValue(m, 'sbob_process_resident_memory_bytes'));
      }
    }
    // every event is either evaluated or dropped and counted
    let m = '';
    for (let i = 0; ; i++) {
      m = await flood.metrics();
      const seen = metricValue(m, 'sbob_events_total') + metricValue(m, 'sbob_events_dropped_total', 'reason="queue_full"');
      maxRss = Math.max(maxRss, metricValue(m, 'sbob_process_resident_memory_bytes'));
      if (seen === TOTAL) break;
      assert.ok(i < 600, `only ${seen} of ${TOTAL} events accounted for`);
      await new Promise((r) => setTimeout(r, 100)); // bounded poll of /metrics
    }
    const dropped = metricValue(m, 'sbob_events_dropped_total', 'reason="queue_full"');
    assert.ok(dropped > 0, 'the flood overflowed the queue');
    assert.ok(metricValue(m, 'sbob_events_total') > 0, 'events were still evaluated');
    assert.ok(maxDepth <= CAP, `queue depth ${maxDepth} stays within capacity ${CAP}`);
    const growthMb = (maxRss - before) / 1024 / 1024;
    t.diagnostic(`flood: ${TOTAL} events, ${metricValue(m, 'sbob_events_total')} evaluated, ${dropped} dropped, max queue depth ${maxDepth}/${CAP}, RSS ${(before / 1048576).toFixed(0)} -> max ${(maxRss / 1048576).toFixed(0)} MiB`);
    assert.ok(growthMb < 150, `resident memory grew by ${growthMb.toFixed(0)} MiB during a ${TOTAL}-event flood`);
    flood.child.stdin.end();
    assert.equal(await flood.exited, 0);
    const stopped = flood.log('agent stopped');
    assert.equal(stopped?.dropped, dropped);
  } finally {
    if (flood.child.exitCode === null) flood.child.kill('SIGKILL');
  }
});
