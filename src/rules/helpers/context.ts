/**
 * The state helpers read during an evaluation: the world, the profile store and the semantics
 * switch. One context per engine; `sbob test` swaps world and store between cases.
 */
import type { CompiledProfile, ProfileStore } from '../../profile/index.ts';
import { findPod, type World } from '../world.ts';

/**
 * `sbob` (default): ports/protocols of NetworkNeighborhood entries and the `:0` endpoint port are
 * honoured. `upstream`: exactly node-agent's matching (address-only, `:0` literal).
 */
export type Semantics = 'sbob' | 'upstream';

const PRESTOP_TTL_MS = 5 * 60 * 1000;
const PRESTOP_MAX = 1000;

export class HelperContext {
  private profileCache = new Map<string, { version: number; profile: CompiledProfile | undefined }>();
  /** containers whose preStop hook command was seen executing: cid → expiry (ms) */
  private preStop = new Map<string, number>();
  /** when set, returned for every container id (a projected profile injected by a test) */
  fixedProfile: CompiledProfile | undefined;

  constructor(
    public world: World,
    public store: ProfileStore,
    public semantics: Semantics = 'sbob',
    public now: () => number = Date.now,
  ) {}

  reset(world: World, store: ProfileStore): void {
    this.world = world;
    this.store = store;
    this.profileCache.clear();
    this.preStop.clear();
    this.fixedProfile = undefined;
  }

  /** The compiled profile of a registered container, or undefined ("no profile"). */
  profileFor(containerId: string): CompiledProfile | undefined {
    if (this.fixedProfile) return this.fixedProfile;
    const hit = this.profileCache.get(containerId);
    if (hit && hit.version === this.store.version) return hit.profile;
    const info = this.world.containers.get(containerId);
    let profile: CompiledProfile | undefined;
    if (info) {
      const pod = info.namespace !== undefined && info.podName !== undefined
        ? findPod(this.world, info.namespace, info.podName)
        : this.world.singlePod;
      profile = this.store.resolve({
        namespace: info.namespace ?? pod?.namespace,
        podName: info.podName ?? pod?.name,
        containerName: info.name,
        podLabels: pod?.labels,
      });
    }
    if (this.profileCache.size > 10000) this.profileCache.clear();
    this.profileCache.set(containerId, { version: this.store.version, profile });
    return profile;
  }

  forgetContainer(containerId: string): void {
    this.profileCache.delete(containerId);
  }

  /** Drops every cached container → profile resolution (e.g. pod labels changed). */
  forgetAllContainers(): void {
    this.profileCache.clear();
  }

  inPreStop(containerId: string): boolean {
    const exp = this.preStop.get(containerId);
    if (exp === undefined) return false;
    if (exp < this.now()) {
      this.preStop.delete(containerId);
      return false;
    }
    return true;
  }

  markPreStop(containerId: string): void {
    this.preStop.delete(containerId);
    if (this.preStop.size >= PRESTOP_MAX) {
      const oldest = this.preStop.keys().next().value;
      if (oldest !== undefined) this.preStop.delete(oldest);
    }
    this.preStop.set(containerId, this.now() + PRESTOP_TTL_MS);
  }
}
