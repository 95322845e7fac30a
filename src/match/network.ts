/**
 * NetworkNeighbor entry validation (storage admission, profiles.md §1.6) and the known-server CIDR
 * lookup used for network-policy generation.
 */
import { checkDNSEntry } from './dns.ts';
import { checkIPEntry, parseCIDR, parseIP } from './ip.ts';

/** One invalid network entry: the field path inside the object and why. */
export interface NetworkEntryProblem {
  /** e.g. `spec.containers[0].egress[1].ipAddresses[2]` */
  path: string;
  value: string;
  reason: string;
}

interface NeighborLike {
  ipAddress?: unknown;
  ipAddresses?: unknown;
  dns?: unknown;
  dnsNames?: unknown;
}

/** Checks one neighbor's `ipAddress`, `ipAddresses[]`, `dns` and `dnsNames[]` (empty singular fields are fine). */
export function checkNeighborEntries(n: NeighborLike, base: string): NetworkEntryProblem[] {
  const out: NetworkEntryProblem[] = [];
  if (typeof n.ipAddress === 'string' && n.ipAddress !== '') {
    const why = checkIPEntry(n.ipAddress);
    if (why) out.push({ path: `${base}.ipAddress`, value: n.ipAddress, reason: why });
  }
  if (Array.isArray(n.ipAddresses)) {
    n.ipAddresses.forEach((v, i) => {
      const why = typeof v === 'string' ? checkIPEntry(v) : 'not a string';
      if (why) out.push({ path: `${base}.ipAddresses[${i}]`, value: String(v), reason: why });
    });
  }
  if (typeof n.dns === 'string' && n.dns !== '') {
    const why = checkDNSEntry(n.dns);
    if (why) out.push({ path: `${base}.dns`, value: n.dns, reason: why });
  }
  if (Array.isArray(n.dnsNames)) {
    n.dnsNames.forEach((v, i) => {
      const why = typeof v === 'string' ? checkDNSEntry(v) : 'not a string';
      if (why) out.push({ path: `${base}.dnsNames[${i}]`, value: String(v), reason: why });
    });
  }
  return out;
}

const GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * Checks every network entry of a NetworkNeighborhood (spec.<group>[i].ingress/egress[j]) or of a
 * ContainerProfile (flat spec.ingress/egress and grouped spec.<group>[i].ingress/egress).
 */
export function checkNetworkEntries(obj: unknown): NetworkEntryProblem[] {
  const out: NetworkEntryProblem[] = [];
  const spec = (obj as { spec?: Record<string, unknown> } | null)?.spec;
  if (!spec || typeof spec !== 'object') return out;
  const walkLists = (holder: Record<string, unknown>, base: string) => {
    for (const dir of ['ingress', 'egress'] as const) {
      const list = holder[dir];
      if (!Array.isArray(list)) continue;
      list.forEach((n, j) => {
        if (n && typeof n === 'object') out.push(...checkNeighborEntries(n as NeighborLike, `${base}.${dir}[${j}]`));
      });
    }
  };
  walkLists(spec, 'spec');
  for (const g of GROUPS) {
    const cs = spec[g];
    if (!Array.isArray(cs)) continue;
    cs.forEach((c, i) => {
      if (c && typeof c === 'object') walkLists(c as Record<string, unknown>, `spec.${g}[${i}]`);
    });
  }
  return out;
}

export interface KnownServer {
  server: string;
  name: string;
  ipBlock: string;
}

/** Known servers whose `ipBlock` CIDR contains the IP; empty and malformed blocks are skipped. */
export function lookupKnownServers(servers: readonly KnownServer[], ip: string): KnownServer[] {
  const addr = parseIP(ip);
  if (!addr) return [];
  const out: KnownServer[] = [];
  for (const s of servers) {
    if (!s.ipBlock) continue;
    const c = parseCIDR(s.ipBlock);
    if (c && c.contains(addr)) out.push(s);
  }
  return out;
}
