/** `k8s.*`, `parse.*`, `net.*` and `process.*` helpers (rule-engine.md §2.6–2.9). */
import { parseIP } from '../../match/index.ts';
import { HelperError } from '../errors.ts';
import { findPod, type World } from '../world.ts';

const GROUPS = ['containers', 'initContainers', 'ephemeralContainers'];

export function getContainerMountPaths(world: World, ns: string, pod: string, container: string): string[] {
  const p = findPod(world, ns, pod);
  if (!p) throw new HelperError(`k8s.get_container_mount_paths: pod ${ns}/${pod} not found`);
  const out: string[] = [];
  const spec = (p.spec ?? {}) as Record<string, unknown>;
  for (const g of GROUPS) {
    const list = spec[g];
    if (!Array.isArray(list)) continue;
    for (const c of list as Array<Record<string, unknown>>) {
      if (!c || c.name !== container) continue;
      for (const m of (Array.isArray(c.volumeMounts) ? c.volumeMounts : []) as Array<Record<string, unknown>>) {
        if (m && typeof m.mountPath === 'string') out.push(m.mountPath);
      }
    }
  }
  return out;
}

export function getContainerByName(world: World, ns: string, pod: string, container: string): boolean {
  const p = findPod(world, ns, pod);
  if (!p) return false;
  const spec = (p.spec ?? {}) as Record<string, unknown>;
  return GROUPS.some((g) => Array.isArray(spec[g]) && (spec[g] as Array<Record<string, unknown>>).some((c) => c?.name === container));
}

export function isApiServerAddress(world: World, addr: string): boolean {
  return world.apiServerAddress !== '' && addr === world.apiServerAddress;
}

export function getExecPath(args: readonly unknown[], comm: string, exepath?: string): string {
  if (exepath !== undefined && exepath !== '') return exepath;
  if (args.length > 0 && typeof args[0] === 'string' && args[0] !== '') return args[0];
  return comm;
}

/** Loopback, RFC 1918, multicast, class E / broadcast and link-local IPv4 (incl. v4-mapped); `::1`. */
export function isPrivateIP(ip: string): boolean {
  const b = parseIP(ip);
  if (!b) return false;
  const v4mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (!v4mapped) return b.slice(0, 15).every((x) => x === 0) && b[15] === 1; // ::1
  const [a, c] = [b[12]!, b[13]!];
  return (
    a === 127 || a === 10 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168) ||
    a >= 224 || (a === 169 && c === 254)
  );
}

/** LD_* names that make the dynamic linker load or trace code, in lookup order. */
export const LD_HOOK_VARS = [
  'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'LD_BIND_NOW', 'LD_DEBUG', 'LD_PROFILE', 'LD_USE_LOAD_BIAS',
  'LD_SHOW_AUXV', 'LD_ORIGIN_PATH', 'LD_LIBRARY_PATH_FDS', 'LD_ASSUME_KERNEL', 'LD_VERBOSE', 'LD_WARN',
  'LD_TRACE_LOADED_OBJECTS', 'LD_BIND_NOT', 'LD_NOWARN', 'LD_HWCAP_MASK',
] as const;

export function getProcessEnv(world: World, pid: number): Map<string, string> {
  const env = world.processEnv(pid);
  if (!env) throw new HelperError(`process.get_process_env: cannot read the environment of pid ${pid}`);
  return new Map(Object.entries(env));
}

export function getLdHookVar(world: World, pid: number): string {
  const env = world.processEnv(pid);
  if (!env) return '';
  for (const name of LD_HOOK_VARS) if (Object.prototype.hasOwnProperty.call(env, name)) return name;
  return '';
}
