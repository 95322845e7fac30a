import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDynamic } from '../../src/match/index.ts';
import type { ContainerProfileContainer } from '../../src/model/index.ts';
import {
  PathAnalyzer, analyzeOpens, analyzeEndpoints, mergeDuplicateEndpoints, isValidEndpointURI, deflateExecs,
  deflateNeighbors, deflateRulePolicies, deflateSortString, preSaveApplicationProfile, preSaveNetworkNeighborhood,
  preSaveContainerProfile, mergeUserApplicationProfile, mergeUserNetworkNeighborhood, compactProfile,
  compactApplicationProfile, ProfileTooLargeError, UnsupportedProfileError, RESOURCE_SIZE_ANNOTATION,
} from '../../src/profile/compact/index.ts';

const siblings = (dir: string, n: number) => Array.from({ length: n }, (_, i) => `${dir}/file${i}.dat`);

test('analyzeOpens: flags united and sorted, output sorted, literals covered by a pattern dropped', () => {
  const a = new PathAnalyzer({ threshold: 3, collapseConfigs: [] });
  const out = analyzeOpens(
    [
      { path: '/var/log/b.log', flags: ['O_WRONLY'] },
      { path: '/home/u0/x', flags: ['O_RDONLY'] },
      { path: '/home/u1/x', flags: ['O_WRONLY', 'O_RDONLY'] },
      { path: '/home/u2/x' },
      { path: '/home/u3/x', flags: ['O_APPEND'] },
      { path: '/home/⋯/y', flags: ['O_RDONLY'] },
      { path: '/var/log/a.log', flags: ['O_RDONLY', 'O_RDONLY'] },
    ],
    a,
  );
  assert.deepEqual(out, [
    { path: '/home/⋯/x', flags: ['O_APPEND', 'O_RDONLY', 'O_WRONLY'] },
    { path: '/home/⋯/y', flags: ['O_RDONLY'] },
    { path: '/var/log/a.log', flags: ['O_RDONLY'] },
    { path: '/var/log/b.log', flags: ['O_WRONLY'] },
  ]);
});

test('analyzeOpens: SBOM paths are kept verbatim, still count as children, and are never dropped', () => {
  const a = new PathAnalyzer({ threshold: 3 });
  const out = analyzeOpens(
    ['libcrypto.so.3', 'libssl.so.3', 'libz.so.1', 'libm.so.6'].map((f) => ({ path: `/usr/lib/${f}`, flags: ['O_RDONLY'] })),
    a,
    ['/usr/lib/libcrypto.so.3'],
  );
  assert.deepEqual(out.map((o) => o.path), ['/usr/lib/libcrypto.so.3', '/usr/lib/⋯']);
});

test('endpoints: per-port tries, duplicate merge, :0 folding in both orders, invalid URIs dropped', () => {
  const a = new PathAnalyzer({ threshold: 2 });
  const out = analyzeEndpoints(
    [
      { endpoint: ':80/u/1', methods: ['GET'], headers: { Host: ['a'] } },
      { endpoint: ':80/u/2', methods: ['POST'], headers: { Host: ['b'] } },
      { endpoint: ':80/u/3', methods: ['GET'] },
      { endpoint: ':443/u/1', methods: ['PUT'] },
      { endpoint: ':8080/login', methods: ['POST'], direction: 'outbound' },
      { endpoint: ':0/login', methods: ['GET'], direction: 'outbound' },
      { endpoint: ':9090/login', methods: ['HEAD'], direction: 'inbound' },
      { endpoint: ':::bad@!#x:::', methods: ['GET'] },
    ],
    a,
  );
  assert.deepEqual(out, [
    { endpoint: ':80/u/⋯', methods: ['GET', 'POST'], headers: { Host: ['a', 'b'] } },
    { endpoint: ':443/u/1', methods: ['PUT'] },
    { endpoint: ':0/login', methods: ['POST', 'GET'], direction: 'outbound' },
    { endpoint: ':9090/login', methods: ['HEAD'], direction: 'inbound' },
  ]);
});

test('mergeDuplicateEndpoints keeps entries with a different internal flag apart', () => {
  const out = mergeDuplicateEndpoints([
    { endpoint: ':0/login', methods: ['GET'], direction: 'outbound', internal: true },
    { endpoint: ':443/login', methods: ['POST'], direction: 'outbound', internal: false },
    { endpoint: ':443/login', methods: ['POST', 'PUT'], direction: 'outbound', internal: false },
  ]);
  assert.deepEqual(out.map((e) => [e.endpoint, e.methods]), [[':0/login', ['GET']], [':443/login', ['POST', 'PUT']]]);
});

test('isValidEndpointURI follows Go request-URI parsing', () => {
  assert.equal(isValidEndpointURI(':80/users/123?x=1'), true);
  assert.equal(isValidEndpointURI('/health'), true);
  assert.equal(isValidEndpointURI(':80/a%zz'), false, 'bad escape');
  assert.equal(isValidEndpointURI(':8o/x'), false, 'non-numeric port');
  assert.equal(isValidEndpointURI(':80/x\u0001'), false, 'control byte');
  assert.equal(isValidEndpointURI('host{x}:80/'), false, 'bad host character');
});

test('small deflate helpers', () => {
  assert.deepEqual(deflateSortString(['c', 'a', 'c']), ['a', 'c']);
  assert.equal(deflateSortString(null), null);
  assert.deepEqual(deflateRulePolicies({ R1: { processAllowed: ['b', 'a', 'b'], containerAllowed: true } }), {
    R1: { processAllowed: ['a', 'b'], containerAllowed: true },
  });
  assert.equal(deflateRulePolicies(null), null);
  assert.deepEqual(
    deflateExecs([
      { path: '/bin/ls', args: ['-l', '/tmp'] },
      { path: '/bin/ls', args: ['-l', '/home'] },
      { path: '/bin/ls', args: ['-l', '/tmp'] },
      { path: '/bin/ls', args: ['-l'], envs: ['/tmp'] },
    ]).length,
    3,
  );
  assert.deepEqual(
    deflateNeighbors([
      { identifier: 'a', dnsNames: ['z.', 'a.'], ports: [{ name: 'TCP-80' }] },
      { identifier: 'a', dnsNames: ['a.'], ports: [{ name: 'TCP-443' }, { name: 'TCP-80', port: 1 }], ipAddresses: ['10.0.0.1'] },
    ]),
    [{ identifier: 'a', dnsNames: ['a.', 'z.'], ports: [{ name: 'TCP-80' }, { name: 'TCP-443' }], ipAddresses: ['10.0.0.1'] }],
  );
});

test('preSave: size annotation, too-large error naming the object, CP gets status too-large instead', () => {
  const ap = {
    apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
    kind: 'ApplicationProfile',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { containers: [{ name: 'c', execs: [{ path: '/a' }, { path: '/a' }], syscalls: ['read', 'open', 'read'] }] },
  };
  const r = preSaveApplicationProfile(ap);
  assert.equal(r.size, 3);
  assert.equal(r.object.metadata.annotations?.[RESOURCE_SIZE_ANNOTATION], '3');
  assert.equal('schemaVersion' in r.object, false);
  assert.equal((ap.metadata as Record<string, unknown>).annotations, undefined, 'input untouched');
  assert.throws(() => preSaveApplicationProfile(ap, { maxSize: 2 }),
    (e: unknown) => e instanceof ProfileTooLargeError && e.message === 'ApplicationProfile shop/web: resource size 3 exceeds the maximum of 2 entries');
  const nn = { kind: 'NetworkNeighborhood', metadata: { name: 'n' }, spec: { containers: [{ name: 'c', egress: [{ identifier: 'x' }, { identifier: 'x' }] }] } };
  assert.equal(preSaveNetworkNeighborhood(nn).size, 1);
  const cp = { kind: 'ContainerProfile', metadata: { name: 'p' }, spec: { execs: [{ path: '/a' }, { path: '/b' }] } };
  const c = preSaveContainerProfile(cp, { maxSize: 1 });
  assert.equal(c.tooLarge, true);
  assert.equal(c.object.metadata.annotations?.['kubescape.io/status'], 'too-large');
});

test('user overlays: AP lists appended, NN merged by identifier (ipAddresses gap reproduced by default)', () => {
  const base = { execs: [{ path: '/a' }], rulePolicies: { R1: { processAllowed: ['x'] } } };
  const user = { spec: { ephemeralContainers: [{ name: 'dbg', execs: [{ path: '/b' }], rulePolicies: { R1: { containerAllowed: true } } }] } };
  const m = mergeUserApplicationProfile(base, user, 'dbg');
  assert.deepEqual(m.execs, [{ path: '/a' }, { path: '/b' }]);
  assert.deepEqual(m.rulePolicies, { R1: { processAllowed: ['x'], containerAllowed: true } });
  assert.deepEqual(base.execs, [{ path: '/a' }], 'input untouched');

  const nb: ContainerProfileContainer = { egress: [{ identifier: 'api', ipAddresses: ['10.0.0.1'], ports: [{ name: 'TCP-443', port: 443 }] }] };
  const nu = { spec: { containers: [{ name: 'c', egress: [{ identifier: 'api', ipAddresses: ['10.0.0.2'], type: 'external' }] }] } };
  assert.deepEqual(mergeUserNetworkNeighborhood(nb, nu, 'c').egress?.[0]?.ipAddresses, ['10.0.0.1']);
  assert.deepEqual(mergeUserNetworkNeighborhood(nb, nu, 'c', { dropUserIPAddressesOnCollision: false }).egress?.[0]?.ipAddresses, ['10.0.0.1', '10.0.0.2']);
  assert.equal(mergeUserNetworkNeighborhood(nb, nu, 'c').egress?.[0]?.type, 'external');
});

const ap = (paths: string[]) => ({
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'ApplicationProfile',
  metadata: { name: 'rec', namespace: 'ns' },
  spec: { containers: [{ name: 'app', opens: paths.map((path) => ({ path, flags: ['O_RDONLY'] })) }] },
});

// Storage's rule is "more than N children": with the default threshold 50, exactly 50 siblings stay
// literal, so the collapse needs a 51st recorded sibling (or a lower threshold).
test('compactApplicationProfile: 50 siblings stay, 51 collapse and then match new siblings', () => {
  const fifty = compactApplicationProfile(ap(siblings('/var/cache/app', 50)));
  assert.equal(fifty.collapsed.length, 0);
  assert.equal((fifty.profile.spec.containers[0]!.opens as unknown[]).length, 50);

  const recorded = siblings('/var/cache/app', 51);
  const r = compactApplicationProfile(ap(recorded));
  assert.deepEqual(r.collapsed, [{ surface: 'opens', container: 'app', prefix: '/var/cache/app', from: 51, to: '/var/cache/app/⋯' }]);
  const opens = r.profile.spec.containers[0]!.opens!.map((o) => o.path);
  assert.deepEqual(opens, ['/var/cache/app/⋯']);
  for (const p of [...recorded, '/var/cache/app/file51.dat', '/var/cache/app/brand-new']) {
    assert.ok(opens.some((o) => compareDynamic(o, p)), `${p} is covered`);
  }
  assert.equal(opens.some((o) => compareDynamic(o, '/var/cache/app/sub/deeper')), false, '⋯ is one segment');

  const lower = compactApplicationProfile(ap(siblings('/var/cache/app', 50)), { openDynamicThreshold: 49 });
  assert.equal(lower.collapsed[0]!.from, 50);
});

test('compactProfile: ContainerProfile (flat and grouped), NetworkNeighborhood, and a clear error for other kinds', () => {
  const cp = {
    kind: 'ContainerProfile',
    metadata: { name: 'cp' },
    spec: {
      opens: siblings('/x', 4).map((path) => ({ path })),
      architectures: ['arm64', 'amd64', 'amd64'],
      containers: [{ name: 'side', opens: siblings('/y', 4).map((path) => ({ path })) }],
    },
  };
  const r = compactProfile(cp, { openDynamicThreshold: 3 });
  assert.deepEqual(r.profile.spec.opens, [{ path: '/x/⋯', flags: [] }]);
  assert.deepEqual(r.profile.spec.architectures, ['amd64', 'arm64']);
  assert.deepEqual(r.profile.spec.containers[0]!.opens, [{ path: '/y/⋯', flags: [] }]);
  assert.deepEqual(r.collapsed.map((c) => [c.container, c.to]), [[undefined, '/x/⋯'], ['side', '/y/⋯']]);
  assert.throws(() => compactProfile({ kind: 'Rules', metadata: { name: 'r', namespace: 'ns' }, spec: {} }),
    (e: unknown) => e instanceof UnsupportedProfileError && /^Rules ns\/r: field kind: "Rules" cannot be compacted/.test(e.message));
  assert.throws(() => compactProfile({ kind: 'ApplicationProfile', metadata: { name: 'a' } }), /ApplicationProfile a: field spec: missing/);
});

test('compactProfile warns about hazardous open paths and shows their effect', () => {
  const r = compactProfile(ap(['/*/Chart.yaml', '/etc/hosts', '/usr/lib/*.so']));
  assert.deepEqual(r.warnings.map((w) => [w.container, w.entry, w.message.split(':')[0]]), [
    ['app', '/*/Chart.yaml', 'the first segment is "*"'],
    ['app', '/usr/lib/*.so', '"*" inside a segment is a literal character, not a glob (only a whole "*" segment is a wildcard)'],
  ]);
  assert.deepEqual(r.profile.spec.containers[0]!.opens!.map((o) => o.path), ['/*'], 'upstream: the leading * captures everything');
  assert.deepEqual(compactProfile(ap(['/etc/hosts'])).warnings, []);
});
