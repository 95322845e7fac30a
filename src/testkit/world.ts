/**
 * The shared world model of declarative test cases (conformance README "The shared world model"):
 * registered containers, the pod, the API server address, profiles and process environments.
 */
import type { KObject, ProfileObject } from '../model/index.ts';
import {
  ProfileStore, emptySurface, finishCompiled, type CompiledProfile, type Surface, type ProjectionSpec,
} from '../profile/index.ts';
import { createWorld, type World, type PodInfo } from '../rules/index.ts';

export interface CaseWorld {
  k8s?: {
    containers?: Array<{ containerId: string; name: string; namespace?: string; podName?: string }>;
    pod?: { namespace?: string; name?: string; labels?: Record<string, string>; spec?: Record<string, unknown> };
    apiServerAddress?: string;
  };
  profile?: { applicationProfile?: KObject; networkNeighborhood?: KObject; containerProfile?: KObject };
  projectedProfile?: Record<string, { all?: boolean; values?: string[]; patterns?: string[]; prefixHits?: Record<string, boolean>; suffixHits?: Record<string, boolean> }>;
  process?: Array<{ pid: number; environ?: Record<string, string> }>;
}

export function worldFromCase(c: CaseWorld, opts: { singlePod: boolean }): World {
  const pod = c.k8s?.pod;
  const podInfo: PodInfo | undefined = pod
    ? { namespace: pod.namespace ?? '', name: pod.name ?? '', labels: pod.labels, spec: pod.spec }
    : undefined;
  const world = createWorld({
    apiServerAddress: c.k8s?.apiServerAddress ?? '',
    singlePod: opts.singlePod ? podInfo : undefined,
    processEnv: (pid: number) => {
      const p = c.process?.find((x) => Number(x.pid) === pid);
      return p ? { ...(p.environ ?? {}) } : null;
    },
  });
  if (podInfo) world.pods.set(`${podInfo.namespace}/${podInfo.name}`, podInfo);
  for (const ct of c.k8s?.containers ?? []) {
    world.containers.set(ct.containerId, { containerId: ct.containerId, name: ct.name, namespace: ct.namespace, podName: ct.podName });
  }
  return world;
}

/** A store in which the case's profile objects apply to every registered container. */
export function storeFromCase(c: CaseWorld, projection?: ProjectionSpec): ProfileStore {
  const store = new ProfileStore({ global: true, projection });
  for (const o of [c.profile?.applicationProfile, c.profile?.networkNeighborhood, c.profile?.containerProfile]) {
    if (o) store.upsert(o as ProfileObject);
  }
  return store;
}

/** A compiled profile built straight from an injected projected profile. */
export function compiledFromProjection(pp: NonNullable<CaseWorld['projectedProfile']>): CompiledProfile {
  const surface = (name: string): Surface => {
    const s = pp[name];
    if (!s) return emptySurface(true);
    return {
      all: s.all !== false,
      values: new Set(s.values ?? []),
      patterns: [...(s.patterns ?? [])],
      prefixHits: new Map(Object.entries(s.prefixHits ?? {})),
      suffixHits: new Map(Object.entries(s.suffixHits ?? {})),
    };
  };
  return finishCompiled({
    containerName: '',
    origins: [{ kind: 'ContainerProfile', name: 'projected' }],
    syncChecksum: '',
    status: 'completed',
    completion: 'complete',
    opens: surface('opens'),
    execs: surface('execs'),
    endpoints: surface('endpoints'),
    capabilities: surface('capabilities'),
    syscalls: surface('syscalls'),
    egressDomains: surface('egressDomains'),
    egressAddresses: surface('egressAddresses'),
    ingressDomains: surface('ingressDomains'),
    ingressAddresses: surface('ingressAddresses'),
    execsByPath: new Map(),
    policies: new Map(),
  } as unknown as CompiledProfile);
}
