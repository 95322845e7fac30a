/**
 * The compiled per-container profile index: what rule helpers query. Built once per profile change,
 * so helper calls are hash lookups (O(1)) or walks over a path's segments, plus a scan of the few
 * wildcard entries of a surface.
 *
 * Per surface the index keeps upstream's projected-profile shape (rule-engine.md §2.2): `all`,
 * concrete `values`, wildcard `patterns`, and `prefixHits`/`suffixHits` for declared affixes.
 */
import {
  compileDynamic, compileEndpoint, compileIPSet, compileDNSSet, isDynamicEntry, matchPortProtocol,
  type CompiledPathPattern, type CompiledEndpointPattern, type IPSet, type DNSSet, type NeighborPort,
} from '../match/index.ts';
import type {
  ContainerProfileContainer, NetworkNeighbor, ProfileDataSurface, ProfileDataSelector, RulePolicy,
} from '../model/index.ts';

export interface Surface {
  /** pass-through: every entry kept */
  all: boolean;
  values: Set<string>;
  patterns: string[];
  prefixHits: Map<string, boolean>;
  suffixHits: Map<string, boolean>;
}

export interface CompiledNeighbor {
  addresses: IPSet;
  domains: DNSSet;
  ports: NeighborPort[];
}

export interface CompiledPolicy {
  processAllowed: Set<string>;
  containerAllowed: boolean;
}

/** Where a compiled profile's data came from (for alerts and diagnostics). */
export interface ProfileOrigin {
  kind: string;
  namespace?: string;
  name: string;
  annotations?: Record<string, string>;
}

export interface CompiledProfile {
  containerName: string;
  origins: ProfileOrigin[];
  /** kubescape.io/sync-checksum of the (first) source object, or '' */
  syncChecksum: string;
  status: string;
  completion: string;
  opens: Surface;
  execs: Surface;
  endpoints: Surface;
  capabilities: Surface;
  syscalls: Surface;
  egressDomains: Surface;
  egressAddresses: Surface;
  ingressDomains: Surface;
  ingressAddresses: Surface;
  /** exec path → recorded argv vectors (not filtered by projection) */
  execsByPath: Map<string, string[][]>;
  policies: Map<string, CompiledPolicy>;
  // compiled matchers
  openPatterns: CompiledPathPattern[];
  execPatterns: CompiledPathPattern[];
  /** every endpoint entry (values and patterns), compared as upstream does (`:0` literal) */
  endpointMatchers: CompiledPathPattern[];
  /** every endpoint entry with `:0` as a wildcard port (sbob semantics) */
  endpointMatchersAnyPort: CompiledEndpointPattern[];
  /** opens values with a trailing `/` removed, for O(1) literal CompareDynamic */
  openValuesNorm: Set<string>;
  egressIPs: IPSet;
  ingressIPs: IPSet;
  egressDNS: DNSSet;
  ingressDNS: DNSSet;
  egressNeighbors: CompiledNeighbor[];
  ingressNeighbors: CompiledNeighbor[];
}

/** Per-surface projection: undefined = pass-through. */
export type ProjectionSpec = Partial<Record<ProfileDataSurface, ProfileDataSelector>>;

const PATH_SURFACES = new Set<ProfileDataSurface>(['opens', 'execs', 'endpoints']);

function buildSurface(name: ProfileDataSurface, raw: readonly string[], spec: ProjectionSpec | undefined): Surface {
  const sel = spec?.[name];
  const all = sel === undefined || sel === 'all';
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const contains: string[] = [];
  if (Array.isArray(sel)) {
    for (const p of sel) {
      if (p.exact !== undefined) exact.add(p.exact);
      if (p.prefix !== undefined) prefixes.push(p.prefix);
      if (p.suffix !== undefined) suffixes.push(p.suffix);
      if (p.contains !== undefined) contains.push(p.contains);
    }
  }
  const s: Surface = { all, values: new Set(), patterns: [], prefixHits: new Map(), suffixHits: new Map() };
  for (const p of prefixes) s.prefixHits.set(p, false);
  for (const x of suffixes) s.suffixHits.set(x, false);
  const patterns = new Set<string>();
  for (const e of raw) {
    for (const p of prefixes) if (e.startsWith(p)) s.prefixHits.set(p, true);
    for (const x of suffixes) if (e.endsWith(x)) s.suffixHits.set(x, true);
    if (PATH_SURFACES.has(name) && isDynamicEntry(e)) {
      patterns.add(e);
      continue;
    }
    if (
      all || exact.has(e) || prefixes.some((p) => e.startsWith(p)) || suffixes.some((x) => e.endsWith(x)) ||
      contains.some((c) => e.includes(c))
    ) {
      s.values.add(e);
    }
  }
  s.patterns = [...patterns].sort();
  return s;
}

function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function neighborAddresses(n: NetworkNeighbor): string[] {
  const out: string[] = [];
  if (n.ipAddress) out.push(n.ipAddress);
  for (const a of n.ipAddresses ?? []) out.push(a);
  return out;
}
function neighborDomains(n: NetworkNeighbor): string[] {
  const out: string[] = [];
  if (n.dns) out.push(n.dns);
  for (const d of n.dnsNames ?? []) out.push(d);
  return out;
}

export interface CompileInput {
  containerName: string;
  /** the container sections to union (one per source object, e.g. AP + NN, or base + overlay) */
  sections: ContainerProfileContainer[];
  origins: ProfileOrigin[];
  projection?: ProjectionSpec;
}

/** Compiles the union of container sections into one index. */
export function compileProfile(input: CompileInput): CompiledProfile {
  const opens: string[] = [];
  const execs: string[] = [];
  const endpoints: string[] = [];
  const caps: string[] = [];
  const syscalls: string[] = [];
  const egress: NetworkNeighbor[] = [];
  const ingress: NetworkNeighbor[] = [];
  const execsByPath = new Map<string, string[][]>();
  const policies = new Map<string, CompiledPolicy>();
  for (const c of input.sections) {
    for (const o of c.opens ?? []) if (o && typeof o.path === 'string') opens.push(o.path);
    for (const e of c.execs ?? []) {
      if (!e) continue;
      const path = e.path ?? '';
      execs.push(path);
      const list = execsByPath.get(path) ?? [];
      list.push([...(e.args ?? [])]);
      execsByPath.set(path, list);
    }
    for (const ep of c.endpoints ?? []) if (ep?.endpoint !== undefined) endpoints.push(ep.endpoint);
    caps.push(...(c.capabilities ?? []));
    syscalls.push(...(c.syscalls ?? []));
    egress.push(...(c.egress ?? []).filter(Boolean));
    ingress.push(...(c.ingress ?? []).filter(Boolean));
    for (const [id, pol] of Object.entries(c.rulePolicies ?? {})) {
      const p = (pol ?? {}) as RulePolicy;
      const cur = policies.get(id) ?? { processAllowed: new Set<string>(), containerAllowed: false };
      for (const name of p.processAllowed ?? []) cur.processAllowed.add(name);
      cur.containerAllowed = cur.containerAllowed || p.containerAllowed === true;
      policies.set(id, cur);
    }
  }
  const spec = input.projection;
  const prof: CompiledProfile = {
    containerName: input.containerName,
    origins: input.origins,
    syncChecksum: input.origins.map((o) => o.annotations?.['kubescape.io/sync-checksum']).find(Boolean) ?? '',
    status: 'completed',
    completion: 'complete',
    opens: buildSurface('opens', opens, spec),
    execs: buildSurface('execs', execs, spec),
    endpoints: buildSurface('endpoints', endpoints, spec),
    capabilities: buildSurface('capabilities', caps, spec),
    syscalls: buildSurface('syscalls', syscalls, spec),
    egressDomains: buildSurface('egressDomains', egress.flatMap(neighborDomains), spec),
    egressAddresses: buildSurface('egressAddresses', egress.flatMap(neighborAddresses), spec),
    ingressDomains: buildSurface('ingressDomains', ingress.flatMap(neighborDomains), spec),
    ingressAddresses: buildSurface('ingressAddresses', ingress.flatMap(neighborAddresses), spec),
    execsByPath,
    policies,
    openPatterns: [],
    execPatterns: [],
    endpointMatchers: [],
    endpointMatchersAnyPort: [],
    openValuesNorm: new Set(),
    egressIPs: compileIPSet([]),
    ingressIPs: compileIPSet([]),
    egressDNS: compileDNSSet([]),
    ingressDNS: compileDNSSet([]),
    egressNeighbors: [],
    ingressNeighbors: [],
  };
  return finishCompiled(prof, egress, ingress);
}

/** Builds the derived matchers of a profile whose surfaces are set. */
export function finishCompiled(
  prof: CompiledProfile,
  egress: readonly NetworkNeighbor[] = [],
  ingress: readonly NetworkNeighbor[] = [],
): CompiledProfile {
  prof.openPatterns = prof.opens.patterns.map(compileDynamic);
  prof.execPatterns = prof.execs.patterns.map(compileDynamic);
  const endpoints = [...prof.endpoints.values, ...prof.endpoints.patterns];
  prof.endpointMatchers = endpoints.map(compileDynamic);
  prof.endpointMatchersAnyPort = endpoints.map((e) => compileEndpoint(e, { wildcardPort: true }));
  prof.openValuesNorm = new Set([...prof.opens.values].map(stripTrailingSlash));
  prof.egressIPs = compileIPSet([...prof.egressAddresses.values]);
  prof.ingressIPs = compileIPSet([...prof.ingressAddresses.values]);
  prof.egressDNS = compileDNSSet([...prof.egressDomains.values]);
  prof.ingressDNS = compileDNSSet([...prof.ingressDomains.values]);
  const compileNeighbor = (n: NetworkNeighbor): CompiledNeighbor => ({
    addresses: compileIPSet(neighborAddresses(n)),
    domains: compileDNSSet(neighborDomains(n)),
    ports: [...(n.ports ?? [])],
  });
  prof.egressNeighbors = egress.map(compileNeighbor);
  prof.ingressNeighbors = ingress.map(compileNeighbor);
  return prof;
}

/** A pass-through empty surface. */
export function emptySurface(all = true): Surface {
  return { all, values: new Set(), patterns: [], prefixHits: new Map(), suffixHits: new Map() };
}

/** True when `path` is matched by a value or pattern of the opens surface (CompareDynamic semantics). */
export function opensMatch(p: CompiledProfile, path: string): boolean {
  if (path === '') return false;
  if (p.openValuesNorm.has(stripTrailingSlash(path))) return true;
  for (const pat of p.openPatterns) if (pat.match(path)) return true;
  return false;
}

/** Address match with optional port/protocol check (sbob extension). */
export function neighborMatch(
  neighbors: readonly CompiledNeighbor[],
  addr: string,
  port: number,
  proto: string,
): boolean {
  for (const n of neighbors) {
    if (n.addresses.has(addr) && matchPortProtocol(n.ports, port, proto)) return true;
  }
  return false;
}
