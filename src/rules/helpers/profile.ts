/**
 * `cp.*` container-profile and network helpers (aliases `ap.*`, `nn.*`): rule-engine.md §2.3–2.4.
 * Every helper answers false when the container has no profile.
 */
import { compareExecArgs } from '../../match/index.ts';
import { opensMatch, neighborMatch, type CompiledProfile } from '../../profile/index.ts';
import { findPod } from '../world.ts';
import type { HelperContext } from './context.ts';

type Cmd = unknown;

function commandList(v: Cmd): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Pod-spec exemption: the first container with the registered name (containers, then
 * initContainers, then ephemeralContainers) allows `path` when it equals an element of its
 * `command`, `lifecycle.preStop.exec.command` or `lifecycle.postStart.exec.command`. A preStop
 * match marks the container (every exec helper then answers true for 5 minutes).
 */
export function isExecInPodSpec(ctx: HelperContext, containerId: string, path: string): boolean {
  const info = ctx.world.containers.get(containerId);
  if (!info) return false;
  const pod = info.namespace !== undefined && info.podName !== undefined
    ? findPod(ctx.world, info.namespace, info.podName)
    : ctx.world.singlePod;
  const spec = pod?.spec as Record<string, unknown> | undefined;
  if (!spec) return false;
  for (const group of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[group];
    if (!Array.isArray(list)) continue;
    const c = list.find((x) => x && (x as Record<string, unknown>).name === info.name) as Record<string, unknown> | undefined;
    if (!c) continue;
    if (commandList(c.command).includes(path)) return true;
    const lc = (c.lifecycle ?? {}) as Record<string, Record<string, Record<string, unknown>> | undefined>;
    if (commandList(lc.preStop?.exec?.command).includes(path)) {
      ctx.markPreStop(containerId);
      return true;
    }
    if (commandList(lc.postStart?.exec?.command).includes(path)) return true;
    return false;
  }
  return false;
}

export function wasExecuted(ctx: HelperContext, cid: string, path: string): boolean {
  if (ctx.inPreStop(cid)) return true;
  const p = ctx.profileFor(cid);
  if (!p) return false;
  if (p.execs.values.has(path)) return true;
  for (const pat of p.execPatterns) if (pat.match(path)) return true;
  return isExecInPodSpec(ctx, cid, path);
}

function argvAllowed(p: CompiledProfile, key: string, args: readonly string[]): boolean {
  const vectors = p.execsByPath.get(key);
  if (!vectors) return true;
  return vectors.some((v) => compareExecArgs(v, args));
}

export function wasExecutedWithArgs(ctx: HelperContext, cid: string, path: string, args: readonly string[]): boolean {
  if (ctx.inPreStop(cid)) return true;
  const p = ctx.profileFor(cid);
  if (!p) return false;
  if (p.execs.values.has(path) && argvAllowed(p, path, args)) return true;
  for (const pat of p.execPatterns) if (pat.match(path) && argvAllowed(p, pat.pattern, args)) return true;
  return isExecInPodSpec(ctx, cid, path);
}

export function wasPathOpened(ctx: HelperContext, cid: string, path: string): boolean {
  const p = ctx.profileFor(cid);
  return p ? opensMatch(p, path) : false;
}

function affix(
  ctx: HelperContext, cid: string, s: string, surface: 'opens' | 'endpoints', kind: 'prefix' | 'suffix',
): boolean {
  const p = ctx.profileFor(cid);
  if (!p) return false;
  const sf = p[surface];
  const test = kind === 'prefix' ? (e: string) => e.startsWith(s) : (e: string) => e.endsWith(s);
  if (sf.all) {
    for (const v of sf.values) if (test(v)) return true;
    // upstream: endpoints scan patterns too, opens do not (rule-engine.md §2.3). sbob scans the
    // patterns of both: a profile listing `/proc/⋯/environ` does end with `/environ`.
    if (surface === 'endpoints' || ctx.semantics === 'sbob') for (const v of sf.patterns) if (test(v)) return true;
    return false;
  }
  return (kind === 'prefix' ? sf.prefixHits : sf.suffixHits).get(s) ?? false;
}

export const wasPathOpenedWithSuffix = (ctx: HelperContext, cid: string, s: string) => affix(ctx, cid, s, 'opens', 'suffix');
export const wasPathOpenedWithPrefix = (ctx: HelperContext, cid: string, s: string) => affix(ctx, cid, s, 'opens', 'prefix');
export const wasEndpointAccessedWithPrefix = (ctx: HelperContext, cid: string, s: string) =>
  affix(ctx, cid, s, 'endpoints', 'prefix');
export const wasEndpointAccessedWithSuffix = (ctx: HelperContext, cid: string, s: string) =>
  affix(ctx, cid, s, 'endpoints', 'suffix');

export function wasSyscallUsed(ctx: HelperContext, cid: string, name: string): boolean {
  return ctx.profileFor(cid)?.syscalls.values.has(name) ?? false;
}
export function wasCapabilityUsed(ctx: HelperContext, cid: string, name: string): boolean {
  return ctx.profileFor(cid)?.capabilities.values.has(name) ?? false;
}

export function wasEndpointAccessed(ctx: HelperContext, cid: string, endpoint: string): boolean {
  const p = ctx.profileFor(cid);
  if (!p || endpoint === '') return false;
  if (p.endpoints.values.has(endpoint)) return true;
  const matchers = ctx.semantics === 'sbob' ? p.endpointMatchersAnyPort : p.endpointMatchers;
  return matchers.some((m) => m.match(endpoint));
}

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export function wasHostAccessed(ctx: HelperContext, cid: string, host: string): boolean {
  const p = ctx.profileFor(cid);
  if (!p) return false;
  const entries = [...p.endpoints.values, ...p.endpoints.patterns];
  for (const e of entries) {
    if (SCHEME_RE.test(e)) {
      try {
        const u = new URL(e);
        if (u.host !== '' && (u.host === host || u.hostname === host)) return true;
      } catch {
        // not a URL: fall through to the string tests
      }
    }
    if (e === host || e.startsWith(`${host}/`) || e.startsWith(`${host}:`)) return true;
  }
  return false;
}

export function wasAddressIn(ctx: HelperContext, dir: 'egress' | 'ingress', cid: string, addr: string): boolean {
  const p = ctx.profileFor(cid);
  if (!p) return false;
  return (dir === 'egress' ? p.egressIPs : p.ingressIPs).has(addr);
}

export function isDomainIn(ctx: HelperContext, dir: 'egress' | 'ingress', cid: string, domain: string): boolean {
  const p = ctx.profileFor(cid);
  if (!p) return false;
  return (dir === 'egress' ? p.egressDNS : p.ingressDNS).has(domain);
}

/**
 * Upstream: the port is range-checked and only the address compared. sbob semantics: the entry that
 * lists the address must also admit the port and protocol (an entry without ports admits any).
 */
export function wasAddressPortProtocolIn(
  ctx: HelperContext, dir: 'egress' | 'ingress', cid: string, addr: string, port: number, proto: string,
): boolean {
  if (!Number.isFinite(port) || port < 0 || port > 65535) return false;
  const p = ctx.profileFor(cid);
  if (!p) return false;
  if (ctx.semantics === 'upstream') return (dir === 'egress' ? p.egressIPs : p.ingressIPs).has(addr);
  return neighborMatch(dir === 'egress' ? p.egressNeighbors : p.ingressNeighbors, addr, port, proto);
}
