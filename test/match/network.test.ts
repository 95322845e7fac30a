import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNetworkEntries, checkNeighborEntries, lookupKnownServers, classifyEntry, isDynamicEntry } from '../../src/match/index.ts';

test('checkNetworkEntries: every bad entry with its field path, NN and CP (flat and grouped)', () => {
  const nn = {
    spec: {
      containers: [
        { name: 'a', egress: [{ ipAddresses: ['10.0.0.0/8', '*', 'nope'], dnsNames: ['ok.example.', 'foo.*.bar'] }] },
      ],
      initContainers: [{ name: 'i', ingress: [{ ipAddress: '10.0.0.0/40', dns: '**' }] }],
    },
  };
  assert.deepEqual(checkNetworkEntries(nn).map((p) => p.path), [
    'spec.containers[0].egress[0].ipAddresses[2]',
    'spec.containers[0].egress[0].dnsNames[1]',
    'spec.initContainers[0].ingress[0].ipAddress',
    'spec.initContainers[0].ingress[0].dns',
  ]);
  const cp = { spec: { egress: [{ ipAddress: '', ipAddresses: ['2001:db8::/32'], dns: '' }], ingress: [{ dnsNames: ['*'] }] } };
  const problems = checkNetworkEntries(cp);
  assert.deepEqual(problems.map((p) => [p.path, p.value]), [['spec.ingress[0].dnsNames[0]', '*']]);
  assert.match(problems[0]!.reason, /lone "\*"/);
  assert.deepEqual(checkNetworkEntries(null), []);
  assert.deepEqual(checkNeighborEntries({ ipAddresses: [42] }, 'n').map((p) => p.reason), ['not a string']);
});

test('lookupKnownServers: CIDR containment, empty and malformed blocks skipped', () => {
  const servers = [
    { server: 's1', name: 'n1', ipBlock: '192.168.1.0/24' },
    { server: 's2', name: 'n2', ipBlock: '' },
    { server: 's3', name: 'n3', ipBlock: 'invalid' },
    { server: 's4', name: 'n4', ipBlock: '192.168.1.128/25' },
  ];
  assert.deepEqual(lookupKnownServers(servers, '192.168.1.200').map((s) => s.server), ['s1', 's4']);
  assert.deepEqual(lookupKnownServers(servers, '172.16.0.1'), []);
  assert.deepEqual(lookupKnownServers(servers, 'not-an-ip'), []);
});

test('classifyEntry: wildcard entries are patterns only on the path surfaces', () => {
  assert.equal(classifyEntry('opens', '/etc/ssl/*'), 'pattern');
  assert.equal(classifyEntry('execs', '/opt/⋯/agent'), 'pattern');
  assert.equal(classifyEntry('endpoints', ':0/x'), 'value');
  assert.equal(classifyEntry('egressDomains', '*.example.com'), 'value');
  assert.equal(isDynamicEntry('/a*b'), true);
});
