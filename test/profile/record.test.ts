import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { RuntimeEvent } from '../../src/events/index.ts';
import { buildProfiles, formatSummary, generalisePath, looksRandom, profilesToYaml } from '../../src/profile/record/index.ts';

const D = '\u22ef';
const ev = (e: Partial<RuntimeEvent> & { eventType: string }): RuntimeEvent => ({ pid: 10, comm: 'x', ...e });

test('generalisation: pids in /proc, random temp names and pty numbers become ⋯; stable names stay', () => {
  assert.equal(generalisePath('/proc/1234/status'), `/proc/${D}/status`);
  assert.equal(generalisePath('/proc/1234/task/1240/comm'), `/proc/${D}/task/${D}/comm`);
  assert.equal(generalisePath('/proc/self/fd/7'), `/proc/self/fd/${D}`);
  assert.equal(generalisePath('/tmp/CuIwCkUo'), `/tmp/${D}`);
  assert.equal(generalisePath('/tmp/tmp.aB3dE9xQ/data.json'), `/tmp/${D}/data.json`);
  assert.equal(generalisePath('/tmp/sbob-tracer-Xk29aQ/sbob.bt'), `/tmp/${D}/sbob.bt`);
  assert.equal(generalisePath('/tmp/12345'), `/tmp/${D}`);
  assert.equal(generalisePath('/run/user/0/3f2a9c1d44e0'), `/run/user/0/${D}`);
  assert.equal(generalisePath('/dev/pts/3'), `/dev/pts/${D}`);
  assert.equal(generalisePath('/tmp/cache/MyFile.txt'), '/tmp/cache/MyFile.txt');
  assert.equal(generalisePath('/etc/hostname'), '/etc/hostname');
  assert.equal(generalisePath('/var/lib/abcdef123456'), '/var/lib/abcdef123456', 'only temp roots are generalised');
  assert.equal(looksRandom('report'), false);
  assert.equal(looksRandom('x9Fq2LmZ'), true);
});

test('profiles hold execs (exepath + argv), opens with united flags, syscalls, capabilities and neighbours', () => {
  const events: RuntimeEvent[] = [
    ev({ eventType: 'exec', exepath: '/usr/bin/dash', args: ['sh', '-c', 'ls /etc'] }),
    ev({ eventType: 'exec', exepath: '/usr/bin/ls', args: ['ls', '/etc'] }),
    ev({ eventType: 'exec', exepath: '/usr/bin/ls', args: ['ls', '/etc'] }),
    ev({ eventType: 'exec', exepath: '', args: [], comm: 'weird' }),
    ev({ eventType: 'open', path: '/etc/hostname', flags: ['O_RDONLY'] }),
    ev({ eventType: 'open', path: '/etc/hostname', flags: ['O_RDONLY', 'O_CLOEXEC'] }),
    ev({ eventType: 'open', path: '/proc/4242/status', flags: ['O_RDONLY'] }),
    ev({ eventType: 'open', path: '/proc/4343/status', flags: ['O_RDONLY'] }),
    ev({ eventType: 'syscall', syscallName: 'openat' }),
    ev({ eventType: 'syscall', syscallName: 'execve' }),
    ev({ eventType: 'capabilities', capName: 'CAP_DAC_OVERRIDE' }),
    ev({ eventType: 'network', dstAddr: '10.0.0.5', dstPort: 443, proto: 'TCP', direction: 'outbound', pktType: 'OUTGOING' }),
    ev({ eventType: 'network', dstAddr: '10.0.0.5', dstPort: 80, proto: 'TCP', direction: 'outbound', pktType: 'OUTGOING' }),
    ev({ eventType: 'network', dstAddr: '10.0.0.9', dstPort: 45123, proto: 'UDP', direction: 'outbound', pktType: 'OUTGOING' }),
    ev({ eventType: 'network', dstAddr: '10.0.0.7', dstPort: 8080, proto: 'TCP', direction: 'inbound', pktType: 'HOST' }),
    ev({ eventType: 'dns', name: 'example.com.' }),
  ];
  const r = buildProfiles(events, { name: 'demo', command: ['sh', '-c', 'ls /etc'] });
  const c = r.applicationProfile.spec.containers![0]!;
  assert.equal(r.applicationProfile.apiVersion, 'spdx.softwarecomposition.kubescape.io/v1beta1');
  assert.equal(r.applicationProfile.metadata.namespace, 'default');
  assert.equal(r.applicationProfile.metadata.annotations!['kubescape.io/status'], 'completed');
  assert.equal(r.applicationProfile.metadata.annotations!['kubescape.io/completion'], 'complete');
  assert.equal(c.name, 'demo');
  assert.deepEqual(c.execs, [
    { path: '/usr/bin/dash', args: ['sh', '-c', 'ls /etc'] },
    { path: '/usr/bin/ls', args: ['ls', '/etc'] },
    { path: 'weird', args: [] },
  ]);
  const host = c.opens!.find((o) => o.path === '/etc/hostname')!;
  assert.deepEqual([...host.flags!].sort(), ['O_CLOEXEC', 'O_RDONLY']);
  assert.ok(c.opens!.some((o) => o.path === `/proc/${D}/status`));
  assert.ok(!c.opens!.some((o) => /\/proc\/\d/.test(o.path)));
  assert.deepEqual(c.syscalls, ['execve', 'openat']);
  assert.deepEqual(c.capabilities, ['CAP_DAC_OVERRIDE']);
  const nc = r.networkNeighborhood.spec.containers![0]!;
  const e5 = nc.egress!.find((n) => n.ipAddress === '10.0.0.5')!;
  assert.deepEqual(e5.ports!.map((p) => p.name), ['TCP-443', 'TCP-80']);
  assert.equal(e5.type, 'external');
  assert.match(e5.identifier!, /^[0-9a-f]{64}$/);
  const e9 = nc.egress!.find((n) => n.ipAddress === '10.0.0.9')!;
  assert.deepEqual(e9.ports, [{ name: 'UDP-0', protocol: 'UDP', port: 0 }], 'ephemeral port generalised');
  assert.ok(nc.egress!.some((n) => n.dns === 'example.com.' && n.dnsNames!.includes('example.com.')));
  assert.deepEqual(nc.ingress!.map((n) => [n.ipAddress, n.ports![0]!.name]), [['10.0.0.7', 'TCP-8080']]);
  const lines = formatSummary(r.summary);
  assert.match(lines[0]!, /recorded 16 events: 3 execs/);
  assert.ok(lines.some((l) => l.includes(`/proc/4242/status, /proc/4343/status → /proc/${D}/status`)), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('UDP-45123 → UDP-0')));
});

test('many siblings collapse into a wildcard and the summary says so; lost events mark the profile partial', () => {
  const events: RuntimeEvent[] = [];
  for (let i = 0; i < 60; i++) events.push(ev({ eventType: 'open', path: `/data/cache/item-${i}.json`, flags: ['O_RDONLY'] }));
  const r = buildProfiles(events, { name: 'many', lost: 3 });
  const opens = r.applicationProfile.spec.containers![0]!.opens!;
  assert.ok(opens.length < 5, JSON.stringify(opens));
  assert.ok(opens.some((o) => o.path.startsWith('/data/cache/') && o.path.includes(D)), JSON.stringify(opens));
  assert.ok(r.summary.collapsed.length >= 1);
  assert.ok(formatSummary(r.summary).some((l) => /^collapsed opens: 60 entries/.test(l)), formatSummary(r.summary).join('\n'));
  assert.equal(r.applicationProfile.metadata.annotations!['kubescape.io/completion'], 'partial');
  assert.match(formatSummary(r.summary)[0]!, /3 events LOST/);
  const lit = buildProfiles(events, { name: 'many', literal: true });
  assert.equal(lit.applicationProfile.spec.containers![0]!.opens!.length, 60);
});

test('a connection to an address a DNS answer named becomes one neighbour with the name and the address', () => {
  const r = buildProfiles([
    ev({ eventType: 'dns', name: 'api.io.' }),
    ev({ eventType: 'dns', name: 'unused.io.' }),
    ev({ eventType: 'network', dstAddr: '10.1.2.3', dstPort: 443, proto: 'TCP', direction: 'outbound', pktType: 'OUTGOING', dnsName: 'api.io.' }),
  ], { name: 'n' });
  const egress = r.networkNeighborhood.spec.containers![0]!.egress!;
  assert.deepEqual(egress.map((n) => [n.ipAddress, n.dns, n.dnsNames, n.ports!.map((p) => p.name)]), [
    ['', 'unused.io.', ['unused.io.'], []],
    ['10.1.2.3', 'api.io.', ['api.io.'], ['TCP-443']],
  ]);
});

test('YAML output is two documents: ApplicationProfile then NetworkNeighborhood', () => {
  const r = buildProfiles([ev({ eventType: 'exec', exepath: '/bin/true', args: ['true'] })], { name: 'y', namespace: 'ns1' });
  const docs = parseAllDocuments(profilesToYaml(r.applicationProfile, r.networkNeighborhood, ['hello'])).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace]), [['ApplicationProfile', 'y', 'ns1'], ['NetworkNeighborhood', 'y', 'ns1']]);
});

test('rule policies are learned: each supportPolicy rule an event satisfies allows the event comm', async () => {
  const { RuleEngine } = await import('../../src/rules/index.ts');
  const engine = new RuleEngine({
    rules: [{
      apiVersion: 'kubescape.io/v1', kind: 'Rules', metadata: { name: 'r' },
      spec: {
        rules: [
          { id: 'R1030', name: 'io_uring', enabled: true, supportPolicy: true, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'iouring', expression: 'true' }] } },
          { id: 'R1010', name: 'symlink', enabled: true, supportPolicy: true, expressions: { message: "'m'", uniqueId: "'u'", ruleExpression: [{ eventType: 'symlink', expression: "event.oldPath.startsWith('/etc/shadow')" }] } },
        ],
      },
    }],
  });
  const res = buildProfiles([
    ev({ eventType: 'iouring', comm: 'postgres', opcode: 22 }),
    ev({ eventType: 'iouring', comm: 'pg_worker', opcode: 22 }),
    ev({ eventType: 'symlink', comm: 'ln', oldPath: '/etc/hosts', newPath: '/tmp/h' }),
  ], { name: 'db', learnPolicies: (e) => engine.learnPolicies(e) });
  assert.deepEqual(res.applicationProfile.spec.containers?.[0]?.rulePolicies, { R1030: { processAllowed: ['pg_worker', 'postgres'] } });
});
