/**
 * The profile store: holds loaded ApplicationProfile, NetworkNeighborhood and ContainerProfile
 * objects and resolves, for a running container, the compiled profile the rule helpers read.
 *
 * Resolution (docs/profiles.md "Which profile applies to a container"):
 *  1. pod label `kubescape.io/user-defined-profile: X` → objects named `X-<container>` or `X` in the
 *     pod's namespace (ContainerProfile, ApplicationProfile); `kubescape.io/user-defined-network: Y`
 *     (default X) → the NetworkNeighborhood named Y;
 *  2. otherwise objects in the pod's namespace whose label `kubescape.io/workload-name` W names the
 *     pod's workload (pod name W or W-…);
 *  3. otherwise objects without a workload label, in the pod's namespace or with no namespace at all.
 * All matching objects are united (a vendor base plus a local overlay both apply). Within an object,
 * the section whose `name` equals the container name is used (containers, then initContainers, then
 * ephemeralContainers); a flat ContainerProfile applies as-is. Objects carrying a
 * `kubescape.io/status` other than `completed`/`too-large` are still learning and give no profile.
 */
import type {
  ContainerProfileContainer, ProfileObject, KObject,
} from '../model/index.ts';
import { CONTAINER_GROUPS } from '../model/index.ts';
import { compileProfile, type CompiledProfile, type ProjectionSpec, type ProfileOrigin } from './compiled.ts';

export const WORKLOAD_NAME_LABEL = 'kubescape.io/workload-name';
export const USER_DEFINED_PROFILE_LABEL = 'kubescape.io/user-defined-profile';
export const USER_DEFINED_NETWORK_LABEL = 'kubescape.io/user-defined-network';
const TERMINAL_STATUSES = new Set(['completed', 'too-large']);

export interface ContainerQuery {
  namespace?: string;
  podName?: string;
  containerName: string;
  podLabels?: Record<string, string>;
}

const PROFILE_KINDS = new Set(['ApplicationProfile', 'NetworkNeighborhood', 'ContainerProfile']);

export function isProfileObject(o: KObject): o is ProfileObject {
  return PROFILE_KINDS.has(o.kind);
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The container section of a profile object for a container name, or undefined. */
export function sectionFor(obj: ProfileObject, containerName: string): ContainerProfileContainer | undefined {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const grouped = CONTAINER_GROUPS.some((g) => Array.isArray(spec[g]));
  if (obj.kind === 'ContainerProfile' && !grouped) return spec as ContainerProfileContainer;
  for (const g of CONTAINER_GROUPS) {
    const list = spec[g] as ContainerProfileContainer[] | null | undefined;
    const hit = list?.find((c) => c && c.name === containerName);
    if (hit) return hit;
  }
  return undefined;
}

export class ProfileStore {
  private objects = new Map<string, ProfileObject>();
  private cache = new Map<string, CompiledProfile | null>();
  private projection: ProjectionSpec | undefined;
  /** bumped on every change; part of helper cache keys */
  version = 0;

  /** every object applies to every container (the upstream test double's behaviour) */
  private readonly global: boolean;

  constructor(opts: { projection?: ProjectionSpec; global?: boolean } = {}) {
    this.projection = opts.projection;
    this.global = opts.global === true;
  }

  private changed(): void {
    this.version++;
    this.cache.clear();
  }

  setProjection(spec: ProjectionSpec | undefined): void {
    this.projection = spec;
    this.changed();
  }

  upsert(obj: ProfileObject): void {
    this.objects.set(keyOf(obj.kind, obj.metadata.namespace, obj.metadata.name), obj);
    this.changed();
  }

  remove(kind: string, namespace: string | undefined, name: string): boolean {
    const ok = this.objects.delete(keyOf(kind, namespace, name));
    if (ok) this.changed();
    return ok;
  }

  clear(): void {
    this.objects.clear();
    this.changed();
  }

  list(): ProfileObject[] {
    return [...this.objects.values()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** The objects that apply to a container's pod, per the resolution order above. */
  candidates(q: ContainerQuery): ProfileObject[] {
    if (this.global) return [...this.objects.values()];
    const ns = q.namespace ?? '';
    const inNs = (o: ProfileObject) => (o.metadata.namespace ?? '') === ns;
    const all = [...this.objects.values()];
    const udp = q.podLabels?.[USER_DEFINED_PROFILE_LABEL];
    if (udp) {
      const udn = q.podLabels?.[USER_DEFINED_NETWORK_LABEL] ?? udp;
      const names = new Set([`${udp}-${q.containerName}`, udp]);
      const perContainer = all.filter((o) => inNs(o) && o.kind === 'ContainerProfile' && o.metadata.name === `${udp}-${q.containerName}`);
      const app = perContainer.length
        ? perContainer
        : all.filter((o) => inNs(o) && o.kind !== 'NetworkNeighborhood' && names.has(o.metadata.name));
      const net = all.filter((o) => inNs(o) && o.kind === 'NetworkNeighborhood' && o.metadata.name === udn);
      return [...app, ...net];
    }
    const pod = q.podName ?? '';
    const byWorkload = all.filter((o) => {
      const w = o.metadata.labels?.[WORKLOAD_NAME_LABEL];
      return w !== undefined && inNs(o) && (pod === w || pod.startsWith(`${w}-`));
    });
    if (byWorkload.length) return byWorkload;
    return all.filter(
      (o) => o.metadata.labels?.[WORKLOAD_NAME_LABEL] === undefined && (inNs(o) || (o.metadata.namespace ?? '') === ''),
    );
  }

  /** The compiled profile for a container, or undefined when none applies ("no profile"). */
  resolve(q: ContainerQuery): CompiledProfile | undefined {
    const labelsKey = q.podLabels
      ? `${q.podLabels[USER_DEFINED_PROFILE_LABEL] ?? ''}|${q.podLabels[USER_DEFINED_NETWORK_LABEL] ?? ''}`
      : '';
    const key = `${q.namespace ?? ''}\u0000${q.podName ?? ''}\u0000${q.containerName}\u0000${labelsKey}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const sections: ContainerProfileContainer[] = [];
    const origins: ProfileOrigin[] = [];
    let status = 'completed';
    let completion = 'complete';
    for (const obj of this.candidates(q)) {
      const ann = obj.metadata.annotations ?? {};
      const st = ann['kubescape.io/status'];
      if (st !== undefined && !TERMINAL_STATUSES.has(st)) continue; // still learning
      const sec = sectionFor(obj, q.containerName);
      if (!sec) continue;
      sections.push(sec);
      origins.push({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, annotations: ann });
      if (st) status = st;
      if (ann['kubescape.io/completion']) completion = ann['kubescape.io/completion'];
    }
    const compiled = sections.length
      ? compileProfile({ containerName: q.containerName, sections, origins, projection: this.projection })
      : undefined;
    if (compiled) {
      compiled.status = status;
      compiled.completion = completion;
    }
    this.cache.set(key, compiled ?? null);
    return compiled;
  }
}
