/** Unit tests of every helper namespace, independent of the shared conformance data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleEngine, createWorld, fromCel, type World } from '../../src/rules/index.ts';
import type { ProfileObject } from '../../src/model/index.ts';

const AP: ProfileObject = {
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'ApplicationProfile',
  metadata: { name: 'web', namespace: 'shop', labels: { 'kubescape.io/workload-name': 'web' } },
  spec: {
    containers: [{
      name: 'nginx',
      execs: [
        { path: '/usr/sbin/nginx', args: ['nginx', '-g', 'daemon off;'] },
        { path: '/bin/sh', args: [] },
        { path: '/usr/bin/⋯', args: ['⋯', '--version'] },
        { path: '/opt/app/run', args: ['run', '⋯⋯'] },
      ],
      opens: [{ path: '/etc/nginx/nginx.conf', flags: ['O_RDONLY'] }, { path: '/var/log/nginx/*', flags: [] }, { path: '/proc/⋯/stat' }],
      syscalls: ['read', 'write', 'openat'],
      capabilities: ['CAP_NET_BIND_SERVICE'],
      endpoints: [{ endpoint: ':80/health' }, { endpoint: ':80/api/⋯/items' }, { endpoint: 'http://api.example.com/v1' }],
      rulePolicies: { R1030: { processAllowed: ['nginx'] } },
    }],
  },
} as ProfileObject;

const NN: ProfileObject = {
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'NetworkNeighborhood',
  metadata: { name: 'web', namespace: 'shop', labels: { 'kubescape.io/workload-name': 'web' } },
  spec: {
    containers: [{
      name: 'nginx',
      egress: [
        { identifier: 'db', dnsNames: ['db.shop.svc.cluster.local.'], ipAddresses: ['10.0.0.0/8'], ports: [{ name: 'TCP-5432', protocol: 'TCP', port: 5432 }] },
        { identifier: 'stripe', dnsNames: ['*.stripe.com'], ipAddress: '52.1.2.3' },
      ],
      ingress: [{ identifier: 'lb', ipAddress: '192.168.0.5' }],
    }],
  },
} as ProfileObject;

function engine(world?: World): RuleEngine {
  const e = new RuleEngine({ world, profiles: [AP, NN] });
  e.registerContainer({ containerId: 'c1', name: 'nginx', namespace: 'shop', podName: 'web-5f7d-abcde' });
  e.registerContainer({ containerId: 'c2', name: 'nginx', namespace: 'other', podName: 'web-1' });
  return e;
}

function evalExpr(e: RuleEngine, expr: string): unknown {
  const p = e.env.parse(expr) as unknown as ((v: Record<string, unknown>) => unknown) & { check(): { valid: boolean; error?: Error } };
  const c = p.check();
  if (!c.valid) throw c.error;
  return fromCel(p({}));
}

test('ap/cp exec helpers: values, wildcard paths, argv patterns, no profile → false', () => {
  const e = engine();
  assert.equal(evalExpr(e, "ap.was_executed('c1', '/usr/sbin/nginx')"), true);
  assert.equal(evalExpr(e, "cp.was_executed('c1', '/usr/bin/python3')"), true, '⋯ matches one segment');
  assert.equal(evalExpr(e, "ap.was_executed('c1', '/usr/local/bin/x')"), false);
  assert.equal(evalExpr(e, "ap.was_executed('c2', '/usr/sbin/nginx')"), false, 'other namespace: no profile');
  assert.equal(evalExpr(e, "ap.was_executed('nope', '/usr/sbin/nginx')"), false, 'unknown container: no profile');
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/usr/sbin/nginx', ['nginx', '-g', 'daemon off;'])"), true);
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/usr/sbin/nginx', ['nginx', '-s', 'stop'])"), false);
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/bin/sh', ['sh', '-c', 'anything'])"), true, 'empty argv = no constraint');
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/usr/bin/git', ['git', '--version'])"), true);
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/opt/app/run', ['run'])"), true, '⋯⋯ matches zero args');
  assert.equal(evalExpr(e, "ap.was_executed_with_args('c1', '/opt/app/run', ['run', 'a', 'b'])"), true);
});

test('ap/cp open, syscall, capability, endpoint and host helpers', () => {
  const e = engine();
  assert.equal(evalExpr(e, "ap.was_path_opened('c1', '/etc/nginx/nginx.conf')"), true);
  assert.equal(evalExpr(e, "ap.was_path_opened('c1', '/etc/nginx/nginx.conf/')"), true, 'trailing slash ignored');
  assert.equal(evalExpr(e, "ap.was_path_opened('c1', '/var/log/nginx/a/b.log')"), true, 'trailing * = one or more segments');
  assert.equal(evalExpr(e, "ap.was_path_opened('c1', '/var/log/nginx')"), false);
  assert.equal(evalExpr(e, "ap.was_path_opened_with_flags('c1', '/proc/42/stat', ['O_RDONLY'])"), true);
  assert.equal(evalExpr(e, "ap.was_path_opened_with_suffix('c1', '.conf')"), true);
  assert.equal(evalExpr(e, "ap.was_path_opened_with_prefix('c1', '/etc/shadow')"), false);
  assert.equal(evalExpr(e, "ap.was_syscall_used('c1', 'openat')"), true);
  assert.equal(evalExpr(e, "ap.was_syscall_used('c1', 'ptrace')"), false);
  assert.equal(evalExpr(e, "ap.was_capability_used('c1', 'CAP_NET_BIND_SERVICE')"), true);
  assert.equal(evalExpr(e, "ap.was_capability_used('c1', 'NET_BIND_SERVICE')"), false, 'capabilities compare exactly');
  assert.equal(evalExpr(e, "ap.was_endpoint_accessed('c1', ':80/api/v2/items')"), true);
  assert.equal(evalExpr(e, "ap.was_endpoint_accessed_with_method('c1', ':80/health', 'POST')"), true, 'method is not compared');
  assert.equal(evalExpr(e, "ap.was_endpoint_accessed_with_methods('c1', ':80/nope', ['GET'])"), false);
  assert.equal(evalExpr(e, "ap.was_endpoint_accessed_with_prefix('c1', ':80/api')"), true);
  assert.equal(evalExpr(e, "ap.was_endpoint_accessed_with_suffix('c1', '/items')"), true);
  assert.equal(evalExpr(e, "ap.was_host_accessed('c1', 'api.example.com')"), true);
  assert.equal(evalExpr(e, "ap.was_host_accessed('c1', 'evil.example.com')"), false);
});

test('nn/cp network helpers: CIDR, wildcard DNS, trailing dots, ingress/egress isolation', () => {
  const e = engine();
  assert.equal(evalExpr(e, "nn.was_address_in_egress('c1', '10.20.30.40')"), true);
  assert.equal(evalExpr(e, "nn.was_address_in_egress('c1', '::ffff:52.1.2.3')"), true, 'v4-mapped equals v4');
  assert.equal(evalExpr(e, "nn.was_address_in_egress('c1', '192.168.0.5')"), false, 'ingress entry is not egress');
  assert.equal(evalExpr(e, "nn.was_address_in_ingress('c1', '192.168.0.5')"), true);
  assert.equal(evalExpr(e, "nn.is_domain_in_egress('c1', 'api.stripe.com.')"), true);
  assert.equal(evalExpr(e, "nn.is_domain_in_egress('c1', 'stripe.com')"), false, '*. needs exactly one label');
  assert.equal(evalExpr(e, "nn.is_domain_in_egress('c1', 'DB.shop.svc.cluster.local')"), true, 'case and trailing dot insensitive');
  assert.equal(evalExpr(e, "nn.is_domain_in_ingress('c1', 'api.stripe.com')"), false);
  assert.equal(evalExpr(e, "nn.was_address_port_protocol_in_egress('c1', '10.1.1.1', 5432, 'TCP')"), true);
  assert.equal(evalExpr(e, "nn.was_address_port_protocol_in_egress('c1', '10.1.1.1', 22, 'TCP')"), false, 'sbob honours ports');
  assert.equal(evalExpr(e, "nn.was_address_port_protocol_in_egress('c1', '10.1.1.1', 70000, 'TCP')"), false, 'port out of range');
});

test('k8s helpers: mount paths, container by name, API server address', () => {
  const world = createWorld({ apiServerAddress: '10.96.0.1' });
  world.pods.set('shop/web-1', {
    namespace: 'shop', name: 'web-1',
    spec: {
      containers: [{ name: 'nginx', volumeMounts: [{ name: 'cfg', mountPath: '/etc/nginx' }, { name: 'data', mountPath: '/data' }] }],
      initContainers: [{ name: 'init', volumeMounts: [{ name: 'x', mountPath: '/x' }] }],
    },
  });
  const e = engine(world);
  assert.deepEqual(evalExpr(e, "k8s.get_container_mount_paths('shop', 'web-1', 'nginx')"), ['/etc/nginx', '/data']);
  assert.deepEqual(evalExpr(e, "k8s.get_container_mount_paths('shop', 'web-1', 'init')"), ['/x']);
  assert.throws(() => evalExpr(e, "k8s.get_container_mount_paths('shop', 'missing', 'nginx')"), /pod shop\/missing not found/);
  assert.equal(evalExpr(e, "k8s.get_container_by_name('shop', 'web-1', 'init')"), true);
  assert.equal(evalExpr(e, "k8s.get_container_by_name('shop', 'missing', 'init')"), false);
  assert.equal(evalExpr(e, "k8s.is_api_server_address('10.96.0.1')"), true);
  assert.equal(evalExpr(e, "k8s.is_api_server_address('10.96.0.2')"), false);
});

test('parse helpers: exec path resolution exepath → argv[0] → comm', () => {
  const e = engine();
  assert.equal(evalExpr(e, "parse.get_exec_path(['/bin/ls', '-l'], 'ls')"), '/bin/ls');
  assert.equal(evalExpr(e, "parse.get_exec_path(['', '-l'], 'ls')"), 'ls');
  assert.equal(evalExpr(e, "parse.get_exec_path([], 'ls')"), 'ls');
  assert.equal(evalExpr(e, "parse.get_exec_path(['/bin/sh'], 'sleep', '/usr/bin/sleep')"), '/usr/bin/sleep');
  assert.equal(evalExpr(e, "parse.get_exec_path(['/bin/sh'], 'sleep', '')"), '/bin/sh');
});

test('net helpers: private ranges, loopback, IPv6', () => {
  const e = engine();
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255', '::1', '::ffff:10.0.0.1']) {
    assert.equal(evalExpr(e, `net.is_private_ip('${ip}')`), true, ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '100.64.0.1', 'fd00::1', 'fe80::1', 'not-an-ip', '']) {
    assert.equal(evalExpr(e, `net.is_private_ip('${ip}')`), false, ip);
  }
});

test('process helpers: environment map and LD_* hook variables', () => {
  const world = createWorld({
    processEnv: (pid): Record<string, string> | null => (pid === 7 ? { PATH: '/bin', LD_AUDIT: '/x.so', LD_PRELOAD: '' } : pid === 8 ? { HOME: '/' } : null),
  });
  const e = engine(world);
  assert.equal(evalExpr(e, 'process.get_ld_hook_var(uint(7))'), 'LD_PRELOAD', 'first in lookup order, even if empty');
  assert.equal(evalExpr(e, 'process.get_ld_hook_var(uint(8))'), '');
  assert.equal(evalExpr(e, 'process.get_ld_hook_var(uint(9))'), '', 'unreadable environment');
  assert.deepEqual(evalExpr(e, 'process.get_process_env(8)'), { HOME: '/' });
  assert.throws(() => evalExpr(e, 'process.get_process_env(9)'), /cannot read the environment of pid 9/);
});

test('string extensions of cel-go are available', () => {
  const e = engine();
  assert.equal(evalExpr(e, "'a-b-c'.replace('-', '+')"), 'a+b+c');
  assert.equal(evalExpr(e, "'a-b-c'.replace('-', '+', 1)"), 'a+b-c');
  assert.equal(evalExpr(e, "'abc'.charAt(1)"), 'b');
  assert.equal(evalExpr(e, "'abc'.reverse()"), 'cba');
  assert.equal(evalExpr(e, "'ABC'.lowerAscii()"), 'abc');
  assert.deepEqual(evalExpr(e, "'a,b'.split(',')"), ['a', 'b']);
  assert.equal(evalExpr(e, "strings.quote('x\"y')"), '"x\\"y"');
});
