/**
 * "Deflate": the compaction storage applies to every profile on save (profiles.md §4.1, §1.6).
 * Fields that are absent stay absent; `null` lists stay `null`.
 */
import type {
  ApplicationProfileContainer, ContainerProfileContainer, ExecCall, HTTPEndpoint, NetworkNeighbor,
  NetworkPort, OpenCall, RulePolicy,
} from '../../model/index.ts';
import { PathAnalyzer } from './analyzer.ts';
import { analyzeEndpointsDetailed } from './endpoints.ts';
import { ProfileTooLargeError } from './errors.ts';
import { analyzeOpensDetailed } from './opens.ts';
import { resolveCollapseSettings, type CollapseSettings } from './settings.ts';

/** Annotation storage writes the entry count to. */
export const RESOURCE_SIZE_ANNOTATION = 'kubescape.io/resource-size';
export const STATUS_ANNOTATION = 'kubescape.io/status';
/** Default `maxApplicationProfileSize` / `maxNetworkNeighborhoodSize`. */
export const DEFAULT_MAX_SIZE = 40000;

/** Sorted set of a string list; `null`/absent stays as it is. */
export function deflateSortString<T extends readonly string[] | null | undefined>(list: T): T | string[] {
  if (!list) return list;
  return [...new Set(list)].sort();
}

/** Each rule policy's `processAllowed` becomes a sorted set; `null` stays `null`, `{}` stays `{}`. */
export function deflateRulePolicies(
  p: Record<string, RulePolicy> | null | undefined,
): Record<string, RulePolicy> | null | undefined {
  if (!p) return p;
  const out: Record<string, RulePolicy> = {};
  for (const [id, pol] of Object.entries(p)) {
    const c: RulePolicy = { ...pol };
    if (pol && pol.processAllowed) c.processAllowed = [...new Set(pol.processAllowed)].sort();
    out[id] = c;
  }
  return out;
}

const SEP = '\u241f';

/** Exact duplicate execs (path ␟ args ␟ envs) are removed, first occurrence kept, order kept. */
export function deflateExecs(execs: readonly ExecCall[]): ExecCall[] {
  const seen = new Set<string>();
  const out: ExecCall[] = [];
  for (const e of execs) {
    const key = [e.path ?? '', ...(e.args ?? []), SEP, ...(e.envs ?? [])].join(SEP);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** Identified call stacks are de-duplicated by content (first occurrence kept). */
export function deflateCallStacks(stacks: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return stacks.filter((s) => {
    const k = JSON.stringify(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One collapse that compaction performed, for reporting. */
export interface CollapseRecord {
  surface: 'opens' | 'endpoints';
  /** container name where the profile has several containers */
  container?: string;
  /** literal part of the new entry before its first wildcard segment */
  prefix: string;
  /** how many input entries were folded into `to` */
  from: number;
  /** the wildcard entry they became */
  to: string;
}

/** An input entry that compaction keeps but that will not do what its author probably meant. */
export interface CompactWarning {
  surface: 'opens' | 'endpoints';
  container?: string;
  entry: string;
  message: string;
}

/**
 * Warnings for hazardous open paths (profiles.md §2.1): a wildcard first segment captures the whole
 * trie, and `*` inside a segment (`*.so`) is literal upstream.
 */
export function openPathWarnings(path: string): string[] {
  const segs = path.split('/').filter((x) => x !== '');
  const out: string[] = [];
  if (segs[0] === '*') out.push('the first segment is "*": it captures every other open of this container, which all become "/*"');
  else if (segs[0] === '\u22ef') out.push('the first segment is "⋯": the first segment of every other open becomes "⋯" as well');
  if (segs.some((x) => x !== '*' && x.includes('*'))) out.push('"*" inside a segment is a literal character, not a glob (only a whole "*" segment is a wildcard)');
  if (segs.some((x) => x !== '\u22ef' && x.includes('\u22ef'))) out.push('"⋯" inside a segment is a literal character (only a whole "⋯" segment is a wildcard)');
  return out;
}

export interface DeflateOptions {
  settings?: Partial<CollapseSettings> | null;
  /** paths listed in the image SBOM: never collapsed or dropped */
  sbom?: ReadonlySet<string> | readonly string[] | null;
  /** receives one record per new wildcard entry */
  onCollapse?: (r: CollapseRecord) => void;
  /** receives a warning for input entries storage handles in a surprising way */
  onWarning?: (w: CompactWarning) => void;
  /** container name passed to `onCollapse` / `onWarning` */
  container?: string;
}

function literalPrefix(entry: string): string {
  const segs = entry.split('/');
  const out: string[] = [];
  for (const s of segs) {
    if (s === '\u22ef' || s === '*') break;
    out.push(s);
  }
  const p = out.join('/');
  return p === '' ? '/' : p;
}

function report(mapping: Map<string, string>, surface: CollapseRecord['surface'], opts: DeflateOptions): void {
  if (!opts.onCollapse) return;
  const counts = new Map<string, number>();
  for (const [from, to] of mapping) {
    if (from !== to) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  for (const [to, n] of counts) {
    const rec: CollapseRecord = { surface, prefix: literalPrefix(to), from: n, to };
    if (opts.container !== undefined) rec.container = opts.container;
    opts.onCollapse(rec);
  }
}

/** Compacts the per-container fields shared by AP containers and the CP spec. */
function deflateContainerFields<T extends ApplicationProfileContainer>(c: T, opts: DeflateOptions): T {
  const settings = resolveCollapseSettings(opts.settings);
  const out: T = { ...c };
  if (c.execs) out.execs = deflateExecs(c.execs);
  if (c.opens) {
    if (opts.onWarning) {
      for (const o of c.opens) {
        for (const message of openPathWarnings(o.path ?? '')) {
          const w: CompactWarning = { surface: 'opens', entry: o.path, message };
          if (opts.container !== undefined) w.container = opts.container;
          opts.onWarning(w);
        }
      }
    }
    const a = new PathAnalyzer({ threshold: settings.openDynamicThreshold, collapseConfigs: settings.collapseConfigs });
    const r = analyzeOpensDetailed(c.opens as OpenCall[], a, opts.sbom);
    out.opens = r.opens;
    report(r.mapping, 'opens', opts);
  }
  if (c.endpoints) {
    const a = new PathAnalyzer({ threshold: settings.endpointDynamicThreshold, collapseConfigs: settings.collapseConfigs });
    const r = analyzeEndpointsDetailed(c.endpoints as HTTPEndpoint[], a);
    out.endpoints = r.endpoints;
    report(r.mapping, 'endpoints', opts);
  }
  if (c.capabilities) out.capabilities = deflateSortString(c.capabilities);
  if (c.syscalls) out.syscalls = deflateSortString(c.syscalls);
  if (c.rulePolicies) out.rulePolicies = deflateRulePolicies(c.rulePolicies);
  const stacks = (c as Record<string, unknown>).identifiedCallStacks;
  if (Array.isArray(stacks)) (out as Record<string, unknown>).identifiedCallStacks = deflateCallStacks(stacks);
  return out;
}

/** Storage deflate of one ApplicationProfile container. */
export function deflateApplicationProfileContainer(
  c: ApplicationProfileContainer,
  opts: DeflateOptions = {},
): ApplicationProfileContainer {
  return deflateContainerFields(c, { ...opts, container: opts.container ?? c.name });
}

function mergePorts(into: NetworkPort[], more: readonly NetworkPort[] | null | undefined): void {
  if (!more) return;
  for (const p of more) if (!into.some((q) => (q.name ?? '') === (p.name ?? ''))) into.push(p);
}

/**
 * Neighbors with the same identifier merge into the first one (ports de-duplicated by name, first
 * occurrence kept; `dnsNames` and `ipAddresses` united); every neighbor's `dnsNames` becomes a sorted set.
 */
export function deflateNeighbors(list: readonly NetworkNeighbor[]): NetworkNeighbor[] {
  const out: NetworkNeighbor[] = [];
  const byId = new Map<string, NetworkNeighbor>();
  for (const n of list) {
    const id = n.identifier ?? '';
    const have = byId.get(id);
    if (!have) {
      const c: NetworkNeighbor = { ...n };
      if (n.ports) {
        c.ports = [];
        mergePorts(c.ports, n.ports);
      }
      if (n.ipAddresses) c.ipAddresses = [...new Set(n.ipAddresses)];
      byId.set(id, c);
      out.push(c);
      continue;
    }
    if (n.ports) mergePorts(have.ports ?? (have.ports = []), n.ports);
    if (n.dnsNames) have.dnsNames = [...(have.dnsNames ?? []), ...n.dnsNames];
    if (n.ipAddresses) have.ipAddresses = [...new Set([...(have.ipAddresses ?? []), ...n.ipAddresses])];
  }
  for (const n of out) if (n.dnsNames) n.dnsNames = [...new Set(n.dnsNames)].sort();
  return out;
}

/** Storage deflate of a ContainerProfile spec (flat fields and, when present, grouped containers). */
export function deflateContainerProfileSpec<T extends ContainerProfileContainer & { architectures?: string[] | null }>(
  spec: T,
  opts: DeflateOptions = {},
): T {
  const out = deflateContainerFields(spec, opts);
  if (spec.architectures) out.architectures = deflateSortString(spec.architectures);
  if (spec.ingress) out.ingress = deflateNeighbors(spec.ingress);
  if (spec.egress) out.egress = deflateNeighbors(spec.egress);
  const grouped = out as Record<string, unknown>;
  for (const g of GROUPS) {
    const cs = grouped[g];
    if (!Array.isArray(cs)) continue;
    grouped[g] = cs.map((c: ContainerProfileContainer) => {
      const d = deflateContainerFields(c, { ...opts, container: c.name });
      if (c.ingress) d.ingress = deflateNeighbors(c.ingress);
      if (c.egress) d.egress = deflateNeighbors(c.egress);
      return d;
    });
  }
  return out;
}

const GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

function len(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/** Storage resource size of one container: execs + opens + syscalls + capabilities + endpoints + call stacks. */
export function containerResourceSize(c: Record<string, unknown>): number {
  return len(c.execs) + len(c.opens) + len(c.syscalls) + len(c.capabilities) + len(c.endpoints) + len(c.identifiedCallStacks);
}

export interface PreSaveOptions extends DeflateOptions {
  /** `maxApplicationProfileSize` / `maxNetworkNeighborhoodSize` (default 40000) */
  maxSize?: number;
  /**
   * Also set the storage-internal `schemaVersion: 1` field, to show exactly what storage keeps
   * (it is not part of the v1beta1 JSON and is off by default).
   */
  storageFields?: boolean;
}

function describe(obj: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const md = obj.metadata ?? {};
  return `${obj.kind ?? 'object'} ${md.namespace ? md.namespace + '/' : ''}${md.name ?? '(unnamed)'}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function setSize(obj: { metadata?: { annotations?: Record<string, string> } & Record<string, unknown> }, size: number): void {
  const md = obj.metadata ?? (obj.metadata = {});
  const ann = md.annotations ?? (md.annotations = {});
  ann[RESOURCE_SIZE_ANNOTATION] = String(size);
}

type WithAnnotations<T> = T & { metadata: { annotations: Record<string, string> } };

type AnyObj = { kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown>; [k: string]: unknown };

/**
 * Storage `PreSave` of an ApplicationProfile: architectures sorted set, every container deflated, the
 * resource size annotated; throws {@link ProfileTooLargeError} above `maxSize`. Returns a new object.
 */
export function preSaveApplicationProfile<T extends AnyObj>(obj: T, opts: PreSaveOptions = {}): { object: WithAnnotations<T>; size: number } {
  const o = clone(obj);
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  if (Array.isArray(spec.architectures)) spec.architectures = deflateSortString(spec.architectures as string[]);
  let size = 0;
  for (const g of GROUPS) {
    const cs = spec[g];
    if (!Array.isArray(cs)) continue;
    spec[g] = cs.map((c: ApplicationProfileContainer) => {
      const d = deflateApplicationProfileContainer(c, opts);
      size += containerResourceSize(d as Record<string, unknown>);
      return d;
    });
  }
  if (opts.storageFields) (o as Record<string, unknown>).schemaVersion = 1;
  setSize(o, size);
  const max = opts.maxSize ?? DEFAULT_MAX_SIZE;
  if (size > max) throw new ProfileTooLargeError(describe(o), size, max);
  return { object: o as WithAnnotations<T>, size };
}

/**
 * Storage `PreSave` of a NetworkNeighborhood: neighbors merged by identifier per container; the size
 * is the number of neighbors; throws {@link ProfileTooLargeError} above `maxSize`.
 */
export function preSaveNetworkNeighborhood<T extends AnyObj>(obj: T, opts: PreSaveOptions = {}): { object: WithAnnotations<T>; size: number } {
  const o = clone(obj);
  const spec = (o.spec ?? {}) as Record<string, unknown>;
  let size = 0;
  for (const g of GROUPS) {
    const cs = spec[g];
    if (!Array.isArray(cs)) continue;
    spec[g] = cs.map((c: { ingress?: NetworkNeighbor[] | null; egress?: NetworkNeighbor[] | null }) => {
      const d = { ...c };
      if (c.ingress) d.ingress = deflateNeighbors(c.ingress);
      if (c.egress) d.egress = deflateNeighbors(c.egress);
      size += len(d.ingress) + len(d.egress);
      return d;
    });
  }
  if (opts.storageFields) (o as Record<string, unknown>).schemaVersion = 1;
  setSize(o, size);
  const max = opts.maxSize ?? DEFAULT_MAX_SIZE;
  if (size > max) throw new ProfileTooLargeError(describe(o), size, max);
  return { object: o as WithAnnotations<T>, size };
}

/**
 * Storage `PreSave` of a (non-time-series) ContainerProfile: the spec deflated; above `maxSize` the
 * object is kept but annotated `kubescape.io/status: too-large` (no error, unlike AP/NN).
 */
export function preSaveContainerProfile<T extends AnyObj>(obj: T, opts: PreSaveOptions = {}): { object: WithAnnotations<T>; size: number; tooLarge: boolean } {
  const o = clone(obj);
  const spec = deflateContainerProfileSpec((o.spec ?? {}) as ContainerProfileContainer, opts);
  o.spec = spec as Record<string, unknown>;
  let size = containerResourceSize(spec as Record<string, unknown>) + len(spec.ingress) + len(spec.egress);
  for (const g of GROUPS) {
    const cs = (spec as Record<string, unknown>)[g];
    if (Array.isArray(cs)) for (const c of cs) size += containerResourceSize(c) + len(c.ingress) + len(c.egress);
  }
  if (opts.storageFields) (o as Record<string, unknown>).schemaVersion = 1;
  setSize(o, size);
  const max = opts.maxSize ?? DEFAULT_MAX_SIZE;
  const tooLarge = size > max;
  if (tooLarge) o.metadata!.annotations![STATUS_ANNOTATION] = 'too-large';
  return { object: o as WithAnnotations<T>, size, tooLarge };
}
