/**
 * Merging user-managed overlays (`ug-` ApplicationProfile / NetworkNeighborhood) into a per-container
 * ContainerProfile spec, as storage does (profiles.md §4.3 (a)). Inputs are not modified.
 */
import type {
  ApplicationProfileContainer, ContainerProfileContainer, LabelSelector, LabelSelectorRequirement,
  NetworkNeighbor, NetworkNeighborhoodContainer, NetworkPort, RulePolicy,
} from '../../model/index.ts';

const GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

type Grouped<C> = { spec?: { [g in (typeof GROUPS)[number]]?: C[] | null } & Record<string, unknown> };

/** The user container with that name, searched in containers, initContainers, ephemeralContainers. */
export function findUserContainer<C extends { name?: string }>(user: Grouped<C>, name: string): C | undefined {
  for (const g of GROUPS) {
    const c = user.spec?.[g]?.find((x) => x?.name === name);
    if (c) return c;
  }
  return undefined;
}

function append<T>(a: readonly T[] | null | undefined, b: readonly T[] | null | undefined): T[] | null | undefined {
  if (!b || b.length === 0) return a ? [...a] : a;
  return [...(a ?? []), ...b];
}

function mergePolicies(
  base: Record<string, RulePolicy> | null | undefined,
  user: Record<string, RulePolicy> | null | undefined,
): Record<string, RulePolicy> | null | undefined {
  if (!user || Object.keys(user).length === 0) return base ? structuredClone(base) : base;
  const out: Record<string, RulePolicy> = structuredClone(base ?? {});
  for (const [id, p] of Object.entries(user)) {
    const have = out[id];
    if (!have) {
      out[id] = structuredClone(p);
      continue;
    }
    if (p.containerAllowed) have.containerAllowed = true;
    if (p.processAllowed) have.processAllowed = [...new Set([...(have.processAllowed ?? []), ...p.processAllowed])];
  }
  return out;
}

/**
 * Merges the user AP container named `containerName` into the CP spec: capabilities, execs, opens,
 * syscalls and endpoints are appended; rule policies merge per rule id (`containerAllowed` ORed,
 * `processAllowed` united). No such user container → the spec is returned unchanged (as a copy).
 */
export function mergeUserApplicationProfile<S extends ContainerProfileContainer>(
  base: S,
  user: Grouped<ApplicationProfileContainer>,
  containerName: string,
): S {
  const out = structuredClone(base);
  const u = findUserContainer(user, containerName);
  if (!u) return out;
  for (const f of ['capabilities', 'execs', 'opens', 'syscalls', 'endpoints'] as const) {
    const merged = append(out[f] as unknown[] | null | undefined, structuredClone(u[f]) as unknown[] | null | undefined);
    if (merged !== undefined) (out as Record<string, unknown>)[f] = merged;
  }
  const pol = mergePolicies(out.rulePolicies, u.rulePolicies);
  if (pol !== undefined) out.rulePolicies = pol;
  return out;
}

function exprKey(e: LabelSelectorRequirement): string {
  return JSON.stringify([e.key, e.operator, [...(e.values ?? [])].sort()]);
}

function mergeSelector(base: LabelSelector | null | undefined, user: LabelSelector | null | undefined): LabelSelector | null | undefined {
  if (!user) return base;
  const out: LabelSelector = structuredClone(base ?? {});
  if (user.matchLabels && Object.keys(user.matchLabels).length) {
    out.matchLabels = { ...(out.matchLabels ?? {}), ...user.matchLabels };
  }
  if (user.matchExpressions && user.matchExpressions.length) {
    const all = [...(out.matchExpressions ?? []), ...user.matchExpressions];
    const seen = new Map<string, LabelSelectorRequirement>();
    for (const e of all) if (!seen.has(exprKey(e))) seen.set(exprKey(e), e);
    out.matchExpressions = [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
  }
  return out;
}

export interface MergeNetworkOptions {
  /**
   * Reproduce storage's gap: on an identifier collision the user's `ipAddresses` are dropped
   * (profiles.md §4.3). Default true (what storage stores); false unites them (sbob's fix).
   */
  dropUserIPAddressesOnCollision?: boolean;
}

function mergeNeighbor(base: NetworkNeighbor, user: NetworkNeighbor, opts: MergeNetworkOptions): NetworkNeighbor {
  const out = structuredClone(base);
  if (user.dnsNames && user.dnsNames.length) out.dnsNames = [...new Set([...(out.dnsNames ?? []), ...user.dnsNames])].sort();
  if (user.ports && user.ports.length) {
    const ports: NetworkPort[] = [...(out.ports ?? [])];
    for (const p of user.ports) {
      const i = ports.findIndex((q) => (q.name ?? '') === (p.name ?? ''));
      if (i >= 0) ports[i] = structuredClone(p);
      else ports.push(structuredClone(p));
    }
    out.ports = ports;
  }
  const ps = mergeSelector(out.podSelector, user.podSelector);
  if (ps !== undefined) out.podSelector = ps;
  const ns = mergeSelector(out.namespaceSelector, user.namespaceSelector);
  if (ns !== undefined) out.namespaceSelector = ns;
  if (user.ipAddress) out.ipAddress = user.ipAddress;
  if (user.type) out.type = user.type;
  if (!(opts.dropUserIPAddressesOnCollision ?? true) && user.ipAddresses && user.ipAddresses.length) {
    out.ipAddresses = [...new Set([...(out.ipAddresses ?? []), ...user.ipAddresses])];
  }
  return out;
}

function mergeNeighborList(
  base: NetworkNeighbor[] | null | undefined,
  user: NetworkNeighbor[] | null | undefined,
  opts: MergeNetworkOptions,
): NetworkNeighbor[] | null | undefined {
  if (!user || user.length === 0) return base;
  const out = [...(base ?? [])];
  for (const n of user) {
    const i = out.findIndex((b) => (b.identifier ?? '') === (n.identifier ?? ''));
    if (i >= 0) out[i] = mergeNeighbor(out[i]!, n, opts);
    else out.push(structuredClone(n));
  }
  return out;
}

/**
 * Merges a user NN into the CP spec: the workload selector merges (user labels win, expressions
 * de-duplicated and sorted) even when no container matches; the user container's ingress/egress unite
 * with the spec's by identifier (DNS names sorted union, ports keyed by name with the user winning,
 * `ipAddress`/`type` from the user when set).
 */
export function mergeUserNetworkNeighborhood<S extends ContainerProfileContainer & LabelSelector>(
  base: S,
  user: Grouped<NetworkNeighborhoodContainer> & { spec?: LabelSelector },
  containerName: string,
  opts: MergeNetworkOptions = {},
): S {
  const out = structuredClone(base);
  const sel = mergeSelector({ matchLabels: out.matchLabels, matchExpressions: out.matchExpressions }, user.spec);
  if (sel?.matchLabels) out.matchLabels = sel.matchLabels;
  if (sel?.matchExpressions) out.matchExpressions = sel.matchExpressions;
  const u = findUserContainer(user, containerName);
  if (!u) return out;
  const ing = mergeNeighborList(out.ingress, u.ingress, opts);
  if (ing !== undefined) out.ingress = ing;
  const eg = mergeNeighborList(out.egress, u.egress, opts);
  if (eg !== undefined) out.egress = eg;
  return out;
}
