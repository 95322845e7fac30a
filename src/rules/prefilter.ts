/**
 * The cheap pre-CEL filter built from a rule's `state` overridden by binding `parameters`
 * (rule-engine.md §3.7). A malformed parameter set disables the prefilter (no filtering).
 */
import { normalizePath } from '../match/index.ts';
import type { RuntimeEvent } from '../events/index.ts';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

export interface Prefilter {
  /** true = skip the rule for this event */
  skip(ev: RuntimeEvent): boolean;
}

interface ProcRef {
  name: string;
  path: string;
}

function strList(v: unknown): string[] | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return null;
  return v as string[];
}

function procList(v: unknown): ProcRef[] | null | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) return null;
  const out: ProcRef[] = [];
  for (const x of v) {
    if (!x || typeof x !== 'object') return null;
    const { name, path } = x as Record<string, unknown>;
    if ((name !== undefined && typeof name !== 'string') || (path !== undefined && typeof path !== 'string')) return null;
    const np = normalizePath(path ?? '');
    if (!name || np === '' || np === '/') continue;
    out.push({ name, path: np });
  }
  return out;
}

function underAny(path: string, prefixes: string[]): boolean {
  for (const p of prefixes) {
    if (p === '') {
      if (path.startsWith('/')) return true;
      continue;
    }
    if (path === p || path.startsWith(p + '/')) return true;
  }
  return false;
}

const trimSlash = (p: string) => (p.endsWith('/') ? p.replace(/\/+$/, '') : p);

/** Builds a prefilter, or undefined when the parameters set none (or are malformed). */
export function buildPrefilter(state: Record<string, unknown>, params: Record<string, unknown>): Prefilter | undefined {
  const merged: Record<string, unknown> = { ...state, ...params };
  const include = strList(merged.includePrefixes);
  const ignore = strList(merged.ignorePrefixes);
  const excl = procList(merged.excludeProcesses);
  const exclParent = procList(merged.excludeParentProcesses);
  const methodsRaw = strList(merged.methods);
  let ports: Set<number> | undefined;
  if (merged.ports !== undefined && merged.ports !== null) {
    if (!Array.isArray(merged.ports)) return undefined;
    ports = new Set();
    for (const p of merged.ports) {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) return undefined;
      ports.add(p);
    }
  }
  let direction: string | undefined;
  if (merged.direction !== undefined && merged.direction !== null) {
    if (typeof merged.direction !== 'string') return undefined;
    direction = merged.direction.toLowerCase();
    if (direction !== 'inbound' && direction !== 'outbound') return undefined;
  }
  if ([include, ignore, excl, exclParent, methodsRaw].some((x) => x === null)) return undefined;
  const methods = methodsRaw ? new Set(methodsRaw.map((m) => m.toUpperCase())) : undefined;
  const inc = include?.map(trimSlash);
  const ign = ignore?.map(trimSlash);
  if (!inc && !ign && !excl?.length && !exclParent?.length && !methods && !ports && !direction) return undefined;
  return {
    skip(ev: RuntimeEvent): boolean {
      switch (ev.eventType) {
        case 'open':
        case 'exec': {
          const path = ev.eventType === 'open' ? ev.path ?? '' : ev.exepath ?? '';
          if (inc && path !== '' && !underAny(path, inc)) return true;
          if (ign && path !== '' && underAny(path, ign)) return true;
          if (ev.eventType === 'exec') {
            if (excl?.some((p) => p.name === ev.comm && p.path === normalizePath(ev.exepath ?? ''))) return true;
            const pexe = typeof ev.parentExepath === 'string' ? normalizePath(ev.parentExepath) : '';
            if (exclParent?.some((p) => p.name === ev.pcomm && p.path === pexe)) return true;
          }
          return false;
        }
        case 'network':
        case 'ssh':
          return ports ? !ports.has(ev.dstPort ?? 0) : false;
        case 'http': {
          if (direction && ev.direction && ev.direction.toLowerCase() !== direction) return true;
          const m = (ev.request?.method ?? '').toUpperCase();
          if (methods && HTTP_METHODS.has(m) && !methods.has(m)) return true;
          return false;
        }
        default:
          return false;
      }
    },
  };
}
