import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdoutSink } from '../../src/alerts/sinks/stdout.ts';
import { FileSink } from '../../src/alerts/sinks/file.ts';
import { DiskSpool } from '../../src/alerts/sinks/spool.ts';
import { HttpSink, alertmanagerAlert } from '../../src/alerts/sinks/http.ts';
import { SyslogSink, formatSyslog } from '../../src/alerts/sinks/syslog.ts';
import { computeAlertId } from '../../src/alerts/sinks/id.ts';
import { sampleAlert } from './sample.ts';
import { startHttpCollector, startTcpSyslog, startUdpSyslog } from './receivers.ts';

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `sbob-${p}-`));

test('computeAlertId is stable and depends on the origin', () => {
  const a = sampleAlert(1);
  assert.equal(computeAlertId(a, 'src#1'), computeAlertId({ ...a }, 'src#1'));
  assert.notEqual(computeAlertId(a, 'src#1'), computeAlertId(a, 'src#2'));
  assert.match(computeAlertId(a, 'x'), /^[0-9a-f]{32}$/);
});

test('stdout sink writes one JSON line per alert', async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (d) => chunks.push(String(d)));
  const s = new StdoutSink(out);
  s.send(sampleAlert(1));
  s.send(sampleAlert(2));
  await s.close();
  const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.alertId), ['id-000001', 'id-000002']);
  assert.equal(s.stats().delivered, 2);
});

test('file sink rotates by size and keeps maxFiles rotations', async () => {
  const dir = tmp('file');
  const path = join(dir, 'alerts.ndjson');
  const one = JSON.stringify(sampleAlert(0)).length + 1;
  const s = new FileSink({ path, maxBytes: one * 3, maxFiles: 2 });
  for (let i = 0; i < 10; i++) s.send(sampleAlert(i));
  await s.close();
  assert.deepEqual(readdirSync(dir).sort(), ['alerts.ndjson', 'alerts.ndjson.1', 'alerts.ndjson.2']);
  const ids = (f: string): string[] => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).alertId);
  assert.deepEqual(ids('alerts.ndjson'), ['id-000009']);
  assert.deepEqual(ids('alerts.ndjson.1'), ['id-000006', 'id-000007', 'id-000008']);
  assert.deepEqual(ids('alerts.ndjson.2'), ['id-000003', 'id-000004', 'id-000005']);
});

test('disk spool: FIFO, acknowledgement, recovery after reopen, size bound', () => {
  const dir = tmp('spool');
  const sp = new DiskSpool({ dir, maxBytes: 1000, segmentBytes: 30 });
  for (let i = 0; i < 10; i++) assert.equal(sp.push(`record-${i}`), true);
  assert.equal(sp.size, 10);
  assert.deepEqual(sp.peek(3), ['record-0', 'record-1', 'record-2']);
  sp.ack(2);
  assert.deepEqual(sp.peek(5), ['record-2', 'record-3']); // 4 records per 30-byte segment; a peek never crosses a segment
  sp.close();
  const again = new DiskSpool({ dir, maxBytes: 1000, segmentBytes: 30 });
  assert.equal(again.size, 8);
  const seen: string[] = [];
  while (again.size > 0) {
    const b = again.peek(4);
    seen.push(...b);
    again.ack(b.length);
  }
  assert.deepEqual(seen, Array.from({ length: 8 }, (_, i) => `record-${i + 2}`));
  assert.equal(again.sizeBytes, 0);
  assert.equal(again.diskBytes(), 0);
  const small = new DiskSpool({ dir: tmp('spool2'), maxBytes: 20 });
  assert.equal(small.push('0123456789'), true);
  assert.equal(small.push('0123456789'), false, 'over maxBytes is refused');
});

test('webhook sink batches alerts in the node-agent RuntimeAlerts envelope', async () => {
  const rx = await startHttpCollector();
  const s = new HttpSink({ format: 'webhook', url: `${rx.url}/v1/runtimealerts`, spoolDir: tmp('wh'), batchMaxAlerts: 3, batchMaxWaitMs: 20 });
  for (let i = 0; i < 7; i++) s.send(sampleAlert(i));
  assert.equal(await s.flush(5000), true);
  await s.close();
  await rx.close();
  const bodies = rx.requests.map((r) => r.body as { kind: string; apiVersion: string; metadata: { name: string }; spec: { alerts: Array<{ alertId: string }> } });
  assert.equal(bodies[0].kind, 'RuntimeAlerts');
  assert.equal(bodies[0].apiVersion, 'kubescape.io/v1');
  assert.equal(bodies[0].metadata.name, 'web-1');
  assert.ok(bodies.every((b) => b.spec.alerts.length <= 3));
  assert.deepEqual(bodies.flatMap((b) => b.spec.alerts.map((a) => a.alertId)), Array.from({ length: 7 }, (_, i) => sampleAlert(i).alertId));
  assert.equal(rx.requests[0].path, '/v1/runtimealerts');
  assert.match(String(rx.requests[0].headers['idempotency-key']), /^[0-9a-f]{32}$/);
  assert.equal(s.stats().delivered, 7);
});

test('webhook sink survives an outage: spooled alerts arrive exactly once after recovery', async () => {
  const rx = await startHttpCollector();
  rx.status = 503;
  const s = new HttpSink({ format: 'webhook', url: rx.url, spoolDir: tmp('wh2'), batchMaxAlerts: 50, batchMaxWaitMs: 5, initialBackoffMs: 20, maxBackoffMs: 100 });
  for (let i = 0; i < 500; i++) s.send(sampleAlert(i));
  await rx.waitFor(() => s.stats().failures >= 2, 5000, 'failed attempts');
  assert.equal(s.stats().pending, 500);
  rx.status = 200;
  assert.equal(await s.flush(10_000), true);
  await s.close();
  await rx.close();
  const ids = rx.requests.flatMap((r) => (r.body as { spec: { alerts: Array<{ alertId: string }> } }).spec.alerts.map((a) => a.alertId));
  assert.equal(ids.length, 500);
  assert.equal(new Set(ids).size, 500);
});

test('webhook sink resumes the spool after a restart and counts drops when the spool is full', async () => {
  const dir = tmp('wh3');
  const first = new HttpSink({ format: 'webhook', url: 'http://127.0.0.1:9/none', spoolDir: dir, initialBackoffMs: 10_000, spoolMaxBytes: 20_000 });
  for (let i = 0; i < 40; i++) first.send(sampleAlert(i));
  const st = first.stats();
  assert.ok(st.dropped > 0, 'some alerts dropped at the spool bound');
  assert.equal(st.pending + st.dropped, 40);
  await first.close(50);
  const rx = await startHttpCollector();
  const second = new HttpSink({ format: 'webhook', url: rx.url, spoolDir: dir, batchMaxWaitMs: 5 });
  assert.equal(await second.flush(5000), true);
  await second.close();
  await rx.close();
  const ids = rx.requests.flatMap((r) => (r.body as { spec: { alerts: Array<{ alertId: string }> } }).spec.alerts.map((a) => a.alertId));
  assert.deepEqual(ids, Array.from({ length: st.pending }, (_, i) => sampleAlert(i).alertId));
});

test('alertmanager sink posts v2 alerts with node-agent labels and annotations', async () => {
  const rx = await startHttpCollector();
  const s = new HttpSink({ format: 'alertmanager', url: rx.url + '/', spoolDir: tmp('am'), batchMaxWaitMs: 5 });
  s.send(sampleAlert(3));
  assert.equal(await s.flush(5000), true);
  await s.close();
  await rx.close();
  assert.equal(rx.requests[0].path, '/api/v2/alerts');
  const [am] = rx.requests[0].body as Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }>;
  assert.equal(am.labels.alertname, 'KubescapeRuleViolated');
  assert.equal(am.labels.rule_id, 'R0001');
  assert.equal(am.labels.pod_name, 'web-1');
  assert.equal(am.labels.comm, 'sh');
  assert.equal(am.labels.pid, '103');
  assert.equal(am.labels.alert_id, 'id-000003');
  assert.equal(am.annotations.summary, "Rule 'Unexpected process launched' in 'web-1' namespace 'shop' failed");
  assert.equal(Date.parse(am.endsAt) - Date.parse(am.startsAt), 3_600_000);
  assert.ok(Object.values(am.labels).every((v) => typeof v === 'string'));
  assert.equal(alertmanagerAlert(sampleAlert(1)).generatorURL, '');
  assert.equal(am.labels.trace, undefined, 'empty labels are left out');
});

test('formatSyslog produces an RFC 5424 message with escaped structured data', () => {
  const m = formatSyslog(sampleAlert(5, { ruleDescription: 'bad "x" ] \\ y', podName: '', containerName: 'a b' }), 1);
  assert.match(m, /^<11>1 2026-01-01T00:00:00\.005Z - a_b 105 R0001 \[kubecop@105 rule="Unexpected process launched" priority="1" error="bad \\"x\\" \\] \\\\ y" /);
  assert.match(m, / alert_id="id-000005"\] bad "x" \] \\ y$/);
});

test('syslog sink delivers over UDP and over TCP with octet counting', async () => {
  const udp = await startUdpSyslog();
  const us = new SyslogSink({ host: '127.0.0.1', port: udp.port, protocol: 'udp' });
  us.send(sampleAlert(1));
  us.send(sampleAlert(2));
  await us.flush();
  await udp.waitFor(2);
  await us.close();
  await udp.close();
  assert.match(udp.messages[0], /^<11>1 .* web-1 web 101 R0001 \[kubecop@101 /);

  const tcp = await startTcpSyslog();
  const ts = new SyslogSink({ host: '127.0.0.1', port: tcp.port, protocol: 'tcp' });
  for (let i = 0; i < 50; i++) ts.send(sampleAlert(i, { ruleDescription: `line ${i}\nwith newline` }));
  assert.equal(await ts.flush(5000), true);
  await tcp.waitFor(50);
  await ts.close();
  await tcp.close();
  assert.deepEqual(tcp.errors, []);
  assert.equal(tcp.messages.length, 50);
  assert.ok(tcp.messages[49].endsWith('line 49\nwith newline'));
});

test('syslog TCP buffers while the collector is down and delivers after it comes up', async () => {
  const probe = await startTcpSyslog();
  const port = probe.port;
  await probe.close();
  const ts = new SyslogSink({ host: '127.0.0.1', port, protocol: 'tcp', initialBackoffMs: 20, maxBackoffMs: 50 });
  for (let i = 0; i < 5; i++) ts.send(sampleAlert(i));
  assert.equal(await ts.flush(100), false);
  assert.ok(ts.stats().failures >= 1);
  // bring a collector up on the same port
  const { createServer } = await import('node:net');
  const got: string[] = [];
  const server = createServer((s) => s.on('data', (d) => got.push(String(d))));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  assert.equal(await ts.flush(5000), true);
  await ts.close();
  await new Promise<void>((r) => server.close(() => r()));
  assert.equal((got.join('').match(/\[kubecop@/g) ?? []).length, 5);
  assert.equal(existsSync('/nonexistent'), false);
});

test('a spool directory has one owner at a time', () => {
  const dir = tmp('spool-lock');
  const a = new DiskSpool({ dir, maxBytes: 1000 });
  assert.throws(() => new DiskSpool({ dir, maxBytes: 1000 }), /is in use by another sink of this agent/);
  a.close();
  const b = new DiskSpool({ dir, maxBytes: 1000 });
  b.close();
});

test('stdout sink drops (and counts) instead of buffering without bound when the reader stalls', async () => {
  const out = new PassThrough({ highWaterMark: 16 }); // nobody reads
  const s = new StdoutSink(out, 4096);
  for (let i = 0; i < 50; i++) s.send(sampleAlert(i));
  const st = s.stats();
  assert.ok(st.dropped > 0);
  assert.equal(st.delivered + st.dropped, 50);
  assert.ok(out.writableLength < 4096 + 10_000);
});
