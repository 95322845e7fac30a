import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, resolveConfig, defaultConfig } from '../../src/agent/config.ts';
import { AgentConfigError } from '../../src/agent/errors.ts';
import { tmp } from './support.ts';

test('defaults: strict verification, stdout sink, bounded queue, ops server on 127.0.0.1:9090', () => {
  const c = resolveConfig({ events: ['-'] }, '/work');
  assert.equal(c.verification.mode, 'strict');
  assert.deepEqual(c.sinks, [{ type: 'stdout' }]);
  assert.deepEqual(c.sources, [{ type: 'ndjson', path: '-' }]);
  assert.equal(c.queue.capacity, 10_000);
  assert.equal(c.queue.overflow, 'auto');
  assert.equal(c.server.listen, '127.0.0.1:9090');
  assert.equal(c.engine.cooldown.durationMs, 3_600_000);
  assert.equal(c.exitOnSourcesEnd, true);
});

test('a config file is read and flags override it; relative paths resolve against the file (flags: against cwd)', () => {
  const dir = tmp('cfg');
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, [
    'objects: {dir: objs, rescanIntervalMs: 5000}',
    'verification: {mode: allow-unsigned, trustPolicy: policy.yaml}',
    'sources: [{type: ndjson, path: ev.ndjson}]',
    'queue: {capacity: 50, overflow: drop}',
    'engine: {cooldown: {disabled: true}}',
    'sinks:',
    '  - {type: file, path: out/a.ndjson, maxBytes: 1000}',
    '  - {type: webhook, url: "http://127.0.0.1:1/x", headers: {Authorization: "Bearer t"}}',
    '  - {type: syslog, url: "tcp://127.0.0.1:514"}',
    'server: {listen: "127.0.0.1:0"}',
  ].join('\n'));
  const c = resolveConfig({ config: file, queueCapacity: '70', alertmanager: ['http://127.0.0.1:9093'], verification: 'strict' }, '/elsewhere');
  assert.equal(c.objects.dir, join(dir, 'objs'));
  assert.equal(c.objects.rescanIntervalMs, 5000);
  assert.equal(c.verification.trustPolicy, join(dir, 'policy.yaml'));
  assert.equal(c.verification.mode, 'strict', 'flag overrides the file');
  assert.deepEqual(c.sources, [{ type: 'ndjson', path: join(dir, 'ev.ndjson') }]);
  assert.equal(c.queue.capacity, 70);
  assert.equal(c.queue.overflow, 'drop');
  assert.equal(c.engine.cooldown.disabled, true);
  assert.deepEqual(c.sinks.map((s) => s.type), ['file', 'webhook', 'syslog', 'alertmanager']);
  assert.equal((c.sinks[0] as { path: string }).path, join(dir, 'out', 'a.ndjson'));
  assert.deepEqual((c.sinks[1] as { headers: unknown }).headers, { Authorization: 'Bearer t' });
  const viaFlag = resolveConfig({ events: ['x.ndjson'], alertsFile: 'a.ndjson', objects: 'o' }, '/cwd');
  assert.equal(viaFlag.sources[0].path, '/cwd/x.ndjson');
  assert.equal(viaFlag.objects.dir, '/cwd/o');
  assert.deepEqual(viaFlag.sinks.map((s) => s.type), ['file']);
});

test('config errors name the file and the field', () => {
  const dir = tmp('cfg-bad');
  const bad = (yaml: string, re: RegExp): void => {
    const f = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, yaml);
    assert.throws(() => loadConfigFile(f), (e: Error) => e instanceof AgentConfigError && e.message.startsWith(f) && re.test(e.message));
  };
  bad('queue: {capacity: lots}', /field queue\.capacity: must be an integer >= 1, got "lots"/);
  bad('queu: {}', /field queu: is not a known option/);
  bad('sinks: [{type: webhook, url: "ftp://x"}]', /field sinks\[0\]\.url: must use http: or https:/);
  bad('sinks: [{type: kafka}]', /field sinks\[0\]\.type: must be one of stdout, file, webhook, alertmanager, syslog/);
  bad('sinks: [{type: file}]', /field sinks\[0\]\.path: is required/);
  bad('verification: {mode: lax}', /field verification\.mode: must be one of strict, allow-unsigned, off/);
  bad('server: {listen: "9090"}', /field server\.listen: must be HOST:PORT/);
  bad('sources: [{type: ndjson}]', /field sources\[0\]\.path: is required/);
  bad('sinks: [{type: syslog, url: "udp://h:1", facility: 30}]', /field sinks\[0\]\.facility: must be a syslog facility number 0..23/);
  bad('a: [', /field \(document\): invalid YAML/);
  assert.throws(() => resolveConfig({}), /field sources: no event source configured/);
  assert.throws(() => resolveConfig({ events: ['-'], webhookHeader: ['novalue'] }), /--webhook-header: field novalue: must be NAME=VALUE/);
  assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), /missing\.yaml: field \(file\): cannot read/);
});

test('parseConfig keeps defaults for absent sections', () => {
  const c = parseConfig({ log: { level: 'debug' } }, 'x', '/');
  assert.equal(c.log.level, 'debug');
  assert.deepEqual(c.queue, defaultConfig().queue);
});

test('sink flags carry their delivery options', () => {
  const c = resolveConfig({
    events: ['-'], webhook: ['http://127.0.0.1:1/a'], alertmanager: ['http://127.0.0.1:2'], syslog: ['tcp://127.0.0.1:3'],
    webhookMethod: 'PUT', webhookBatch: '7', httpTimeoutMs: '900', httpInitialBackoffMs: '10', httpMaxBackoffMs: '20',
    syslogFacility: '16', syslogMaxPending: '5', spoolMaxBytes: '4096',
  }, '/w');
  const [wh, am, sl] = c.sinks as Array<Record<string, unknown>>;
  assert.equal(wh.method, 'PUT');
  assert.equal(wh.batchMaxAlerts, 7);
  assert.equal(wh.timeoutMs, 900);
  assert.equal(am.initialBackoffMs, 10);
  assert.equal(am.maxBackoffMs, 20);
  assert.equal(am.spoolMaxBytes, 4096);
  assert.equal(sl.facility, 16);
  assert.equal(sl.maxPending, 5);
});

test('engine semantics, host monitoring and the API server address come from the file or flags; bad values are named', () => {
  const dir = tmp('cfg-engine');
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, 'sources: [{type: ndjson, path: "-"}]\nengine: {semantics: upstream, hostMonitoring: true, apiServerAddress: 10.96.0.1}\n');
  const c = resolveConfig({ config: file }, dir);
  assert.equal(c.engine.semantics, 'upstream');
  assert.equal(c.engine.hostMonitoring, true);
  assert.equal(c.engine.apiServerAddress, '10.96.0.1');
  const d = resolveConfig({ events: ['-'] }, '/work');
  assert.deepEqual([d.engine.semantics, d.engine.hostMonitoring, d.engine.apiServerAddress], ['sbob', false, '']);
  const f = resolveConfig({ config: file, semantics: 'sbob', apiServer: '10.0.0.1' }, dir);
  assert.deepEqual([f.engine.semantics, f.engine.apiServerAddress], ['sbob', '10.0.0.1']);
  writeFileSync(file, 'sources: [{type: ndjson, path: "-"}]\nengine: {semantics: strict}\n');
  assert.throws(() => resolveConfig({ config: file }, dir), (e: unknown) => e instanceof AgentConfigError && /engine\.semantics/.test((e as Error).message));
});
