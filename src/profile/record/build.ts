/**
 * Builds an ApplicationProfile and a NetworkNeighborhood from the events a recorded command (or
 * container) produced, generalises run-specific values (generalise.ts), then compacts repeated
 * siblings with storage's collapse rules (src/profile/compact).
 */
import { createHash } from 'node:crypto';
import type { RuntimeEvent } from '../../events/index.ts';
import type {
  ApplicationProfile, ApplicationProfileContainer, ExecCall, NetworkNeighbor, NetworkNeighborhood, OpenCall,
} from '../../model/index.ts';
import { compactApplicationProfile, type CollapseRecord, type CollapseSettings } from '../compact/index.ts';
import { DYN, generaliseArgs, generalisePath, isEphemeralPort } from './generalise.ts';

export const PROFILE_API_VERSION = 'spdx.softwarecomposition.kubescape.io/v1beta1';

export interface RecordOptions {
  /** object name (metadata.name) */
  name: string;
  namespace?: string;
  /** container section name; default = name */
  containerName?: string;
  /** events the tracer lost while recording (marks the profile `partial`) */
  lost?: number;
  /** the recorded command, kept in an annotation */
  command?: string[];
  /** collapse settings for sibling compaction */
  collapse?: Partial<CollapseSettings> | null;
  /** skip generalisation (keep literal values) */
  literal?: boolean;
  /**
   * rule-policy learning (rule-engine.md §3.8): the ids of the supportPolicy rules an event satisfies
   * (the CLI passes the rule engine's `learnPolicies`); the event's comm becomes an allowed process
   * of each in `rulePolicies`
   */
  learnPolicies?: (ev: RuntimeEvent) => readonly string[];
}

export interface Generalisation {
  surface: 'opens' | 'execs' | 'egress' | 'ingress';
  to: string;
  from: string[];
}

export interface RecordSummary {
  events: number;
  execs: number;
  opens: number;
  syscalls: number;
  capabilities: number;
  egress: number;
  ingress: number;
  lost: number;
  generalised: Generalisation[];
  collapsed: CollapseRecord[];
}

export interface RecordResult {
  applicationProfile: ApplicationProfile;
  networkNeighborhood: NetworkNeighborhood;
  summary: RecordSummary;
}

const FLAG_ORDER = [
  'O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK', 'O_DSYNC',
  'O_FASYNC', 'O_DIRECT', 'O_LARGEFILE', 'O_DIRECTORY', 'O_NOFOLLOW', 'O_NOATIME', 'O_CLOEXEC',
];

function sortFlags(flags: Iterable<string>): string[] {
  return [...new Set(flags)].sort((a, b) => {
    const ia = FLAG_ORDER.indexOf(a);
    const ib = FLAG_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

function neighborId(n: { type: string; ipAddress: string; dns: string }): string {
  return createHash('sha256').update(`${n.type}-${n.ipAddress}-${n.dns}--`).digest('hex');
}

/** The exec path node-agent records: exepath, else argv[0], else comm. */
export function execPathOf(ev: RuntimeEvent): string {
  return ev.exepath || ev.args?.[0] || ev.comm || '';
}

export function buildProfiles(events: readonly RuntimeEvent[], opts: RecordOptions): RecordResult {
  const literal = opts.literal === true;
  const gen = new Map<string, Generalisation>();
  const note = (surface: Generalisation['surface'], from: string, to: string) => {
    if (from === to) return;
    const key = `${surface}\u0000${to}`;
    let g = gen.get(key);
    if (!g) gen.set(key, (g = { surface, to, from: [] }));
    if (!g.from.includes(from)) g.from.push(from);
  };
  const execs = new Map<string, ExecCall>();
  const opens = new Map<string, Set<string>>();
  const syscalls = new Set<string>();
  const caps = new Set<string>();
  type Peer = { type: string; ipAddress: string; dns: string; dnsNames: Set<string>; ports: Map<string, { name: string; protocol: string; port: number }> };
  const egress = new Map<string, Peer>();
  const ingress = new Map<string, Peer>();
  const peer = (map: Map<string, Peer>, ip: string, dns: string): Peer => {
    const key = `${ip}\u0000${dns}`;
    let p = map.get(key);
    if (!p) map.set(key, (p = { type: 'external', ipAddress: ip, dns, dnsNames: new Set(dns ? [dns] : []), ports: new Map() }));
    return p;
  };
  const addPort = (p: Peer, proto: string, port: number, surface: 'egress' | 'ingress') => {
    if (!proto) return;
    let use = port;
    if (!literal && isEphemeralPort(port)) {
      note(surface, `${proto}-${port}`, `${proto}-0`);
      use = 0;
    }
    const name = `${proto}-${use}`;
    p.ports.set(name, { name, protocol: proto, port: use });
  };
  const dnsOnly = new Set<string>();
  const policies = new Map<string, Set<string>>();
  for (const ev of events) {
    if (opts.learnPolicies && ev.comm) {
      for (const id of opts.learnPolicies(ev)) {
        let set = policies.get(id);
        if (!set) policies.set(id, (set = new Set()));
        set.add(ev.comm);
      }
    }
    switch (ev.eventType) {
      case 'exec': {
        const path0 = execPathOf(ev);
        const path = literal ? path0 : generalisePath(path0);
        note('execs', path0, path);
        const args0 = ev.args ?? [];
        const args = literal ? args0 : generaliseArgs(args0);
        args0.forEach((a, i) => note('execs', a, args[i]!));
        execs.set(JSON.stringify([path, args]), { path, args });
        break;
      }
      case 'open': {
        const p0 = ev.path ?? '';
        if (!p0) break;
        const p = literal ? p0 : generalisePath(p0);
        note('opens', p0, p);
        let set = opens.get(p);
        if (!set) opens.set(p, (set = new Set()));
        for (const f of ev.flags ?? []) set.add(f);
        break;
      }
      case 'syscall':
        if (ev.syscallName) syscalls.add(ev.syscallName);
        break;
      case 'capabilities':
        if (ev.capName) caps.add(ev.capName);
        break;
      case 'network': {
        const addr = ev.dstAddr ?? '';
        if (!addr) break;
        if (ev.direction === 'inbound' || ev.pktType === 'HOST') {
          addPort(peer(ingress, addr, ''), ev.proto ?? '', ev.dstPort ?? 0, 'ingress');
        } else {
          // an address a DNS response named: one neighbour with both, as node-agent learns them
          const dnsName = typeof ev.dnsName === 'string' ? ev.dnsName : '';
          addPort(peer(egress, addr, dnsName), ev.proto ?? '', ev.dstPort ?? 0, 'egress');
        }
        break;
      }
      case 'dns':
        if (ev.name) dnsOnly.add(ev.name);
        break;
      default:
        break;
    }
  }
  // names that were looked up but never connected to stay as name-only neighbours
  const named = new Set([...egress.values()].map((p) => p.dns).filter(Boolean));
  for (const name of dnsOnly) if (!named.has(name)) peer(egress, '', name);
  const containerName = opts.containerName ?? opts.name;
  const container: ApplicationProfileContainer = {
    name: containerName,
    capabilities: [...caps].sort(),
    execs: [...execs.values()].sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '') || JSON.stringify(a.args).localeCompare(JSON.stringify(b.args))),
    opens: [...opens.entries()].map(([path, f]): OpenCall => ({ path, flags: sortFlags(f) })).sort((a, b) => a.path.localeCompare(b.path)),
    syscalls: [...syscalls].sort(),
    endpoints: [],
    rulePolicies: Object.fromEntries(
      [...policies.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, comms]) => [id, { processAllowed: [...comms].sort() }]),
    ),
  };
  const lost = opts.lost ?? 0;
  const annotations: Record<string, string> = {
    'kubescape.io/status': 'completed',
    'kubescape.io/completion': lost > 0 ? 'partial' : 'complete',
    'sbob.dev/recorded-by': 'sbob record',
  };
  if (opts.command) annotations['sbob.dev/recorded-command'] = JSON.stringify(opts.command);
  const metadata = { name: opts.name, namespace: opts.namespace ?? 'default', annotations };
  let ap: ApplicationProfile = {
    apiVersion: PROFILE_API_VERSION,
    kind: 'ApplicationProfile',
    metadata: structuredClone(metadata),
    spec: { architectures: [archName()], containers: [container] },
  };
  let collapsed: CollapseRecord[] = [];
  if (!literal) {
    const res = compactApplicationProfile(ap, opts.collapse ?? null);
    ap = res.profile;
    collapsed = res.collapsed;
  }
  const toNeighbors = (m: Map<string, Peer>): NetworkNeighbor[] =>
    [...m.values()]
      .map((p) => ({
        identifier: neighborId(p),
        type: p.type,
        dns: p.dns,
        dnsNames: [...p.dnsNames].sort(),
        ports: [...p.ports.values()].sort((a, b) => a.name.localeCompare(b.name)),
        podSelector: null,
        namespaceSelector: null,
        ipAddress: p.ipAddress,
      }))
      .sort((a, b) => a.ipAddress.localeCompare(b.ipAddress) || a.dns.localeCompare(b.dns));
  const nnAnn = { ...annotations };
  const nn: NetworkNeighborhood = {
    apiVersion: PROFILE_API_VERSION,
    kind: 'NetworkNeighborhood',
    metadata: { ...structuredClone(metadata), annotations: nnAnn },
    spec: {
      matchLabels: {},
      containers: [{ name: containerName, ingress: toNeighbors(ingress), egress: toNeighbors(egress) }],
    },
  };
  const c = ap.spec.containers![0]!;
  return {
    applicationProfile: ap,
    networkNeighborhood: nn,
    summary: {
      events: events.length,
      execs: c.execs?.length ?? 0,
      opens: c.opens?.length ?? 0,
      syscalls: c.syscalls?.length ?? 0,
      capabilities: c.capabilities?.length ?? 0,
      egress: egress.size,
      ingress: ingress.size,
      lost,
      generalised: [...gen.values()],
      collapsed,
    },
  };
}

function archName(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/** Human-readable summary lines (printed by `sbob record`). */
export function formatSummary(s: RecordSummary): string[] {
  const lines = [
    `recorded ${s.events} events: ${s.execs} execs, ${s.opens} opens, ${s.syscalls} syscalls, ${s.capabilities} capabilities, ${s.egress} egress and ${s.ingress} ingress neighbours${s.lost ? `; ${s.lost} events LOST (profile marked partial)` : ''}`,
  ];
  for (const g of s.generalised) {
    const shown = g.from.slice(0, 3).join(', ') + (g.from.length > 3 ? `, … (${g.from.length} values)` : '');
    lines.push(`generalised ${g.surface}: ${shown} → ${g.to}`);
  }
  for (const c of s.collapsed) lines.push(`collapsed ${c.surface}: ${c.from} entries under ${c.prefix || '/'} → ${c.to}`);
  return lines;
}

export { DYN };
