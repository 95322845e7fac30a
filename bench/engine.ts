/**
 * Rule-engine throughput: a generated mixed event stream (all rule event types, 100 containers with
 * realistic profiles, the upstream rule set bound through RuntimeRuleAlertBindings) replayed through
 * the full `sbob eval` pipeline in-process: NDJSON line → parse → field check → normalisation →
 * bound rules → alerts serialised as NDJSON. Baseline: bare JSON.parse of the same lines, measured in
 * the same run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPathLenient, type ProfileObject, type RuntimeRuleAlertBinding } from '../src/model/index.ts';
import { RuleEngine } from '../src/rules/index.ts';
import type { RuntimeEvent } from '../src/events/index.ts';
import { parseEventLine } from '../src/events/sources/ndjson.ts';

const N_EVENTS = Number(process.env.SBOB_BENCH_EVENTS ?? 1_000_000);
const N_CONTAINERS = 100;
const NAMESPACES = 10;

/** Deterministic PRNG (mulberry32), so every run replays the same stream. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const BINS = ['/usr/bin/python3', '/usr/local/bin/gunicorn', '/bin/sh', '/usr/bin/env', '/usr/bin/curl', '/usr/sbin/nginx', '/app/server', '/usr/bin/node'];
const SYSCALLS = ['read', 'write', 'openat', 'close', 'epoll_wait', 'accept4', 'recvfrom', 'sendto', 'futex', 'mmap', 'munmap', 'brk', 'fstat', 'lseek', 'clone', 'execve', 'getpid', 'socket', 'connect', 'bind'];
const CAPS = ['CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE'];

interface Container { id: string; name: string; ns: string; pod: string; workload: string }

function makeWorld(): { containers: Container[]; profiles: ProfileObject[] } {
  const containers: Container[] = [];
  const profiles: ProfileObject[] = [];
  for (let i = 0; i < N_CONTAINERS; i++) {
    const ns = `ns-${i % NAMESPACES}`;
    const workload = `app-${i}`;
    const c: Container = { id: `c${String(i).padStart(4, '0')}${'0'.repeat(58)}`, name: 'main', ns, pod: `${workload}-6b7f9-abc${i}`, workload };
    containers.push(c);
    const labels = { 'kubescape.io/workload-name': workload };
    const opens = [
      ...Array.from({ length: 60 }, (_, k) => ({ path: `/app/data/file-${k}.json`, flags: ['O_RDONLY'] })),
      { path: '/etc/ssl/certs/*', flags: ['O_RDONLY'] },
      { path: '/proc/⋯/stat', flags: ['O_RDONLY'] },
      { path: '/tmp/⋯', flags: ['O_RDWR', 'O_CREAT'] },
      { path: '/etc/hosts', flags: ['O_RDONLY'] },
      { path: '/etc/resolv.conf', flags: ['O_RDONLY'] },
    ];
    profiles.push({
      apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1', kind: 'ApplicationProfile',
      metadata: { name: workload, namespace: ns, labels },
      spec: {
        containers: [{
          name: 'main',
          execs: [...BINS.slice(0, 6).map((p) => ({ path: p, args: [p.split('/').pop()!, '⋯⋯'] })), { path: '/usr/lib/⋯/helper', args: [] }],
          opens, syscalls: SYSCALLS.slice(0, 18), capabilities: CAPS.slice(0, 3),
          endpoints: [{ endpoint: ':8080/api/⋯' }, { endpoint: ':8080/health' }],
        }],
      },
    } as ProfileObject);
    profiles.push({
      apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1', kind: 'NetworkNeighborhood',
      metadata: { name: workload, namespace: ns, labels },
      spec: {
        containers: [{
          name: 'main',
          egress: [
            { identifier: 'db', dnsNames: [`db.${ns}.svc.cluster.local.`], ipAddresses: ['10.96.0.0/16'], ports: [{ name: 'TCP-5432', protocol: 'TCP', port: 5432 }] },
            { identifier: 'api', dnsNames: ['*.googleapis.com', 'api.stripe.com'], ipAddresses: ['142.250.0.0/15', '54.187.174.169'], ports: [{ name: 'TCP-443', protocol: 'TCP', port: 443 }] },
            { identifier: 'dns', ipAddress: '10.96.0.10', ports: [{ name: 'UDP-53', protocol: 'UDP', port: 53 }] },
          ],
          ingress: [{ identifier: 'lb', ipAddresses: ['10.244.0.0/16'], ports: [{ name: 'TCP-8080', protocol: 'TCP', port: 8080 }] }],
        }],
      },
    } as ProfileObject);
  }
  return { containers, profiles };
}

function makeEvent(c: Container, t: number): RuntimeEvent {
  const base = { containerId: c.id, containerName: c.name, podName: c.pod, namespace: c.ns, pid: 1000 + Math.floor(rand() * 5000), ppid: 1, uid: 0, comm: 'python3', pcomm: 'gunicorn', timestamp: t };
  const anomaly = rand() < 0.02;
  const r = rand();
  // mix: open 35%, exec 10%, network 15%, dns 10%, syscall 10%, capabilities 5%, others 15%
  if (r < 0.35) {
    const path = anomaly ? pick(['/etc/shadow', '/var/run/secrets/kubernetes.io/serviceaccount/token', '/proc/1/environ']) : pick(['/app/data/file-' + Math.floor(rand() * 60) + '.json', '/etc/ssl/certs/ca.pem', `/proc/${base.pid}/stat`, '/etc/hosts', `/tmp/tmp${Math.floor(rand() * 1e6)}`]);
    return { ...base, eventType: 'open', path, flagsRaw: 0o2000000 };
  }
  if (r < 0.45) {
    const exe = anomaly ? pick(['/tmp/xmrig', '/dev/shm/.x/kworker', '/usr/bin/kubectl']) : pick(BINS.slice(0, 6));
    return { ...base, eventType: 'exec', comm: exe.split('/').pop()!.slice(0, 15), exepath: exe, args: [exe.split('/').pop()!, '--flag', String(Math.floor(rand() * 100))], cwd: '/app', upperlayer: anomaly };
  }
  if (r < 0.60) {
    const dst = anomaly ? pick(['45.9.148.3', '198.51.100.7']) : pick(['10.96.3.4', '142.250.1.1', '10.96.0.10']);
    return { ...base, eventType: 'network', dstAddr: dst, dstPort: anomaly ? pick([3333, 45700, 4444]) : pick([5432, 443, 53]), proto: 'TCP', pktType: 'OUTGOING' };
  }
  if (r < 0.70) {
    const name = anomaly ? pick(['pool.supportxmr.com.', 'evil.example.org.']) : pick([`db.${c.ns}.svc.cluster.local.`, 'storage.googleapis.com.', 'api.stripe.com.']);
    return { ...base, eventType: 'dns', name, addresses: ['10.96.3.4'], proto: 'UDP', dstPort: 53, exepath: '/usr/bin/python3', cwd: '/app' };
  }
  if (r < 0.80) return { ...base, eventType: 'syscall', comm: c.name, syscallName: anomaly ? pick(['ptrace', 'bpf', 'unshare']) : pick(SYSCALLS.slice(0, 18)) };
  if (r < 0.85) return { ...base, eventType: 'capabilities', capName: anomaly ? 'CAP_SYS_ADMIN' : pick(CAPS.slice(0, 3)), syscallName: 'setuid' };
  const other = pick(['symlink', 'hardlink', 'ssh', 'http', 'ptrace', 'iouring', 'kmod', 'unshare', 'bpf', 'randomx'] as const);
  switch (other) {
    case 'symlink':
    case 'hardlink':
      return { ...base, eventType: other, oldPath: anomaly ? '/etc/shadow' : '/app/data/file-1.json', newPath: '/tmp/link', exepath: '/bin/ln' };
    case 'ssh':
      return { ...base, eventType: 'ssh', dstIp: '10.96.3.9', dstPort: anomaly ? 2222 : 22, srcPort: 40000 };
    case 'http':
      return { ...base, eventType: 'http', direction: 'inbound', dstIp: '10.244.1.2', dstPort: 8080, request: { method: 'GET', host: 'app:8080', url: '/api/items?x=1', path: '/api/items', headers: { 'User-Agent': ['bench'] } } };
    case 'ptrace':
      return { ...base, eventType: 'ptrace', exepath: '/usr/bin/gdb' };
    case 'iouring':
      return { ...base, eventType: 'iouring', opcode: 22, flagsRaw: 0 };
    case 'kmod':
      return { ...base, eventType: 'kmod', module: 'nf_tables', syscallName: anomaly ? 'finit_module' : 'delete_module', exepath: '/sbin/modprobe' };
    case 'unshare':
      return { ...base, eventType: 'unshare', exepath: '/usr/bin/unshare', pcomm: anomaly ? 'bash' : 'runc' };
    case 'bpf':
      return { ...base, eventType: 'bpf', cmd: anomaly ? 5 : 1, attrSize: 128, exepath: '/usr/bin/bpftool' };
    case 'randomx':
      return { ...base, eventType: 'randomx', exepath: '/tmp/xmrig' };
  }
}

export interface EngineBenchResult {
  events: number;
  alerts: number;
  rules: number;
  ruleSource: string;
  jsonParseEventsPerSec: number;
  pipelineEventsPerSec: number;
  ratio: number;
  heapMiB: number;
}

export function runEngineBench(): EngineBenchResult {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const upstream = fileURLToPath(new URL('../../shared/conformance/rules/', import.meta.url));
  const ruleSource = existsSync(upstream) ? upstream : `${root}rules/`;
  const rules = loadPathLenient(ruleSource, { kinds: ['Rules'], skipNonObjects: true });
  const { containers, profiles } = makeWorld();
  const bindings: RuntimeRuleAlertBinding[] = Array.from({ length: NAMESPACES }, (_, i) => ({
    apiVersion: 'kubescape.io/v1', kind: 'RuntimeRuleAlertBinding', metadata: { name: `ns-${i}` },
    spec: {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `ns-${i}` } },
      rules: [{ ruleTags: ['anomaly', 'signature', 'exec', 'network', 'dns', 'open', 'syscall', 'capabilities'] }, { ruleID: 'R1002' }, { ruleID: 'R1007' }, { ruleID: 'R1015' }, { ruleID: 'R1030' }],
    },
  }));
  const engine = new RuleEngine({ rules: rules.objects, bindings, profiles, world: undefined });
  engine.world.apiServerAddress = '10.96.0.1';

  // generate the NDJSON lines once
  const lines: string[] = new Array(N_EVENTS);
  const t0 = 1_764_000_000_000;
  for (let i = 0; i < N_EVENTS; i++) lines[i] = JSON.stringify(makeEvent(containers[i % N_CONTAINERS]!, t0 + i));

  // warm-up (JIT) on a slice, for both
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += (JSON.parse(lines[i]!) as { pid: number }).pid;

  const tp0 = process.hrtime.bigint();
  for (let i = 0; i < N_EVENTS; i++) sink += (JSON.parse(lines[i]!) as { pid: number }).pid;
  const tp1 = process.hrtime.bigint();

  let alerts = 0;
  let outBytes = 0;
  const te0 = process.hrtime.bigint();
  for (let i = 0; i < N_EVENTS; i++) {
    let ev: RuntimeEvent;
    try {
      ev = parseEventLine(lines[i]!); // parse, field check and normalisation, as sbob eval's source does
    } catch {
      continue;
    }
    for (const a of engine.evaluate(ev)) {
      alerts++;
      outBytes += JSON.stringify(a).length + 1;
    }
  }
  const te1 = process.hrtime.bigint();
  if (sink === 42 && outBytes < 0) console.log('');
  const parseSec = Number(tp1 - tp0) / 1e9;
  const pipeSec = Number(te1 - te0) / 1e9;
  return {
    events: N_EVENTS,
    alerts,
    rules: engine.getRules().length,
    ruleSource,
    jsonParseEventsPerSec: N_EVENTS / parseSec,
    pipelineEventsPerSec: N_EVENTS / pipeSec,
    ratio: (N_EVENTS / pipeSec) / (N_EVENTS / parseSec),
    heapMiB: process.memoryUsage().heapUsed / 1048576,
  };
}
