/**
 * NetworkNeighborhood entries and the host/CIDR scope a signer may vouch for.
 * (Kept local to src/signing so the module does not depend on src/match.)
 */
import { BlockList, isIP } from 'node:net';

export type Direction = 'ingress' | 'egress';

export interface NetworkEntry {
  /** `<container list>/<container name>/<direction>/<identifier or index>` */
  key: string;
  container: string;
  direction: Direction;
  entry: Record<string, unknown>;
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

export function entryId(e: Record<string, unknown>, index: number): string {
  return typeof e.identifier === 'string' && e.identifier ? e.identifier : `#${index}`;
}

/** All ingress/egress entries of a NetworkNeighborhood (per container) or ContainerProfile (top level) spec. */
export function networkEntries(spec: unknown): NetworkEntry[] {
  const out: NetworkEntry[] = [];
  if (!spec || typeof spec !== 'object') return out;
  const s = spec as Record<string, unknown>;
  const fromHolder = (holder: Record<string, unknown>, container: string) => {
    for (const direction of ['ingress', 'egress'] as const) {
      const list = holder[direction];
      if (!Array.isArray(list)) continue;
      list.forEach((e, i) => {
        if (e && typeof e === 'object') out.push({ key: `${container}/${direction}/${entryId(e as Record<string, unknown>, i)}`, container, direction, entry: e as Record<string, unknown> });
      });
    }
  };
  for (const list of CONTAINER_LISTS) {
    const arr = s[list];
    if (!Array.isArray(arr)) continue;
    for (const c of arr) {
      if (c && typeof c === 'object') fromHolder(c as Record<string, unknown>, `${list}/${String((c as Record<string, unknown>).name ?? '')}`);
    }
  }
  fromHolder(s, 'spec');
  return out;
}

export interface NetworkScope {
  hosts: string[];
  cidrs: string[];
  /** May the signer vouch for in-cluster entries (pod/namespace selectors)? */
  selectors: boolean;
}

export function hostsOf(e: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof e.dns === 'string' && e.dns) out.push(e.dns);
  if (Array.isArray(e.dnsNames)) for (const d of e.dnsNames) if (typeof d === 'string' && d) out.push(d);
  return [...new Set(out.map((h) => h.replace(/\.$/, '').toLowerCase()))];
}

export function ipsOf(e: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof e.ipAddress === 'string' && e.ipAddress) out.push(e.ipAddress);
  if (Array.isArray(e.ipAddresses)) for (const d of e.ipAddresses) if (typeof d === 'string' && d) out.push(d);
  return out;
}

export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.replace(/\.$/, '').toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === host;
}

export class ScopeMatcher {
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();
  constructor(readonly scope: NetworkScope) {
    for (const c of scope.cidrs) {
      const [addr, bits] = c.split('/');
      const fam = isIP(addr ?? '');
      const prefix = bits === undefined ? (fam === 6 ? 128 : 32) : Number(bits);
      if (fam === 4) this.v4.addSubnet(addr!, prefix, 'ipv4');
      else if (fam === 6) this.v6.addSubnet(addr!, prefix, 'ipv6');
    }
  }

  ipAllowed(ip: string): boolean {
    // entries may carry a CIDR themselves: check its network address and require the prefix be inside
    const [addr, bits] = ip.split('/');
    const fam = isIP(addr ?? '');
    if (fam === 4) {
      if (!this.v4.check(addr!, 'ipv4')) return false;
      if (bits !== undefined) return this.scope.cidrs.some((c) => cidrContains(c, ip));
      return true;
    }
    if (fam === 6) {
      if (!this.v6.check(addr!, 'ipv6')) return false;
      if (bits !== undefined) return this.scope.cidrs.some((c) => cidrContains(c, ip));
      return true;
    }
    return false;
  }

  /** Why `entry` is outside the scope, or undefined when it is inside. */
  violation(entry: Record<string, unknown>): string | undefined {
    for (const h of hostsOf(entry)) if (!this.scope.hosts.some((p) => hostMatches(p, h))) return `host "${h}" is outside the allowed hosts [${this.scope.hosts.join(', ')}]`;
    for (const ip of ipsOf(entry)) if (!this.ipAllowed(ip)) return `address ${ip} is outside the allowed CIDRs [${this.scope.cidrs.join(', ')}]`;
    if (!this.scope.selectors && (entry.podSelector != null || entry.namespaceSelector != null)) return 'in-cluster selectors (podSelector/namespaceSelector) are not allowed for this signer';
    return undefined;
  }
}

function cidrContains(outer: string, inner: string): boolean {
  const [oa, ob] = outer.split('/');
  const [ia, ib] = inner.split('/');
  const fo = isIP(oa ?? '');
  if (fo !== isIP(ia ?? '')) return false;
  const max = fo === 6 ? 128 : 32;
  const op = ob === undefined ? max : Number(ob);
  const ip = ib === undefined ? max : Number(ib);
  if (ip < op) return false;
  const bl = new BlockList();
  bl.addSubnet(oa!, op, fo === 6 ? 'ipv6' : 'ipv4');
  return bl.check(ia!, fo === 6 ? 'ipv6' : 'ipv4');
}
