import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  splitEndpointPortAndPath,
  compareEndpoint,
  compileEndpoint,
  matchPortProtocol,
  prefixAny,
  suffixAny,
  containsAny,
} from '../../src/match/index.ts';

test('splitEndpointPortAndPath', () => {
  assert.deepEqual(splitEndpointPortAndPath(':80'), { port: '80', path: '/' });
  assert.deepEqual(splitEndpointPortAndPath(':0/api/users'), { port: '0', path: '/api/users' });
  assert.deepEqual(splitEndpointPortAndPath('/health'), { port: '', path: '/health' });
  assert.deepEqual(splitEndpointPortAndPath('foo'), { port: '', path: '/foo' });
});

test('compareEndpoint: literal and wildcard paths', () => {
  assert.equal(compareEndpoint(':8080/orders/⋯', ':8080/orders/42', { wildcardPort: false }), true);
  assert.equal(compareEndpoint(':8080/orders/⋯', ':8081/orders/42', { wildcardPort: true }), false);
});

// sbob extension, on purpose different from upstream: node-agent compares `:0` as a literal first segment
// (rule-engine.md §2.3), so `:0/x` only matches an observed `:0/x`. With wildcardPort sbob treats `:0`
// as "any port", the meaning storage gives it when it folds sibling ports.
test('compareEndpoint: :0 is any port only with wildcardPort (sbob extension)', () => {
  assert.equal(compareEndpoint(':0/api/⋯', ':443/api/users', { wildcardPort: true }), true);
  assert.equal(compareEndpoint(':0/api/⋯', ':443/api/users', { wildcardPort: false }), false, 'upstream: literal');
  assert.equal(compareEndpoint(':0/api/⋯', ':0/api/users', { wildcardPort: false }), true);
  assert.equal(compareEndpoint(':0', ':80/', { wildcardPort: true }), true);
  assert.equal(compareEndpoint(':0', ':80/x', { wildcardPort: true }), false);
  assert.equal(compareEndpoint(':0/a', ':80/b', { wildcardPort: true }), false);
  assert.equal(compareEndpoint(':00/a', ':80/a', { wildcardPort: true }), false);
  assert.equal(compareEndpoint(':0/a', '', { wildcardPort: true }), false);
});

// sbob extension: upstream `was_address_port_protocol_in_*` ignores port and protocol (address-only,
// rule-engine.md §2.4). sbob can additionally check the neighbor's `ports` list.
test('matchPortProtocol (sbob extension)', () => {
  const ports = [
    { name: 'TCP-443', protocol: 'TCP', port: 443 },
    { name: 'UDP-any', protocol: 'UDP', port: null },
  ];
  assert.equal(matchPortProtocol(ports, 443, 'tcp'), true, 'protocol case-insensitive');
  assert.equal(matchPortProtocol(ports, 443, 'UDP'), true, 'null port = any port');
  assert.equal(matchPortProtocol(ports, 80, 'TCP'), false);
  assert.equal(matchPortProtocol([], 80, 'TCP'), true, 'empty list admits everything');
  assert.equal(matchPortProtocol(undefined, 80, 'TCP'), true);
  assert.equal(matchPortProtocol([{ port: 0 }], 5, 'SCTP'), true, 'port 0 and no protocol admit anything');
  assert.equal(matchPortProtocol([{ port: 53, protocol: '' }], 53, 'UDP'), true);
  assert.equal(matchPortProtocol(ports, 70000, 'TCP'), false, 'out-of-range port');
  assert.equal(matchPortProtocol([], -1, 'TCP'), false);
});

test('prefixAny / suffixAny / containsAny are plain string tests', () => {
  assert.equal(prefixAny(['/bin/', '/usr/'], '/usr/local/bin/curl'), true);
  assert.equal(prefixAny([''], 'x'), true);
  assert.equal(prefixAny(['/data/⋯/config'], '/data/x/config'), false);
  assert.equal(suffixAny(['.log', '.conf'], '/etc/app.conf'), true);
  assert.equal(containsAny(['abc'], ''), false);
  assert.equal(containsAny(['xyz', 'http'], 'is_http_request'), true);
});

test('compileEndpoint gives the same answers as compareEndpoint', () => {
  const pats = [':0/api/⋯', ':0', ':443/login', ':0/a/*', '', ':00/a'];
  const obs = [':443/api/users', ':80/', ':443/login', ':0/login', ':8080/a/b/c', '', '/a/x', ':00/a'];
  for (const wildcardPort of [true, false]) {
    for (const p of pats) {
      const c = compileEndpoint(p, { wildcardPort });
      for (const o of obs) assert.equal(c.match(o), compareEndpoint(p, o, { wildcardPort }), `${p} vs ${o} (${wildcardPort})`);
    }
  }
});
