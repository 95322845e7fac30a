/**
 * What the engine knows about the cluster and host besides profiles: registered containers, pod
 * specs and labels, namespace labels, the API server address and a process-environment reader.
 * The agent fills it from events and the Kubernetes API; `sbob test` fills it from a case.
 */
import { readFileSync } from 'node:fs';

export interface ContainerInfo {
  containerId: string;
  /** the pod's container name (profile lookup key) */
  name: string;
  namespace?: string;
  podName?: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  /** a Kubernetes PodSpec (containers, initContainers, ephemeralContainers, volumes, ...) */
  spec?: Record<string, unknown>;
  uid?: string;
}

export interface World {
  containers: Map<string, ContainerInfo>;
  /** key `${namespace}/${name}` */
  pods: Map<string, PodInfo>;
  namespaceLabels: Map<string, Record<string, string>>;
  /** the Kubernetes API server address (Service ClusterIP); '' = unknown */
  apiServerAddress: string;
  /** when set, every pod lookup returns this pod (the upstream test double's behaviour) */
  singlePod?: PodInfo;
  /** reads a process environment; null when it cannot be read */
  processEnv(pid: number): Record<string, string> | null;
}

/** Reads `/proc/<pid>/environ` of the host. */
export function readProcEnviron(pid: number): Record<string, string> | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return null;
  }
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export function createWorld(init: Partial<World> = {}): World {
  return {
    containers: init.containers ?? new Map(),
    pods: init.pods ?? new Map(),
    namespaceLabels: init.namespaceLabels ?? new Map(),
    apiServerAddress: init.apiServerAddress ?? process.env.KUBERNETES_SERVICE_HOST ?? '',
    singlePod: init.singlePod,
    processEnv: init.processEnv ?? readProcEnviron,
  };
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function findPod(world: World, namespace: string, name: string): PodInfo | undefined {
  return world.pods.get(podKey(namespace, name)) ?? world.singlePod;
}
